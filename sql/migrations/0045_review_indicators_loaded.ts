import { sql, type Kysely } from 'kysely';
import { ATTRIBUTION } from './0025_review_sheets.js';
import { INDICATOR_VALUES_REFERENCE, REVIEW_SHEET_REFERENCES as REFERENCES_WHEN_0039_RAN } from './0039_review_indicator_values_loaded.js';
import { findingsOfReviewYears } from './0041_review_findings_by_review_year.js';
import { addReferenceCheckedPerStatement, withdrawReference, type Reference } from './statement-reference-checks.js';

/**
 * 3-1's output and outcome indicators, one row each, are written by the load beside the file's rows
 * (core.review_indicators, review-sheets/indicator-summaries.ts), and the findings read them there. The findings'
 * query grouped every 3-1 row of the review years it writes to get, per indicator, what its cells by year do not carry
 * (a stated reason, a qualitative result, the name and unit the checks compare): on a national year (5,700 projects)
 * a sort of 108,160 rows, about half of the query, in the load's last step, which nothing runs beside. The load has
 * each row in hand already.
 *
 * The rows are those the query's grouping gave (0040), per file, retired files' too (a file put back in force shows
 * them again): outcome_term the greatest of the indicator's rows', indicator_name and unit the first given by line,
 * qualitative bool_or() of its rows', has_reason and has_qualitative_result whether any row states one. The findings
 * are otherwise 0041's.
 */

export const INDICATORS_REFERENCE: Reference = {
  table: 'core.review_indicators',
  column: 'file_sha256',
  target: 'raw.review_sheet_files',
  key: 'file_sha256',
  foreignKey: 'review_indicators_file_sha256_fkey',
};
/** The tables that referred to the files when 0045 ran, each checked per statement (0033, 0036, 0039). */
const REVIEW_SHEET_REFERENCES: readonly Reference[] = [...REFERENCES_WHEN_0039_RAN, INDICATOR_VALUES_REFERENCE];

const COLUMNS = 'file_sha256, review_year, project_id, node_kind, node_number, indicator_seq, outcome_term, indicator_name, unit, qualitative, has_reason, has_qualitative_result';

/** 0040's grouping of the 3-1 rows, over every file. */
const SUMMARIES_OF_ROWS = `
  SELECT i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq,
         max(i.outcome_term),
         (array_agg(i.indicator_name ORDER BY i.line) FILTER (WHERE i.indicator_name IS NOT NULL))[1],
         (array_agg(i.unit ORDER BY i.line) FILTER (WHERE i.unit IS NOT NULL))[1],
         bool_or(i.qualitative),
         bool_or(i.qualitative_reason IS NOT NULL),
         bool_or(i.qualitative_result IS NOT NULL)
    FROM core.review_indicator_rows i
   WHERE i.node_kind IN ('output', 'outcome')
   GROUP BY i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq`;

const INDICATORS_FROM_TABLE = `), indicators AS (
  -- One row per indicator, written by the load beside its 3-1 rows (core.review_indicators, migration 0045).
  SELECT i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq, i.outcome_term,
         i.indicator_name, i.unit, i.qualitative, i.has_reason, i.has_qualitative_result
    FROM (SELECT * FROM core.review_indicators WHERE review_year = ANY (review_years)) i JOIN in_force USING (file_sha256)
), qualitative_results AS (`;

/** 0041's query with its indicators read from core.review_indicators instead of grouped from the 3-1 rows. */
export function findingsFromIndicators(): string {
  const query = findingsOfReviewYears();
  const start = query.indexOf('), indicators AS (');
  const end = query.indexOf('), qualitative_results AS (');
  if (start === -1 || end < start || query.indexOf('), indicators AS (', start + 1) !== -1) throw new Error('0041\'s findings query does not have the one indicators CTE 0045 replaces');
  return query.slice(0, start) + INDICATORS_FROM_TABLE + query.slice(end + '), qualitative_results AS ('.length);
}

export async function defineFindings(db: Kysely<unknown>, query: string): Promise<void> {
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION core.review_findings_of(review_years integer[]) RETURNS SETOF core.review_findings LANGUAGE sql STABLE AS $findings$
${query}
$findings$`,
    )
    .execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    CREATE TABLE core.review_indicators (
      file_sha256 text NOT NULL CONSTRAINT ${INDICATORS_REFERENCE.foreignKey} REFERENCES raw.review_sheet_files (file_sha256),
      review_year integer NOT NULL,
      project_id integer NOT NULL,
      node_kind text NOT NULL CHECK (node_kind IN ('output', 'outcome')),
      node_number integer NOT NULL,
      indicator_seq integer NOT NULL,
      outcome_term text,
      indicator_name text,
      unit text,
      qualitative boolean,
      has_reason boolean NOT NULL,
      has_qualitative_result boolean NOT NULL)`).execute(db);
  // The findings read the files in force of some review years; the findings' step looks for a file's rows.
  await sql`CREATE INDEX review_indicators_year_file ON core.review_indicators (review_year, file_sha256)`.execute(db);
  await sql`COMMENT ON TABLE core.review_indicators IS ${sql.lit(
    `Review sheets, table 3-1: one row per output or outcome indicator of a file (its rows in core.review_indicator_rows share the file, project, node kind, node number and indicator_seq), written by the load beside the file's rows; every file's, retired ones too. The findings (core.review_findings_of) read it. ${ATTRIBUTION}`,
  )}`.execute(db);
  const comments: Record<string, string> = {
    outcome_term: "The greatest of its rows' outcome terms (short, mid, long; max()).",
    indicator_name: 'The first indicator name (活動指標／成果指標) its rows give, in file order.',
    unit: 'The first unit (単位) its rows give, in file order.',
    qualitative: 'True if any of its rows says the target is qualitative (定性的), false if some say quantitative and none qualitative, null if none says.',
    has_reason: 'Whether any of its rows states why the target is qualitative (定性的なアウトカム目標を設定している理由).',
    has_qualitative_result: 'Whether any of its rows states a qualitative result (定性的なアウトカムに関する成果実績).',
  };
  for (const [column, comment] of Object.entries(comments)) await sql`COMMENT ON COLUMN ${sql.raw(`core.review_indicators.${column}`)} IS ${sql.lit(comment)}`.execute(db);
  await addReferenceCheckedPerStatement(db, INDICATORS_REFERENCE, REVIEW_SHEET_REFERENCES, 'distinct-values-first');
  // The files loaded before this migration, every one (a retired file may be put back in force).
  await sql.raw(`INSERT INTO core.review_indicators (${COLUMNS}) ${SUMMARIES_OF_ROWS}`).execute(db);
  await defineFindings(db, findingsFromIndicators());
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await defineFindings(db, findingsOfReviewYears());
  await withdrawReference(db, INDICATORS_REFERENCE, REVIEW_SHEET_REFERENCES);
  await sql`DROP TABLE core.review_indicators`.execute(db);
}
