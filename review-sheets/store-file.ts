/**
 * Stores one file in one transaction: a file already in force is skipped, and one retired by a newer file is put
 * back in force (its rows were kept); otherwise the earlier file of the same table and review year is retired (its
 * rows stay, out of the views), and this file's rows are copied into their core table as they are read (COPY, never
 * the whole file in memory), its quarantined records beside them, and its account written last. A 3-1 file's
 * indicators by fiscal year (core.review_indicator_values, indicator-values.ts) are copied after its rows, in the same
 * transaction. A load that dies leaves nothing behind and is simply run again.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { copyTextField, copyTextLine, type CopyValue } from '../ingest/loading/copy-text.js';
import { CopyTextChunks } from '../ingest/loading/copy-text-chunks.js';
import { inTransaction, withRawClient } from '../runtime/database.js';
import type { Database } from '../sql/database.js';
import { parseReviewFileName } from './file-name.js';
import { isSyntheticFileName } from './published-file-names.js';
import type { ReviewTable } from './published-headers.js';
import { INDICATOR_VALUE_COLUMNS, IndicatorValues } from './indicator-values.js';
import { readReviewSheetStream, type QuarantinedRecord } from './read-file.js';

export interface ReviewFileAccount {
  readonly file: string;
  readonly table: string;
  readonly reviewYear: number;
  readonly records: number;
  readonly loaded: number;
  readonly quarantined: number;
  /**
   * True for a file `ebpm generate` made up (its name carries SYNTHETIC_FILE_MARK): its outputs say so instead of citing
   * the RS system. For a skipped file, as registered when its bytes were first loaded.
   */
  readonly synthetic: boolean;
  /** True when these bytes (by their SHA-256) were loaded before: nothing was done (see `loadedBefore`). */
  readonly skipped: boolean;
  /**
   * For a skipped file: the table and review year its bytes were loaded as, and whether that file is in force. Not the
   * same as this account's table and year when the same bytes come again under another name: nothing is stored for it.
   */
  readonly loadedBefore?: { readonly table: string; readonly reviewYear: number; readonly inForce: boolean };
  /**
   * True when this file was loaded before, then retired by a newer one, and is now put back in force: its rows, kept
   * when it was retired, count again, and the file in force until now is retired (listed in `retired`).
   */
  readonly reinstated: boolean;
  /** Files this one retired: the file of its table and review year in force until now, if any. */
  readonly retired: readonly string[];
}

/** A file to store: its name as published (table and review year), its digest, and its bytes in pieces. */
export interface ReviewSheetSource {
  /** As shown in the account: the file's name, or the zip's name and the entry's. */
  readonly label: string;
  /** The published file name (N-N_RS_YYYY_….csv). */
  readonly fileName: string;
  readonly sha256: string;
  pieces(): AsyncIterable<Uint8Array>;
}

const KEY = ['line', 'review_year', 'project_id'];

/** Each core table and the columns of its mapped rows, in COPY order. */
const STORED: Record<ReviewTable, { table: string; columns: readonly string[] }> = {
  '1-2': { table: 'core.review_projects', columns: [...KEY, 'project_name', 'ministry', 'policy_ministry', 'bureau', 'division', 'purpose', 'project_category', 'start_year', 'end_year', 'main_expense', 'department', 'no_end_planned'] },
  '2-1': { table: 'core.review_budget', columns: [...KEY, 'budget_year', 'is_total', 'account_section', 'account', 'sub_account', 'initial_budget_yen', 'supplementary_yen', 'carried_in_yen', 'reserve_yen', 'current_budget_yen', 'executed_yen', 'execution_rate_reported', 'carried_over_yen', 'next_year_request_yen'] },
  '3-1': { table: 'core.review_indicator_rows', columns: [...KEY, 'node_number', 'indicator_seq', 'row_kind', 'node_kind', 'outcome_term', 'qualitative', 'goal', 'indicator_name', 'unit', 'direction', 'data_source', 'qualitative_reason', 'qualitative_result', 'year_values'] },
  '3-2': { table: 'core.review_edges', columns: [...KEY, 'from_node', 'to_node', 'from_kind', 'to_kind', 'rationale', 'from_term', 'to_term'] },
  '4-1': { table: 'core.review_checks', columns: [...KEY, 'self_check_result', 'improvement_direction', 'external_review_year', 'external_review_findings', 'team_finding', 'team_finding_detail', 'reflection', 'reflected_general_account_yen'] },
  '5-1': { table: 'core.review_payee_rows', columns: [...KEY, 'level', 'block_number', 'block_name', 'block_total_yen', 'payee_name', 'corporate_number', 'corporate_number_valid', 'payee_total_yen', 'contract_summary', 'contract_yen'] },
};

const INDICATOR_VALUES_TABLE = 'core.review_indicator_values';

/**
 * PostgreSQL stored another number of rows than were sent (a rule or trigger added to the table, or a fault in ebpm):
 * the transaction is rolled back, nothing of the file kept, and the load is not retried (the cause would recur).
 */
export class ReviewCopyCountError extends Error {
  constructor(readonly file: string, readonly table: string, readonly sent: number, readonly stored: number) {
    super(
      `${file}: PostgreSQL stored ${stored} of the ${sent} rows sent to ${table}, so nothing of the file was kept; ` +
        `check ${table} for a rule or trigger that skips rows, or report it with the file`,
    );
    this.name = 'ReviewCopyCountError';
  }
}

function copyValue(value: unknown): CopyValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return value as CopyValue;
}

/**
 * COPY of `chunks` (made by `out`) into `table`, then the check that PostgreSQL stored every row `out` counted: the
 * account says what was stored, not only what was sent.
 */
async function copyEveryRow(
  client: pg.PoolClient,
  label: string,
  table: string,
  columns: readonly string[],
  out: CopyTextChunks,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<void> {
  const copy = client.query(copyStreams.from(`COPY ${table} (file_sha256, ${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunks), copy);
  if (copy.rowCount !== out.rows) throw new ReviewCopyCountError(label, table, out.rows, copy.rowCount);
}

/** A 3-1 file's indicators by fiscal year into core.review_indicator_values, checked by count like its rows. */
async function copyIndicatorValues(client: pg.PoolClient, sha256: string, label: string, values: IndicatorValues): Promise<void> {
  const out = new CopyTextChunks();
  function* copyText(): Generator<Uint8Array> {
    for (const line of values.copyLines(sha256)) {
      out.add(line);
      if (out.rows % 1024 === 0) yield* out.drain();
    }
    yield* out.finish();
  }
  await copyEveryRow(client, label, INDICATOR_VALUES_TABLE, INDICATOR_VALUE_COLUMNS, out, copyText());
}

export async function storeReviewSheet(db: Kysely<Database>, source: ReviewSheetSource): Promise<ReviewFileAccount> {
  const { table, reviewYear } = parseReviewFileName(source.fileName);
  const stored = STORED[table as ReviewTable];
  const base = { file: source.label, table, reviewYear };
  return withRawClient(db, (client) =>
    inTransaction(client, async () => {
      // One load per table and review year at a time, so two files of the same year cannot both stay in force.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`review-sheets:${table}:${reviewYear}`]);
      const known = await client.query<{ records: number; loaded: number; quarantined: number; synthetic: boolean; status: 'loaded' | 'retired'; sheet_table: string; review_year: number }>(
        'SELECT records, loaded, quarantined, synthetic, status, sheet_table, review_year FROM raw.review_sheet_files WHERE file_sha256 = $1',
        [source.sha256],
      );
      const retireInForce = () =>
        client.query<{ file_name: string }>(
          `UPDATE raw.review_sheet_files SET status = 'retired', retired_at = now(), retired_by = $1
            WHERE sheet_table = $2 AND review_year = $3 AND status = 'loaded' AND file_sha256 <> $1 RETURNING file_name`,
          [source.sha256, table, reviewYear],
        );
      if (known.rows.length) {
        const { status, sheet_table: knownTable, review_year: knownYear, ...account } = known.rows[0];
        // The same bytes under another table's or year's name stay as first loaded: skipped, never moved.
        if (status === 'loaded' || knownTable !== table || knownYear !== reviewYear) {
          const loadedBefore = { table: knownTable, reviewYear: knownYear, inForce: status === 'loaded' };
          return { ...base, ...account, skipped: true, loadedBefore, reinstated: false, retired: [] };
        }
        // Loaded again after a newer file retired it: the user wants this one in force. Its rows were kept, so it is
        // put back as it was, and the file in force until now is retired in its place (its rows kept in turn).
        const retired = await retireInForce();
        await client.query(`UPDATE raw.review_sheet_files SET status = 'loaded', retired_at = NULL, retired_by = NULL WHERE file_sha256 = $1`, [source.sha256]);
        return { ...base, ...account, skipped: false, reinstated: true, retired: retired.rows.map((row) => row.file_name) };
      }
      const retired = await retireInForce();
      const synthetic = isSyntheticFileName(source.fileName);
      // Registered first (its rows refer to it), its account written once every record is in.
      await client.query(
        `INSERT INTO raw.review_sheet_files (file_sha256, file_name, sheet_table, review_year, records, loaded, quarantined, status, synthetic)
         VALUES ($1, $2, $3, $4, 0, 0, 0, 'loaded', $5)`,
        [source.sha256, source.label, table, reviewYear, synthetic],
      );
      const quarantined: QuarantinedRecord[] = [];
      // 3-1's indicators by fiscal year, gathered as its rows go by and written after them (indicator-values.ts).
      const indicatorValues = table === '3-1' ? new IndicatorValues() : null;
      const out = new CopyTextChunks();
      // The COPY text of the file as it is read (the whole file is never in memory), handed on a chunk of about
      // 256 KB at a time whatever the size of the pieces read (16 KB from a zip, 1 MB from a file on disk).
      async function* copyText(): AsyncGenerator<Uint8Array> {
        for await (const batch of readReviewSheetStream(source.fileName, source.pieces())) {
          for (const read of batch) {
            if ('quarantined' in read) {
              quarantined.push(read.quarantined);
              continue;
            }
            indicatorValues?.add(read.row);
            const row = read.row as Record<string, unknown>;
            let line = source.sha256;
            for (const column of stored.columns) line += `\t${copyTextField(copyValue(row[column]))}`;
            out.add(`${line}\n`);
          }
          yield* out.drain();
        }
        yield* out.finish();
      }
      await copyEveryRow(client, source.label, stored.table, stored.columns, out, copyText());
      const loaded = out.rows;
      if (indicatorValues) await copyIndicatorValues(client, source.sha256, source.label, indicatorValues);
      if (quarantined.length) {
        const lines = quarantined.map((q) => copyTextLine([source.sha256, q.line, q.reason, JSON.stringify(q.record)]));
        await pipeline(Readable.from(lines), client.query(copyStreams.from('COPY raw.review_sheet_quarantine (file_sha256, line, reason, record) FROM STDIN')));
      }
      const records = loaded + quarantined.length;
      await client.query('UPDATE raw.review_sheet_files SET records = $2, loaded = $3, quarantined = $4 WHERE file_sha256 = $1', [source.sha256, records, loaded, quarantined.length]);
      return { ...base, records, loaded, quarantined: quarantined.length, synthetic, skipped: false, reinstated: false, retired: retired.rows.map((row) => row.file_name) };
    }),
  );
}
