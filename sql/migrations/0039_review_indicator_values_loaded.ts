import { sql, type Kysely } from 'kysely';
import { dematerialize, materialize, type Materialization } from './materialized-views.js';
import { addReferenceCheckedPerStatement, withdrawReference, type Reference } from './statement-reference-checks.js';

/**
 * 3-1's indicators by fiscal year are written by the load, file by file, into core.review_indicator_values, and
 * bi.review_indicator_values becomes a plain view over it again (a materialized view since 0034). The refresh turned
 * every loaded 3-1 file's rows round at the end of each load, beside the findings' refresh: 1.66 s of PostgreSQL's
 * time in a national year's load of about 8.5 s (the findings' 1.20 s beside it), and longer with each review year
 * loaded (it recomputed them all). The load has each row in hand already (review-sheets/indicator-values.ts): copying
 * the result beside the rows took PostgreSQL 0.60–0.67 s for a national year, while the other lane's file loads.
 *
 * The rows and columns are 0034's. The table holds every file's values, retired files' too, so that a file put back
 * in force shows them again; the view keeps the files in force, as before. The numbers are read from the cells as the
 * view read them (generated columns, the same expressions); achievement_computed stays in the view. Where a sheet
 * repeats a row kind within one indicator, the year's cell is the greater text by code point, whatever the database's
 * collation: max() under COLLATE "C" here, as the load compares them. (0034's view took max() under the database's
 * collation: the same on databases made with C.UTF-8, and on others it could differ, as for a and B.)
 */
const ATTRIBUTION = '出典: 行政事業レビュー見える化サイトのデータを加工して作成（公共データ利用規約 第1.0版 PDL1.0）. Source: the RS system (rssystem.go.jp) review sheets, processed by ebpm.';
const NUMERIC = `'^-?[0-9]+(\\.[0-9]+)?$'`;
const number = (cell: string) => `CASE WHEN ${cell} ~ ${NUMERIC} THEN ${cell}::numeric END`;

const INDICATOR_VALUES: Materialization = {
  view: 'bi.review_indicator_values',
  index: { name: 'review_indicator_values_year_project', columns: ['review_year', 'project_id'] },
  refreshed: ' Materialized: refreshed at the end of each review-sheet load (ebpm review-sheets load, ebpm demo).',
};

export const INDICATOR_VALUES_REFERENCE: Reference = {
  table: 'core.review_indicator_values',
  column: 'file_sha256',
  target: 'raw.review_sheet_files',
  key: 'file_sha256',
  foreignKey: 'review_indicator_values_file_sha256_fkey',
};
/** The tables that referred to the files when 0039 ran, each checked per statement (0033, 0036). */
export const REVIEW_SHEET_REFERENCES: readonly Reference[] = ['review_projects', 'review_budget', 'review_indicator_rows', 'review_edges', 'review_checks', 'review_payee_rows'].map((table) => ({
  table: `core.${table}`,
  column: 'file_sha256',
  target: 'raw.review_sheet_files',
  key: 'file_sha256',
  foreignKey: `${table}_file_sha256_fkey`,
}));

/** The view's achievement_computed, over rows `v` with the numbers and the direction (0040's findings use it too). */
export const ACHIEVEMENT_COMPUTED = `CASE WHEN v.qualitative IS TRUE THEN NULL
                WHEN v.direction = 'down' THEN CASE WHEN v.actual_value > 0 THEN v.target_value / v.actual_value * 100 END
                ELSE CASE WHEN v.target_value <> 0 THEN v.actual_value / v.target_value * 100 END
           END`;

/**
 * 0025's query of the view, as far as the cells: one row per indicator and fiscal year of the rows chosen by
 * `files`, with the file and the four cells as text. Copied, not shared: a migration keeps the SQL it ran.
 */
function cellsQuery(files: string): string {
  return `
    WITH r AS (
      SELECT i.* FROM core.review_indicator_rows i ${files} i.row_kind IS NOT NULL
    ), indicators AS (
      SELECT DISTINCT ON (file_sha256, project_id, node_kind, node_number, indicator_seq)
             file_sha256, review_year, project_id, node_number, indicator_seq, node_kind, outcome_term, qualitative,
             indicator_name, unit, direction
        FROM r ORDER BY file_sha256, project_id, node_kind, node_number, indicator_seq, line
    ), cells AS (
      SELECT r.file_sha256, r.project_id, r.node_kind, r.node_number, r.indicator_seq, y.key::integer AS fiscal_year,
             max(y.value COLLATE "C") FILTER (WHERE r.row_kind = 'target_year') AS target_year_flag,
             max(y.value COLLATE "C") FILTER (WHERE r.row_kind = 'target') AS target_text,
             max(y.value COLLATE "C") FILTER (WHERE r.row_kind = 'actual') AS actual_text,
             max(y.value COLLATE "C") FILTER (WHERE r.row_kind = 'achievement') AS achievement_text
        FROM r CROSS JOIN LATERAL jsonb_each_text(r.year_values) y
       GROUP BY 1, 2, 3, 4, 5, 6
    )
    SELECT i.file_sha256, i.review_year, i.project_id, i.node_number, i.indicator_seq, i.node_kind, i.outcome_term,
           i.qualitative, i.indicator_name, i.unit, i.direction, c.fiscal_year,
           coalesce(c.target_year_flag = '1', false) AS is_target_year, c.target_text, c.actual_text, c.achievement_text
      FROM indicators i JOIN cells c ON c.file_sha256 = i.file_sha256 AND c.project_id = i.project_id
           AND c.node_kind IS NOT DISTINCT FROM i.node_kind AND c.node_number = i.node_number AND c.indicator_seq = i.indicator_seq`;
}

/** The view's columns, in 0025's order, from rows `v` holding the cells as text and their numbers. */
function viewColumns(from: string): string {
  return `
    SELECT v.review_year, v.project_id, v.node_number, v.indicator_seq, v.node_kind, v.outcome_term, v.qualitative,
           v.indicator_name, v.unit, v.direction, v.fiscal_year, v.target_value, v.actual_value, v.achievement_reported,
           ${ACHIEVEMENT_COMPUTED} AS achievement_computed,
           v.is_target_year, v.target_text, v.actual_text
      FROM ${from}`;
}

const COLUMNS =
  'file_sha256, review_year, project_id, node_number, indicator_seq, node_kind, outcome_term, qualitative, indicator_name, unit, direction, fiscal_year, is_target_year, target_text, actual_text, achievement_text';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    CREATE TABLE core.review_indicator_values (
      file_sha256 text NOT NULL CONSTRAINT ${INDICATOR_VALUES_REFERENCE.foreignKey} REFERENCES raw.review_sheet_files (file_sha256),
      review_year integer NOT NULL,
      project_id integer NOT NULL,
      node_number integer NOT NULL,
      indicator_seq integer NOT NULL,
      node_kind text,
      outcome_term text,
      qualitative boolean,
      indicator_name text,
      unit text,
      direction text,
      fiscal_year integer NOT NULL,
      is_target_year boolean NOT NULL,
      target_text text,
      actual_text text,
      achievement_text text,
      target_value numeric GENERATED ALWAYS AS (${number('target_text')}) STORED,
      actual_value numeric GENERATED ALWAYS AS (${number('actual_text')}) STORED,
      achievement_reported numeric GENERATED ALWAYS AS (${number('achievement_text')}) STORED)`).execute(db);
  // Readers take one review year, or one project of it (review-sheets show, the report, the catalogue draft).
  await sql`CREATE INDEX review_indicator_values_year_project_rows ON core.review_indicator_values (review_year, project_id)`.execute(db);
  await sql`COMMENT ON TABLE core.review_indicator_values IS ${sql.lit(
    `Review sheets, table 3-1 turned round: one row per indicator of a file (its four rows 1.目標年度, 2.目標値, 3.実績値, 4.達成率) and fiscal year with a cell in any of them, written by the load beside the file's rows (core.review_indicator_rows); every file's, retired ones too. bi.review_indicator_values shows the files in force. ${ATTRIBUTION}`,
  )}`.execute(db);
  await sql`COMMENT ON COLUMN core.review_indicator_values.achievement_text IS ${sql.lit('The achievement cell (4.達成率) as stored in year_values; achievement_reported is its number.')}`.execute(db);
  await addReferenceCheckedPerStatement(db, INDICATOR_VALUES_REFERENCE, REVIEW_SHEET_REFERENCES, 'distinct-values-first');

  // The files loaded before this migration, every one (a retired file may be put back in force).
  await sql.raw(`INSERT INTO core.review_indicator_values (${COLUMNS}) ${cellsQuery('WHERE')}`).execute(db);
  await dematerialize(
    db,
    INDICATOR_VALUES,
    viewColumns(`core.review_indicator_values v JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded'`),
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const inForce = `JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded' AND`;
  const numbers = `SELECT *, ${number('target_text')} AS target_value, ${number('actual_text')} AS actual_value, ${number('achievement_text')} AS achievement_reported FROM (${cellsQuery(inForce)}) AS cells`;
  await materialize(db, INDICATOR_VALUES, viewColumns(`(${numbers}) AS v`));
  await withdrawReference(db, INDICATOR_VALUES_REFERENCE, REVIEW_SHEET_REFERENCES);
  await sql`DROP TABLE core.review_indicator_values`.execute(db);
}
