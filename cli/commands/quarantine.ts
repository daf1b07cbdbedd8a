import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { readEnvironment } from '../../config/environment.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format.js';
import { openDatabaseReady } from '../services.js';

export async function quarantineCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { programme: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } } });
  // Refused before connecting: opening the database creates and migrates it, which a mistyped command must not do.
  if (action !== 'list' && action !== 'show') throw new UsageError(`unknown action "${action ?? ''}" for ebpm quarantine`);
  if (action === 'show' && !(positionals[0] && /^[0-9a-f]{6,64}$/.test(positionals[0]))) {
    throw new UsageError('give the file id (the start of its SHA-256, from `ebpm quarantine list`)');
  }
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    if (action === 'list') {
      const { rows } = await sql<{ file_sha256: string; file_name: string; programme_id: string; kind: string; rows_total: number; rows_rejected: number; loaded_at: Date }>`
        SELECT file_sha256, file_name, programme_id, kind, rows_total, rows_rejected, loaded_at
          FROM raw.input_files
         WHERE rows_rejected > 0 AND (${values.programme ?? null}::text IS NULL OR programme_id = ${values.programme ?? null})
         ORDER BY loaded_at DESC`.execute(db);
      if (values.json) return void console.log(JSON.stringify(rows));
      console.log(
        rows.length === 0
          ? 'No quarantined rows.'
          : formatTable(
              ['file', 'programme', 'kind', 'rows', 'quarantined', 'loaded at', 'id'],
              rows.map((r) => [r.file_name, r.programme_id, r.kind, String(r.rows_total), String(r.rows_rejected), r.loaded_at.toISOString(), r.file_sha256.slice(0, 12)]),
            ),
      );
      return;
    }
    if (action === 'show') {
      const prefix = positionals[0] as string;
      const limit = Number(values.limit ?? 50);
      const { rows } = await sql<{ file_sha256: string; line_number: number; raw_record: unknown; reasons: { code: string; message: string }[] }>`
        SELECT file_sha256, line_number, raw_record, reasons FROM raw.rejected_rows
         WHERE file_sha256 LIKE ${`${prefix}%`} ORDER BY line_number LIMIT ${limit}`.execute(db);
      if (values.json) return void console.log(JSON.stringify(rows));
      if (rows.length === 0) throw new UsageError(`no quarantined rows for a file whose id starts with ${prefix}`);
      console.log(
        formatTable(
          ['line', 'reasons', 'row as received'],
          rows.map((r) => [String(r.line_number), r.reasons.map((reason) => `${reason.code}: ${reason.message}`).join('; '), JSON.stringify(r.raw_record).slice(0, 120)]),
        ) + '\nFix these lines in the file and load it again: rows already loaded are updated, not duplicated.',
      );
      return;
    }
  } finally {
    await db.destroy();
  }
}
