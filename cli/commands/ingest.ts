import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createIngestActivities } from '../../activities/ingest-file.js';
import { readEnvironment } from '../../config/environment.js';
import { INPUT_ENCODINGS, type InputEncoding } from '../../ingest/read-csv.js';
import { INPUT_FORMATS, type InputFormat } from '../../ingest/read-table.js';
import { getProgramme } from '../../programmes/catalogue.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format.js';
import { openDatabaseReady } from '../services.js';

export async function ingestCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      programme: { type: 'string' },
      kind: { type: 'string' },
      encoding: { type: 'string' },
      format: { type: 'string' },
      sheet: { type: 'string' },
      json: { type: 'boolean' },
      replaces: { type: 'boolean' },
    },
  });
  const [file] = positionals;
  if (!file) throw new UsageError('give the file to load: ebpm ingest FILE --programme ID');
  if (!values.programme) throw new UsageError('--programme ID is required');
  getProgramme(values.programme);
  const kind = values.kind ?? 'applicants';
  if (kind !== 'applicants' && kind !== 'outcomes' && kind !== 'statistics') throw new UsageError('--kind must be applicants, outcomes or statistics');
  const encoding = (values.encoding ?? 'auto') as InputEncoding;
  if (!INPUT_ENCODINGS.includes(encoding)) throw new UsageError(`--encoding must be one of ${INPUT_ENCODINGS.join(', ')}`);
  const format = (values.format ?? 'auto') as InputFormat;
  if (!INPUT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${INPUT_FORMATS.join(', ')}`);
  const log = (line: string) => console.error(line);
  const environment = readEnvironment();
  const db = await openDatabaseReady(environment, log);
  try {
    const { ingestFile } = createIngestActivities(db, { batchSize: environment.ingestBatchRows, onProgress: ({ rowsRead }) => log(`  ${rowsRead.toLocaleString('en-US')} rows read and committed…`) });
    const account = await ingestFile({ programmeId: values.programme, kind, path: resolve(file), encoding, format, ...(values.sheet ? { sheet: values.sheet } : {}), ...(values.replaces ? { replaces: true } : {}) });
    if (values.json) {
      console.log(
        JSON.stringify({
          file: account.fileName,
          sha256: account.fileSha256,
          rows: account.rowsTotal,
          loaded: account.rowsLoaded,
          quarantined: account.rowsRejected,
          skipped_duplicate_file: account.skippedDuplicateFile,
          without_consent: account.rowsWithoutConsent,
          unchanged: account.rowsUnchanged,
          retired: account.rowsRetired,
          encoding: account.encoding,
          format: account.format,
          reasons: account.reasons,
        }),
      );
      return;
    }
    console.log(
      `${account.fileName} (${account.kind}, SHA-256 ${account.fileSha256.slice(0, 16)}…${account.format ? `, read as ${account.format}` : ''}${account.encoding ? ` in ${account.encoding}` : ''})` +
        (account.skippedDuplicateFile ? '\nThis file was loaded before: nothing changed.' : '') +
        `\nrows ${account.rowsTotal} = loaded ${account.rowsLoaded} + quarantined ${account.rowsRejected}` +
        (account.rowsUnchanged ? `\n${account.rowsUnchanged} loaded rows were already there unchanged (from an earlier file) and were left as they were` : '') +
        (account.rowsRetired ? `\n${account.rowsRetired} earlier rows this file no longer holds were retired (kept in core.retired_rows)` : '') +
        (account.rowsWithoutConsent ? `\n${account.rowsWithoutConsent} loaded rows lack consent to data use: stored, never analysed` : '') +
        (Object.keys(account.reasons).length
          ? `\n${formatTable(['reason', 'rows'], Object.entries(account.reasons).map(([reason, count]) => [reason, String(count)]))}\nSee them with: ebpm quarantine show ${account.fileSha256.slice(0, 12)}`
          : ''),
    );
  } finally {
    await db.destroy();
  }
}
