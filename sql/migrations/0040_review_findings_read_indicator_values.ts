import { sql, type Kysely } from 'kysely';
import { dematerialize, materialize, type Materialization } from './materialized-views.js';
import { ACHIEVEMENT_COMPUTED } from './0039_review_indicator_values_loaded.js';
import { ACHIEVEMENT_MISMATCH, FINDINGS_COLUMNS, OUTCOME_WITHOUT_TARGET, REVIEW_FINDINGS_0026, SHARED_CTES, STRUCTURAL_CHECKS, nodeLabel } from './0026_review_findings.js';

/**
 * The findings on 3-1's cells by fiscal year (an outcome with no numeric target, a target year passed with no actual,
 * an achievement that disagrees with actual ÷ target) read them from core.review_indicator_values (migration 0039),
 * the rows bi.review_indicator_values shows, instead of turning 3-1's rows round themselves. Two things follow:
 *
 * - **A finding's numbers are the view's.** Where a sheet repeats a row kind within one indicator (two 2.目標値 rows
 *   with no 1.目標年度 between them), the checks took the first row of that kind and the view the greater text, so a
 *   finding could name a target the view did not show. The two checks by year now read the view's row of the year:
 *   its cells, numbers and achievement_computed, and the indicator's name, term, unit and direction as the view has
 *   them (its first row's). A 1.目標年度 row always starts a new indicator, so the target years were read alike before.
 * - **The refresh at the end of each load is shorter.** The checks grouped every 3-1 row of every file in force with
 *   its four JSON objects of year cells and spread them out again; what the cells do not carry (an outcome's stated
 *   reason, a qualitative result, the names the other checks compare) is still read from the rows, without the
 *   cells. On a national year (5,700 projects) the findings' query took 650–701 ms against 0026's 985–1,121 ms (eight
 *   runs of each, alternated, each in a new psql session), and found the same 3,286 rows.
 *
 * The columns, the other four checks and the comments are 0026's. bi.review_findings stays materialized (0031).
 */
/** bi.review_findings as a materialized view (0031 made it one; 0041 makes it a plain view again). */
export const FINDINGS: Materialization = {
  view: 'bi.review_findings',
  index: { name: 'review_findings_year_project', columns: ['review_year', 'project_id'] },
  refreshed: ' Materialized: refreshed at the end of each review-sheet load (ebpm review-sheets load, ebpm demo).',
};

const ACHIEVEMENT_MISMATCH_BEFORE =
  "achievement_mismatch: a reported achievement (4.達成率) more than one percentage point from actual ÷ target (target ÷ actual where lower is better), as bi.review_indicator_values.achievement_computed";
const ACHIEVEMENT_MISMATCH_AFTER =
  "achievement_mismatch: a reported achievement (4.達成率) more than one percentage point from actual ÷ target (target ÷ actual where lower is better), as bi.review_indicator_values.achievement_computed (the three checks on 3-1's cells by fiscal year read that view's cells, numbers and directions)";

/**
 * The findings of the files that meet `fileCondition` (a condition on raw.review_sheet_files): those in force here;
 * migration 0041 adds their review years.
 */
export function reviewFindingsQuery(fileCondition: string): string {
  return `
WITH RECURSIVE in_force AS (
  SELECT file_sha256 FROM raw.review_sheet_files WHERE ${fileCondition}
), indicators AS (
  -- One row per indicator, from its 3-1 rows: what the cells by year do not carry.
  SELECT i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq,
         max(i.outcome_term) AS outcome_term,
         (array_agg(i.indicator_name ORDER BY i.line) FILTER (WHERE i.indicator_name IS NOT NULL))[1] AS indicator_name,
         (array_agg(i.unit ORDER BY i.line) FILTER (WHERE i.unit IS NOT NULL))[1] AS unit,
         bool_or(i.qualitative) AS qualitative,
         bool_or(i.qualitative_reason IS NOT NULL) AS has_reason,
         bool_or(i.qualitative_result IS NOT NULL) AS has_qualitative_result
    FROM core.review_indicator_rows i JOIN in_force USING (file_sha256)
   WHERE i.node_kind IN ('output', 'outcome')
   -- Whole numbers first: text keys compare under the database's collation, and every row of a file has the same digest.
   GROUP BY i.project_id, i.node_number, i.indicator_seq, i.node_kind, i.review_year, i.file_sha256
), qualitative_results AS (
  -- Qualitative indicators with a result in text (定性的なアウトカムに関する成果実績): a passed target year needs no number.
  SELECT project_id, node_number, indicator_seq, node_kind, file_sha256 FROM indicators WHERE qualitative AND has_qualitative_result
), year_cells AS (
  -- The rows of bi.review_indicator_values (outputs and outcomes) in which a check below finds something: the
  -- indicator's name, term, unit and direction, the cells and the numbers are the view's.
  SELECT * FROM (
    SELECT v.*,
           ${ACHIEVEMENT_COMPUTED} AS achievement_computed
      FROM core.review_indicator_values v JOIN in_force USING (file_sha256)
     WHERE v.node_kind IN ('output', 'outcome')) c
   WHERE (c.is_target_year AND c.fiscal_year < c.review_year AND c.actual_text IS NULL)
      OR abs(c.achievement_reported - c.achievement_computed) > 1
), ${SHARED_CTES}), findings AS (
${OUTCOME_WITHOUT_TARGET}     AND NOT EXISTS (SELECT 1 FROM core.review_indicator_values t
                      WHERE t.project_id = n.project_id AND t.node_number = n.node_number AND t.indicator_seq = n.indicator_seq
                        AND t.node_kind = n.node_kind AND t.file_sha256 = n.file_sha256 AND t.target_value IS NOT NULL)
  UNION ALL
  SELECT 'target_year_passed_without_actual', y.review_year, y.project_id, y.node_kind, y.outcome_term, y.node_number,
         y.indicator_seq, y.indicator_name, y.fiscal_year, y.target_value, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         ${nodeLabel('y')} || ': 目標年度 ' || y.fiscal_year || ' は審査年度 ' || y.review_year || ' より前だが、その年度の実績値がない'
           || coalesce('（目標 ' || y.target_text || coalesce(' ' || y.unit, '') || '）', '')
    FROM year_cells y
   WHERE y.is_target_year AND y.fiscal_year < y.review_year AND y.actual_text IS NULL
     AND NOT EXISTS (SELECT 1 FROM qualitative_results q
                      WHERE q.project_id = y.project_id AND q.node_number = y.node_number AND q.indicator_seq = y.indicator_seq
                        AND q.node_kind = y.node_kind AND q.file_sha256 = y.file_sha256)
  UNION ALL
${ACHIEVEMENT_MISMATCH}    FROM year_cells a
   WHERE abs(a.achievement_reported - a.achievement_computed) > 1
  UNION ALL
${STRUCTURAL_CHECKS})
${FINDINGS_COLUMNS}`;
}

/** The view's query as this migration made it (0041 goes back to it). */
export const REVIEW_FINDINGS_0040 = reviewFindingsQuery("status = 'loaded'");

/** Rewrites bi.review_findings' comment with `edit` (it is a `kind` at the time). */
export async function editFindingsComment(db: Kysely<unknown>, kind: 'VIEW' | 'MATERIALIZED VIEW', edit: (comment: string) => string): Promise<void> {
  const [{ comment }] = (
    await sql<{ comment: string }>`SELECT obj_description('bi.review_findings'::regclass, 'pg_class') AS comment`.execute(db)
  ).rows;
  await sql`COMMENT ON ${sql.raw(kind)} bi.review_findings IS ${sql.lit(edit(comment))}`.execute(db);
}

async function describeChecks(db: Kysely<unknown>, from: string, to: string): Promise<void> {
  await editFindingsComment(db, 'MATERIALIZED VIEW', (comment) => {
    if (!comment.includes(from)) throw new Error(`bi.review_findings' comment does not describe achievement_mismatch as expected (${from}); was it edited by hand?`);
    return comment.replace(from, to);
  });
}

/** Replaces the materialized view's query, keeping its comments and index (the plain view between is not computed). */
async function redefine(db: Kysely<unknown>, query: string): Promise<void> {
  await dematerialize(db, FINDINGS);
  await materialize(db, FINDINGS, query);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await redefine(db, REVIEW_FINDINGS_0040);
  await describeChecks(db, ACHIEVEMENT_MISMATCH_BEFORE, ACHIEVEMENT_MISMATCH_AFTER);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await redefine(db, REVIEW_FINDINGS_0026);
  await describeChecks(db, ACHIEVEMENT_MISMATCH_AFTER, ACHIEVEMENT_MISMATCH_BEFORE);
}
