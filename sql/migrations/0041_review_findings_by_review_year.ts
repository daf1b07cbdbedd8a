import { sql, type Kysely } from 'kysely';
import { dematerialize, materialize } from './materialized-views.js';
import { editFindingsComment, FINDINGS, REVIEW_FINDINGS_0040, reviewFindingsQuery } from './0040_review_findings_read_indicator_values.js';

/**
 * bi.review_findings is written review year by review year: a load rewrites the findings of the review years of its
 * files, in a table (core.review_findings), and the view reads the table. As a materialized view (0031) it was
 * refreshed whole at the end of every load, every review year loaded so far recomputed, so a load's last step grew
 * with each year kept, and the refresh held a lock that kept every reader of the view waiting until it ended. Now
 * the findings of the other years are left as they are, and readers see the previous rows until the load commits.
 * With two national years loaded (5,700 projects each), writing one year's findings took 886–1,330 ms where the
 * refresh of both took 1,292–1,844 ms (six runs each, alternated, each in a new psql session), and 741–1,043 ms
 * once each table was narrowed to the year (below), against 833–1,187 ms without (another six runs).
 *
 * The rows are computed by core.review_findings_of(review years): 0040's query with the files in force of those
 * years, each table it reads narrowed to their rows (its key or index begins with review_year), so that writing one
 * year does not read the others. The findings of a year come only from that year's rows: a file's rows carry the
 * review year of its name (a record of another 事業年度 is quarantined), and the checks that join tables
 * (outcome_unreached, 3-1 with 3-2; the ministry from 1-2) join them on review_year. The columns, their comments and
 * the view's comment are carried over.
 */

/** The sentence added to the view's comment. */
const WRITTEN = ' Written at the end of each review-sheet load (ebpm review-sheets load, ebpm demo) for the review years of its files, into core.review_findings.';

const COLUMNS =
  'review_year, project_id, ministry, check_id, node_kind, outcome_term, node_number, indicator_seq, indicator_name, fiscal_year, target_value, actual_value, achievement_reported, achievement_computed, current_budget_yen, executed_yen, execution_rate, block_number, payee_name, corporate_number, detail';

/** The tables of sheet rows 0040's query reads, each `core.<table> <alias>` in it. */
const SHEET_TABLES = ['review_budget', 'review_edges', 'review_indicator_rows', 'review_indicator_values', 'review_payee_rows', 'review_projects'];

/** 0040's query over the files in force of `review_years` (the function's parameter), reading those years' rows only. */
export function findingsOfReviewYears(): string {
  const read = new Set<string>();
  const query = reviewFindingsQuery("status = 'loaded' AND review_year = ANY (review_years)").replace(/\bcore\.(review_[a-z_]+) /g, (_match, table: string) => {
    read.add(table);
    // A subquery in FROM is pulled up into the query: the condition becomes the scan's, on the key's first column.
    return `(SELECT * FROM core.${table} WHERE review_year = ANY (review_years)) `;
  });
  const expected = [...SHEET_TABLES].sort().join(', ');
  if ([...read].sort().join(', ') !== expected) throw new Error(`0040's findings query reads ${[...read].sort().join(', ')}; 0041 narrows ${expected}`);
  return query;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // The materialized view's columns and types, then its rows as the function computes them for every review year.
  await sql`CREATE TABLE core.review_findings AS SELECT * FROM bi.review_findings WITH NO DATA`.execute(db);
  await sql`CREATE INDEX review_findings_year_project_rows ON core.review_findings (review_year, project_id)`.execute(db);
  await sql`COMMENT ON TABLE core.review_findings IS ${sql.lit(
    'The findings of ebpm\'s checks on the review sheets in force (bi.review_findings reads it): each review-sheet load deletes the rows of the review years of its files and writes them again from core.review_findings_of.',
  )}`.execute(db);
  await sql
    .raw(
      `CREATE FUNCTION core.review_findings_of(review_years integer[]) RETURNS SETOF core.review_findings LANGUAGE sql STABLE AS $findings$
${findingsOfReviewYears()}
$findings$`,
    )
    .execute(db);
  await sql`COMMENT ON FUNCTION core.review_findings_of(integer[]) IS ${sql.lit(
    'The findings of the review sheets in force of the given review years, as bi.review_findings shows them (migrations 0026, 0040).',
  )}`.execute(db);
  await sql`INSERT INTO core.review_findings SELECT * FROM core.review_findings_of(ARRAY(SELECT DISTINCT review_year FROM raw.review_sheet_files))`.execute(db);
  await dematerialize(db, FINDINGS, `SELECT ${COLUMNS} FROM core.review_findings`);
  await editFindingsComment(db, 'VIEW', (comment) => comment + WRITTEN);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await editFindingsComment(db, 'VIEW', (comment) => comment.replace(WRITTEN, ''));
  await materialize(db, FINDINGS, REVIEW_FINDINGS_0040);
  await sql`DROP FUNCTION core.review_findings_of(integer[])`.execute(db);
  await sql`DROP TABLE core.review_findings`.execute(db);
}
