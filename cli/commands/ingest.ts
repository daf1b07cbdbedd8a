import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createIngestActivities } from '../../activities/ingest-file.js';
import { readEnvironment } from '../../config/environment.js';
import { INPUT_ENCODINGS, type InputEncoding } from '../../ingest/reading/read-csv.js';
import { INPUT_FORMATS, type InputFormat } from '../../ingest/reading/read-table.js';
import { describeConversion } from '../../ingest/reading/index.js';
import { getProgramme } from '../../programmes/catalogue.js';
import { ApplicationFailure } from '@temporalio/common';
import type { IngestAccount } from '../../activities/contracts.js';
import { CommandFailure, UsageError } from '../errors.js';
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
    let account: IngestAccount;
    try {
      account = await ingestFile({ programmeId: values.programme, kind, path: resolve(file), encoding, format, ...(values.sheet ? { sheet: values.sheet } : {}), ...(values.replaces ? { replaces: true } : {}) });
    } catch (error) {
      // A file refused as a whole (not a table, no header, no fitting sheet): exit code 2, the reason as the message.
      if (error instanceof ApplicationFailure && error.type === 'UnreadableInputFile') throw new CommandFailure(`${file} was refused, nothing was loaded: ${error.message}`, 2);
      throw error;
    }
    printAccount(account, values.json === true);
    if (!account.skippedDuplicateFile && account.rowsLoaded === 0) {
      const reasons = Object.entries(account.reasons).sort((a, b) => b[1] - a[1]);
      const why = account.rowsTotal === 0 ? 'it holds no data rows' : `all ${account.rowsTotal} rows were quarantined (${reasons.map(([code, rows]) => `${code}: ${rows}`).join(', ')})`;
      throw new CommandFailure(`no row of ${file} was loaded: ${why}; see them with: ebpm quarantine show ${account.fileSha256.slice(0, 12)}`, 1);
    }
  } finally {
    await db.destroy();
  }
}

function describeReading(account: IngestAccount): string {
  const { reading } = account;
  const lines: string[] = [];
  if (account.sheet) lines.push(`sheet "${account.sheet}"${reading.hiddenSheetNamed ? ' (a hidden sheet, read because it was named)' : ''}`);
  if (reading.headerLines && reading.headerLines.length && (reading.headerLines.length > 1 || reading.headerLines[0] !== 1)) {
    lines.push(`header in ${account.format === 'xlsx' ? 'row' : 'line'} ${reading.headerLines.join('–')}${reading.linesAboveHeader ? `; ${reading.linesAboveHeader} title lines above it skipped (not data)` : ''}`);
  }
  for (const conversion of reading.conversions ?? []) lines.push(describeConversion(conversion));
  return lines.map((line) => `\n${line}`).join('');
}

function printAccount(account: IngestAccount, json: boolean): void {
  if (json) {
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
          sheet: account.sheet,
          content_sha256: account.contentSha256,
          reading: account.reading,
          reasons: account.reasons,
        }),
      );
      return;
    }
    console.log(
      `${account.fileName} (${account.kind}, SHA-256 ${account.fileSha256.slice(0, 16)}…${account.format ? `, read as ${account.format}` : ''}${account.encoding ? ` in ${account.encoding}` : ''})` +
        (account.skippedDuplicateFile ? `\nThis ${account.sheet ? 'sheet' : 'file'} was loaded before as ${account.kind}: nothing changed.` : describeReading(account)) +
        `\nrows ${account.rowsTotal} = loaded ${account.rowsLoaded} + quarantined ${account.rowsRejected}` +
        (account.rowsUnchanged ? `\n${account.rowsUnchanged} loaded rows were already there unchanged (from an earlier file) and were left as they were` : '') +
        (account.rowsRetired ? `\n${account.rowsRetired} earlier rows this file no longer holds were retired (kept in core.retired_rows)` : '') +
        (account.rowsWithoutConsent ? `\n${account.rowsWithoutConsent} loaded rows lack consent to data use: stored, never analysed` : '') +
        (Object.keys(account.reasons).length
          ? `\n${formatTable(['reason', 'rows'], Object.entries(account.reasons).map(([reason, count]) => [reason, String(count)]))}\nSee them with: ebpm quarantine show ${account.fileSha256.slice(0, 12)}`
          : ''),
    );
}
