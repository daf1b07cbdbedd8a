/**
 * Stores one read file in one transaction: a file already registered is skipped; otherwise the earlier file of
 * the same table and review year is retired (its rows stay, out of the views), and this file's rows and
 * quarantined records go in with its account. A load that dies leaves nothing behind and is simply run again.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../sql/database.js';
import type { ReviewTable } from './published-headers.js';
import type { ReviewSheetFile } from './read-file.js';

export interface ReviewFileAccount {
  readonly file: string;
  readonly table: string;
  readonly reviewYear: number;
  readonly records: number;
  readonly loaded: number;
  readonly quarantined: number;
  /** True when this file (by its SHA-256) was loaded before: nothing was done. */
  readonly skipped: boolean;
  /** Files this one retired (the earlier file of its table and review year). */
  readonly retired: readonly string[];
}

const KEY = 'line integer, review_year integer, project_id integer';

/** Each core table and its columns as jsonb_to_recordset reads them from the mapped rows. */
const STORED: Record<ReviewTable, { table: string; columns: string }> = {
  '1-2': { table: 'core.review_projects', columns: `${KEY}, project_name text, ministry text, policy_ministry text, bureau text, division text, purpose text, project_category text, start_year integer, end_year integer, main_expense text` },
  '2-1': { table: 'core.review_budget', columns: `${KEY}, budget_year integer, is_total boolean, account_section text, account text, sub_account text, initial_budget_yen numeric, supplementary_yen numeric, carried_in_yen numeric, reserve_yen numeric, current_budget_yen numeric, executed_yen numeric, execution_rate_reported numeric, carried_over_yen numeric, next_year_request_yen numeric` },
  '3-1': { table: 'core.review_indicator_rows', columns: `${KEY}, node_number integer, indicator_seq integer, row_kind text, node_kind text, outcome_term text, qualitative boolean, goal text, indicator_name text, unit text, direction text, data_source text, qualitative_reason text, qualitative_result text, year_values jsonb` },
  '3-2': { table: 'core.review_edges', columns: `${KEY}, from_node integer, to_node integer, from_kind text, to_kind text, rationale text, from_term text, to_term text` },
  '4-1': { table: 'core.review_checks', columns: `${KEY}, self_check_result text, improvement_direction text, external_review_year integer, external_review_findings text, team_finding text, team_finding_detail text, reflection text, reflected_general_account_yen numeric` },
  '5-1': { table: 'core.review_payee_rows', columns: `${KEY}, level text, block_number text, block_name text, block_total_yen numeric, payee_name text, corporate_number text, corporate_number_valid boolean, payee_total_yen numeric, contract_summary text, contract_yen numeric` },
};

const CHUNK_ROWS = 5000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += CHUNK_ROWS) out.push(items.slice(start, start + CHUNK_ROWS));
  return out;
}

export async function storeReviewSheetFile(db: Kysely<Database>, file: ReviewSheetFile): Promise<ReviewFileAccount> {
  const base = { file: file.fileName, table: file.table, reviewYear: file.reviewYear };
  return db.transaction().execute(async (trx) => {
    // One load per table and review year at a time, so two files of the same year cannot both stay in force.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`review-sheets:${file.table}:${file.reviewYear}`}))`.execute(trx);
    const known = await sql<{ records: number; loaded: number; quarantined: number }>`
      SELECT records, loaded, quarantined FROM raw.review_sheet_files WHERE file_sha256 = ${file.sha256}`.execute(trx);
    if (known.rows.length) return { ...base, ...known.rows[0], skipped: true, retired: [] };
    const retired = await sql<{ file_name: string }>`
      UPDATE raw.review_sheet_files SET status = 'retired', retired_at = now(), retired_by = ${file.sha256}
       WHERE sheet_table = ${file.table} AND review_year = ${file.reviewYear} AND status = 'loaded'
      RETURNING file_name`.execute(trx);
    const records = file.rows.length + file.quarantined.length;
    await sql`
      INSERT INTO raw.review_sheet_files (file_sha256, file_name, sheet_table, review_year, records, loaded, quarantined, status)
      VALUES (${file.sha256}, ${file.fileName}, ${file.table}, ${file.reviewYear}, ${records}, ${file.rows.length}, ${file.quarantined.length}, 'loaded')`.execute(trx);
    const stored = STORED[file.table];
    const names = stored.columns.split(',').map((column) => column.trim().split(' ')[0]).join(', ');
    for (const rows of chunks(file.rows)) {
      await sql`
        INSERT INTO ${sql.raw(stored.table)} (file_sha256, ${sql.raw(names)})
        SELECT ${file.sha256}, ${sql.raw(names)} FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(${sql.raw(stored.columns)})`.execute(trx);
    }
    for (const records of chunks(file.quarantined)) {
      await sql`
        INSERT INTO raw.review_sheet_quarantine (file_sha256, line, reason, record)
        SELECT ${file.sha256}, line, reason, record FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS x(line integer, reason text, record jsonb)`.execute(trx);
    }
    return { ...base, records, loaded: file.rows.length, quarantined: file.quarantined.length, skipped: false, retired: retired.rows.map((row) => row.file_name) };
  });
}
