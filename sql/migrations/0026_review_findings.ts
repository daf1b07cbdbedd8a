import { sql, type Kysely } from 'kysely';
import { comment } from './view-helpers.js';

/**
 * Checks across every loaded review sheet, as one view (bi.review_findings): each finding names its project, the
 * check, the node and the numbers. A plain view, so nothing has to be refreshed after a load: every check is one
 * pass over its table or a grouping (no join whose size the planner could misjudge into a nested loop), and at
 * national scale (the fixtures copied to 5,700 projects: 137k 3-1 and 257k 5-1 records) it answered in 4–6 s on a
 * 2-core machine under a load average of 12–16.
 *
 * Outcome numbers restart per outcome term as well as per kind (a sheet may have アウトカム 1 短期 and アウトカム 1
 * 長期), and 3-2 states the term of each end: the edges now keep it, so a node is its kind, term and number.
 */
const ATTRIBUTION = '出典: 行政事業レビュー見える化サイトのデータを加工して作成（公共データ利用規約 第1.0版 PDL1.0）. Source: the RS system (rssystem.go.jp) review sheets, processed by ebpm.';

const NUMERIC = `'^-?[0-9]+(\\.[0-9]+)?$'`;

/** The checks as the view comment states them (frozen here; review-sheets/finding-checks.ts describes each for the CLI). */
const CHECK_DESCRIPTIONS = {
  outcome_without_target: 'an outcome indicator with no numeric target (2.目標値) in any year and no stated reason (定性的なアウトカム目標を設定している理由)',
  target_year_passed_without_actual: 'an indicator whose target year (1.目標年度) is before the review year but has no actual (3.実績値; for a qualitative outcome, also no 定性的なアウトカムに関する成果実績). The review year\'s own actual is not known when the sheet is written (as its execution is 0), so only a target year before the review year has passed',
  achievement_mismatch: 'a reported achievement (4.達成率) more than one percentage point from actual ÷ target (target ÷ actual where lower is better), as bi.review_indicator_values.achievement_computed',
  outcome_unreached: 'an outcome node that no chain of 3-2 edges from an output reaches (outcome → outcome chains count; a node is its kind, term and number)',
  output_repeated_as_outcome: 'an outcome indicator named exactly as an output indicator of the same project',
  execution_below_half: 'a past budget year (before the review year) with a current budget (歳出予算現額) above 0 and execution (執行額) below half of it',
  payee_invalid_corporate_number: 'a payee whose 法人番号 is not 13 digits with a matching check digit (bi.review_payees.corporate_number_valid = false)',
} as const;

const KIND_JA = `CASE %k WHEN 'activity' THEN 'アクティビティ' WHEN 'output' THEN 'アウトプット' WHEN 'outcome' THEN 'アウトカム' ELSE '種別不明' END`;
const TERM_JA = `CASE %t WHEN 'short' THEN '（短期）' WHEN 'mid' THEN '（中期）' WHEN 'long' THEN '（長期）' ELSE '' END`;

/** "アウトカム（短期）4「指標名」": the node (kind, term, number) and the indicator, as a finding's detail names them. */
export function nodeLabel(alias: string): string {
  const kind = KIND_JA.replace('%k', `${alias}.node_kind`);
  const term = TERM_JA.replace('%t', `${alias}.outcome_term`);
  return `${kind} || ${term} || ' ' || ${alias}.node_number || coalesce('「' || ${alias}.indicator_name || '」', '')`;
}

/** A stored number as written (95.0 → 95). */
const plain = (expression: string) => `trim_scale(${expression})::text`;
/** A percentage to one decimal (95.0). */
const percent = (expression: string) => `to_char(${expression}, 'FM999999999990.0')`;
/** Yen with thousands separators. */
const yen = (expression: string) => `to_char(${expression}, 'FM999,999,999,999,999,990')`;

/**
 * What the checks share with migration 0040, which reads 3-1's cells by year from core.review_indicator_values: the
 * logic model's reach, the same names, the ministries (CTEs, each after a comma) and the checks that do not read 3-1's
 * cells by year (UNION ALL branches), then the view's columns from the findings.
 */
export const SHARED_CTES = `edges AS (
  SELECT e.review_year, e.project_id, e.from_kind, e.from_term, e.from_node, e.to_kind, e.to_term, e.to_node
    FROM core.review_edges e JOIN in_force USING (file_sha256)
), reached (review_year, project_id, node_kind, outcome_term, node_number) AS (
  -- Every node a chain of edges from an output reaches (UNION drops repeats, so a cycle ends).
  SELECT review_year, project_id, to_kind, to_term, to_node FROM edges WHERE from_kind = 'output'
  UNION
  SELECT e.review_year, e.project_id, e.to_kind, e.to_term, e.to_node
    FROM reached r JOIN edges e ON e.review_year = r.review_year AND e.project_id = r.project_id
         AND e.from_kind = r.node_kind AND e.from_node = r.node_number AND coalesce(e.from_term, '') = coalesce(r.outcome_term, '')
   WHERE r.node_kind = 'outcome'
), outcome_reach AS (
  -- Grouping instead of a join: each outcome node with whether any chain reaches it.
  SELECT review_year, project_id, 'outcome'::text AS node_kind, outcome_term, node_number, bool_or(is_reached) AS is_reached, min(indicator_seq) AS indicator_seq,
         (array_agg(indicator_name ORDER BY indicator_seq) FILTER (WHERE indicator_seq IS NOT NULL))[1] AS indicator_name
    FROM (SELECT review_year, project_id, outcome_term, node_number, indicator_seq, indicator_name, false AS is_reached FROM indicators WHERE node_kind = 'outcome'
          UNION ALL
          SELECT review_year, project_id, outcome_term, node_number, NULL, NULL, true FROM reached WHERE node_kind = 'outcome') nodes
   GROUP BY review_year, project_id, outcome_term, node_number
  HAVING min(indicator_seq) IS NOT NULL
), same_names AS (
  -- Each indicator with the output numbers whose indicator has the same name (a window, not a join).
  SELECT n.*, array_agg(n.node_number) FILTER (WHERE n.node_kind = 'output') OVER (PARTITION BY n.file_sha256, n.project_id, n.indicator_name) AS outputs
    FROM indicators n WHERE n.indicator_name IS NOT NULL
), ministries AS (
  SELECT DISTINCT ON (p.review_year, p.project_id) p.review_year, p.project_id, p.ministry
    FROM core.review_projects p JOIN in_force USING (file_sha256)
   ORDER BY p.review_year, p.project_id, p.line
`;

export const STRUCTURAL_CHECKS = `  SELECT 'outcome_unreached', n.review_year, n.project_id, n.node_kind, n.outcome_term, n.node_number, n.indicator_seq,
         n.indicator_name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         ${nodeLabel('n')} || ': どのアウトプットからも 3-2 のつながり（アウトカムからアウトカムへの連鎖を含む）で到達しない'
    FROM outcome_reach n
   WHERE NOT n.is_reached
  UNION ALL
  SELECT 'output_repeated_as_outcome', o.review_year, o.project_id, o.node_kind, o.outcome_term, o.node_number, o.indicator_seq,
         o.indicator_name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         ${nodeLabel('o')} || ': 成果指標がアウトプット ' || array_to_string(ARRAY(SELECT DISTINCT u FROM unnest(o.outputs) u ORDER BY u), ', ') || ' の活動指標と同じ'
    FROM same_names o
   WHERE o.node_kind = 'outcome' AND o.outputs IS NOT NULL
  UNION ALL
  SELECT 'execution_below_half', b.review_year, b.project_id, NULL, NULL, NULL, NULL, NULL, b.budget_year, NULL, NULL, NULL, NULL,
         b.current_budget_yen, b.executed_yen, b.executed_yen / b.current_budget_yen, NULL, NULL, NULL,
         b.budget_year || '年度: 執行額 ' || ${yen('b.executed_yen')} || '円 / 歳出予算現額 ' || ${yen('b.current_budget_yen')} || '円 = 執行率 '
           || ${percent('b.executed_yen / b.current_budget_yen * 100')} || '%' || coalesce('（翌年度への繰越し ' || ${yen('nullif(b.carried_over_yen, 0)')} || '円）', '')
    FROM core.review_budget b JOIN in_force USING (file_sha256)
   WHERE b.is_total AND b.budget_year < b.review_year AND b.current_budget_yen > 0 AND b.executed_yen < b.current_budget_yen / 2
  UNION ALL
  SELECT 'payee_invalid_corporate_number', p.review_year, p.project_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, p.block_number, p.payee_name, p.corporate_number,
         '支出先「' || coalesce(p.payee_name, '名称なし') || '」' || coalesce('（ブロック ' || p.block_number || '）', '') || 'の法人番号 '
           || p.corporate_number || ' は13桁でないかチェックディジットが合わない'
    FROM core.review_payee_rows p JOIN in_force USING (file_sha256)
   WHERE p.level = 'payee' AND p.corporate_number_valid = false
`;

/** The first branch (it names the columns) up to its condition on the targets, over `indicators n`. */
export const OUTCOME_WITHOUT_TARGET = `  SELECT 'outcome_without_target'::text AS check_id, n.review_year, n.project_id, n.node_kind, n.outcome_term, n.node_number,
         n.indicator_seq, n.indicator_name, NULL::integer AS fiscal_year, NULL::numeric AS target_value, NULL::numeric AS actual_value,
         NULL::numeric AS achievement_reported, NULL::numeric AS achievement_computed, NULL::numeric AS current_budget_yen,
         NULL::numeric AS executed_yen, NULL::numeric AS execution_rate, NULL::text AS block_number, NULL::text AS payee_name,
         NULL::text AS corporate_number,
         ${nodeLabel('n')} || ': 目標値がどの年度にもなく、定性的な目標とする理由（定性的なアウトカム目標を設定している理由）も書かれていない' AS detail
    FROM indicators n
   WHERE n.node_kind = 'outcome' AND NOT n.has_reason
`;

/** The achievement check's columns, from rows `a` with the view's numbers and achievement_computed. */
export const ACHIEVEMENT_MISMATCH = `  SELECT 'achievement_mismatch', a.review_year, a.project_id, a.node_kind, a.outcome_term, a.node_number, a.indicator_seq,
         a.indicator_name, a.fiscal_year, a.target_value, a.actual_value, a.achievement_reported, a.achievement_computed,
         NULL, NULL, NULL, NULL, NULL, NULL,
         ${nodeLabel('a')} || ' ' || a.fiscal_year || '年度: 達成率 報告 ' || ${percent('a.achievement_reported')} || '% / 計算 '
           || ${percent('a.achievement_computed')} || '% ('
           || CASE WHEN a.direction = 'down' THEN '目標 ' || ${plain('a.target_value')} || ' ÷ 実績 ' || ${plain('a.actual_value')} || '、下がると良い指標'
                   ELSE '実績 ' || ${plain('a.actual_value')} || ' ÷ 目標 ' || ${plain('a.target_value')} END || ')'
`;

export const FINDINGS_COLUMNS = `SELECT f.review_year, f.project_id, m.ministry, f.check_id, f.node_kind, f.outcome_term, f.node_number, f.indicator_seq, f.indicator_name,
       f.fiscal_year, f.target_value, f.actual_value, f.achievement_reported, f.achievement_computed, f.current_budget_yen,
       f.executed_yen, f.execution_rate, f.block_number, f.payee_name, f.corporate_number, f.detail
  FROM findings f LEFT JOIN ministries m USING (review_year, project_id)`;

/** The view's query as this migration made it (0040 goes back to it). */
export const REVIEW_FINDINGS_0026 = `WITH RECURSIVE in_force AS (
  SELECT file_sha256 FROM raw.review_sheet_files WHERE status = 'loaded'
), indicators AS (
  -- One row per indicator (its four 3-1 rows side by side): one pass over 3-1, so every check below is linear.
  SELECT i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq,
         max(i.outcome_term) AS outcome_term,
         (array_agg(i.indicator_name ORDER BY i.line) FILTER (WHERE i.indicator_name IS NOT NULL))[1] AS indicator_name,
         (array_agg(i.unit ORDER BY i.line) FILTER (WHERE i.unit IS NOT NULL))[1] AS unit,
         (array_agg(i.direction ORDER BY i.line) FILTER (WHERE i.direction IS NOT NULL))[1] AS direction,
         bool_or(i.qualitative) AS qualitative,
         bool_or(i.qualitative_reason IS NOT NULL) AS has_reason,
         bool_or(i.qualitative_result IS NOT NULL) AS has_qualitative_result,
         (array_agg(i.year_values ORDER BY i.line) FILTER (WHERE i.row_kind = 'target_year'))[1] AS target_years,
         (array_agg(i.year_values ORDER BY i.line) FILTER (WHERE i.row_kind = 'target'))[1] AS targets,
         (array_agg(i.year_values ORDER BY i.line) FILTER (WHERE i.row_kind = 'actual'))[1] AS actuals,
         (array_agg(i.year_values ORDER BY i.line) FILTER (WHERE i.row_kind = 'achievement'))[1] AS achievements
    FROM core.review_indicator_rows i JOIN in_force USING (file_sha256)
   WHERE i.node_kind IN ('output', 'outcome')
   GROUP BY i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq
), achievements AS (
  -- bi.review_indicator_values' numbers and its achievement_computed, for the years with a published achievement.
  -- Casts only behind a CASE: the planner may test the conditions in any order.
  SELECT n.*, y.key::integer AS fiscal_year,
         CASE WHEN y.value ~ ${NUMERIC} THEN y.value::numeric END AS achievement_reported,
         CASE WHEN n.targets ->> y.key ~ ${NUMERIC} THEN (n.targets ->> y.key)::numeric END AS target_value,
         CASE WHEN n.actuals ->> y.key ~ ${NUMERIC} THEN (n.actuals ->> y.key)::numeric END AS actual_value
    FROM indicators n CROSS JOIN LATERAL jsonb_each_text(n.achievements) y
   WHERE n.qualitative IS NOT TRUE
), achievement_computed AS (
  SELECT a.*, CASE WHEN a.direction = 'down' THEN CASE WHEN a.actual_value > 0 THEN a.target_value / a.actual_value * 100 END
                   ELSE CASE WHEN a.target_value <> 0 THEN a.actual_value / a.target_value * 100 END END AS achievement_computed
    FROM achievements a
), ${SHARED_CTES}), findings AS (
${OUTCOME_WITHOUT_TARGET}     AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(n.targets) t WHERE t.value ~ ${NUMERIC})
  UNION ALL
  SELECT 'target_year_passed_without_actual', n.review_year, n.project_id, n.node_kind, n.outcome_term, n.node_number,
         n.indicator_seq, n.indicator_name, y.key::integer,
         CASE WHEN n.targets ->> y.key ~ ${NUMERIC} THEN (n.targets ->> y.key)::numeric END, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         ${nodeLabel('n')} || ': 目標年度 ' || y.key || ' は審査年度 ' || n.review_year || ' より前だが、その年度の実績値がない'
           || coalesce('（目標 ' || (n.targets ->> y.key) || coalesce(' ' || n.unit, '') || '）', '')
    FROM indicators n CROSS JOIN LATERAL jsonb_each_text(n.target_years) y
   WHERE y.value = '1' AND y.key::integer < n.review_year
     AND NOT coalesce(n.actuals ? y.key, false)
     AND NOT (n.qualitative IS TRUE AND n.has_qualitative_result)
  UNION ALL
${ACHIEVEMENT_MISMATCH}    FROM achievement_computed a
   WHERE abs(a.achievement_reported - a.achievement_computed) > 1 AND a.achievement_reported IS NOT NULL
  UNION ALL
${STRUCTURAL_CHECKS})
${FINDINGS_COLUMNS}`;

const VIEW = `
CREATE VIEW bi.review_findings AS
${REVIEW_FINDINGS_0026}`;

const CHECKS_TEXT = Object.entries(CHECK_DESCRIPTIONS).map(([id, text]) => `${id}: ${text}`).join('; ');

export async function up(db: Kysely<unknown>): Promise<void> {
  // 3-2 states the outcome term of both ends; without it アウトカム 1 短期 and アウトカム 1 長期 are one node.
  await sql`ALTER TABLE core.review_edges ADD COLUMN from_term text, ADD COLUMN to_term text`.execute(db);
  // Edges loaded before: an outcome end takes the term of the only outcome of that number in the same sheet, when
  // there is one (with several, the file must be loaded again to tell them apart).
  for (const end of ['from', 'to'] as const) {
    await sql.raw(`
      UPDATE core.review_edges e SET ${end}_term = (
        SELECT min(i.outcome_term) FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256)
         WHERE f.status = 'loaded' AND i.review_year = e.review_year AND i.project_id = e.project_id AND i.node_kind = 'outcome' AND i.node_number = e.${end}_node
        HAVING count(DISTINCT i.outcome_term) = 1)
       WHERE e.${end}_kind = 'outcome'`).execute(db);
  }
  await sql`
    CREATE OR REPLACE VIEW bi.review_logic_model_edges AS
    SELECT e.review_year, e.project_id, e.from_node, e.to_node, e.from_kind, e.to_kind, e.rationale, e.from_term, e.to_term
      FROM core.review_edges e JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded'`.execute(db);
  await comment(db, 'bi.review_logic_model_edges', `The logic model's edges (3-2), one per published record. A node is its kind, outcome term and number: outcome numbers restart per term. ${ATTRIBUTION}`, {
    from_term: 'short, mid or long: the start node\'s outcome term (派生元ーアウトカムの期間); null for activities and outputs, and for edges loaded before terms were kept.',
    to_term: 'short, mid or long: the end node\'s outcome term (派生先ーアウトカムの期間); null for activities and outputs, and for edges loaded before terms were kept.',
  });
  await comment(db, 'bi.review_indicator_values', `One row per indicator of a logic-model node (3-1 outputs and outcomes) and fiscal year with a value in any of its four published rows (目標年度, 目標値, 実績値, 達成率). ${ATTRIBUTION}`, {
    node_number: 'Node number in the logic model (アクティビティ・アウトプット・アウトカムの番号); numbers restart per kind and, for outcomes, per term, so a node is node_kind, outcome_term and node_number.',
    indicator_seq: 'Which indicator of the node number, in file order (1 for the first); it counts across the terms of an outcome number, so with node_kind and node_number it names the indicator.',
  });

  await sql.raw(VIEW).execute(db);
  await comment(db, 'bi.review_findings', `Findings of ebpm's checks across every loaded review sheet in force, one row per finding (ebpm review-sheets check counts them). check_id is one of: ${CHECKS_TEXT}. ${ATTRIBUTION}`, {
    review_year: 'Review year (事業年度) of the sheet.',
    project_id: 'Project key (予算事業ID).',
    ministry: 'Ministry (府省庁) from 1-2; null when the project has no 1-2 row.',
    check_id: 'Which check found it (stable snake_case id; the view comment describes each).',
    node_kind: 'output or outcome: the node the finding is about; null for budget and payee findings.',
    outcome_term: 'short, mid or long for an outcome node; null otherwise.',
    node_number: 'The node\'s number (with node_kind and outcome_term it names the node); null for budget and payee findings.',
    indicator_seq: 'Which indicator of the node number, as in bi.review_indicator_values; for outcome_unreached the node\'s first.',
    indicator_name: 'The indicator (活動指標／成果指標) as published.',
    fiscal_year: 'The fiscal year concerned: the passed target year, the year of the achievement, or the budget year.',
    target_value: 'The target (2.目標値) of that year, when a number.',
    actual_value: 'The actual (3.実績値) of that year (achievement_mismatch).',
    achievement_reported: 'The published achievement (4.達成率), in % (achievement_mismatch).',
    achievement_computed: 'Actual ÷ target × 100 (target ÷ actual where lower is better), in %, unrounded (achievement_mismatch).',
    current_budget_yen: 'Current budget (計（歳出予算現額合計）), in yen (execution_below_half).',
    executed_yen: 'Executed (執行額（合計）), in yen (execution_below_half).',
    execution_rate: 'executed ÷ current budget, a ratio (execution_below_half).',
    block_number: 'Payment block (支出先ブロック番号) of the payee (payee_invalid_corporate_number).',
    payee_name: 'Payee (支出先名) as published (payee_invalid_corporate_number).',
    corporate_number: 'The 法人番号 as published (payee_invalid_corporate_number).',
    detail: 'What was found, in Japanese: the node (kind, term, number and indicator) or the budget year or payee, and the numbers.',
  });
  await sql`GRANT SELECT ON bi.review_findings TO bi_reader`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.review_findings`.execute(db);
  await sql`DROP VIEW IF EXISTS bi.review_logic_model_edges`.execute(db);
  await sql`
    CREATE VIEW bi.review_logic_model_edges AS
    SELECT e.review_year, e.project_id, e.from_node, e.to_node, e.from_kind, e.to_kind, e.rationale
      FROM core.review_edges e JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded'`.execute(db);
  await sql`GRANT SELECT ON bi.review_logic_model_edges TO bi_reader`.execute(db);
  await sql`ALTER TABLE core.review_edges DROP COLUMN from_term, DROP COLUMN to_term`.execute(db);
}
