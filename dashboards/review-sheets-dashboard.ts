/**
 * The review sheets' dashboard: the published 行政事業レビュー of every project, for the latest review year loaded,
 * from the bi.review_* views. Everything on it is public data (PDL1.0), and each question carries the attribution the
 * data require. Pure data; dashboards/provision-metabase.ts puts it into Metabase beside the public dashboard.
 */
import { REVIEW_SHEET_ATTRIBUTION } from '../review-sheets/attribution.js';
import type { Dashboard, DashboardCard } from './public-dashboard.js';

/** The latest review year loaded, which every question reads. */
const LATEST = 'latest AS (SELECT max(review_year) AS review_year FROM bi.review_projects)';

const source = `${REVIEW_SHEET_ATTRIBUTION}.`;

export const REVIEW_SHEETS_DASHBOARD = {
  name: 'ebpm — 行政事業レビュー（公表データ） / Administrative project reviews (published sheets)',
  description: `Every project's published review sheet (行政事業レビューシート, RS system) as ebpm loaded it, for the latest review year loaded: ebpm's checks, budget execution and outcome indicators by ministry, the projects and the files behind them. ${source}`,
  cards: [
    {
      name: '府省庁別の点検結果 / Findings of the checks by ministry',
      description: `ebpm's checks across the sheets in force (bi.review_findings), counted by ministry and check: check_id is described in the view's comment and the README (for example achievement_mismatch: a reported achievement more than a point from actual ÷ target). projects counts the projects with at least one such finding. ${source}`,
      sql: `WITH ${LATEST}
SELECT f.review_year, coalesce(f.ministry, '（1-2 なし / no 1-2 row）') AS ministry, f.check_id, count(*) AS findings, count(DISTINCT f.project_id) AS projects
  FROM bi.review_findings f JOIN latest USING (review_year)
 GROUP BY 1, 2, 3
 ORDER BY 2, 3`,
      display: 'bar',
      chart: { dimensions: ['ministry', 'check_id'], metrics: ['findings'] },
      layout: { row: 0, col: 0, width: 24, height: 8 },
    },
    {
      name: '府省庁別の予算執行率 / Budget execution by ministry',
      description: `For the last budget year the sheets report in full (the review year minus one), each ministry's projects with a current budget above 0 and a known execution: the sum of their execution over the sum of their current budgets (歳出予算現額), so large projects weigh more; amounts in 億円 (100 million yen), rounded to 0.1. ${source}`,
      sql: `WITH ${LATEST}
SELECT b.review_year, b.budget_year, p.ministry, count(*) AS projects,
       round(sum(b.current_budget_yen) / 1e8, 1) AS current_budget_oku_yen,
       round(sum(b.executed_yen) / 1e8, 1) AS executed_oku_yen,
       round(100 * sum(b.executed_yen) / sum(b.current_budget_yen), 1) AS execution_rate_percent
  FROM bi.review_budget_execution b
  JOIN latest l ON b.review_year = l.review_year AND b.budget_year = l.review_year - 1
  JOIN bi.review_projects p ON p.review_year = b.review_year AND p.project_id = b.project_id
 WHERE b.current_budget_yen > 0 AND b.executed_yen IS NOT NULL
 GROUP BY 1, 2, 3
 ORDER BY execution_rate_percent, ministry`,
      display: 'bar',
      chart: { dimensions: ['ministry'], metrics: ['execution_rate_percent'] },
      layout: { row: 8, col: 0, width: 12, height: 8 },
    },
    {
      name: '府省庁別の成果目標の達成 / Outcome indicators reaching their targets by ministry',
      description: `Each outcome indicator with a numeric target and actual in some fiscal year, at the latest such year: whether its achievement, computed by ebpm from actual and target in the direction the sheet states (target ÷ actual where lower is better), is 100% or more. reached_percent is rounded to 0.1. Qualitative outcomes and indicators without both numbers are not counted. ${source}`,
      sql: `WITH ${LATEST}, last_achievement AS (
  SELECT DISTINCT ON (v.project_id, v.outcome_term, v.node_number, v.indicator_seq) v.review_year, v.project_id, v.fiscal_year, v.achievement_computed
    FROM bi.review_indicator_values v JOIN latest USING (review_year)
   WHERE v.node_kind = 'outcome' AND v.achievement_computed IS NOT NULL
   ORDER BY v.project_id, v.outcome_term, v.node_number, v.indicator_seq, v.fiscal_year DESC
)
SELECT a.review_year, p.ministry, count(*) AS outcome_indicators, count(*) FILTER (WHERE a.achievement_computed >= 100) AS reached_target,
       round(100.0 * count(*) FILTER (WHERE a.achievement_computed >= 100) / count(*), 1) AS reached_percent
  FROM last_achievement a JOIN bi.review_projects p USING (review_year, project_id)
 GROUP BY 1, 2
 ORDER BY reached_percent, ministry`,
      display: 'bar',
      chart: { dimensions: ['ministry'], metrics: ['reached_percent'] },
      layout: { row: 8, col: 12, width: 12, height: 8 },
    },
    {
      name: '事業の一覧 / Projects',
      description: `Every project of the latest review year: its ministry and bureau, its years, the last fully reported budget year's current budget and execution (yen, as published) and execution rate (in %, rounded to 0.1), and how many of ebpm's findings it has (bi.review_findings; ebpm review-sheets show PROJECT_ID prints its logic model). ${source}`,
      sql: `WITH ${LATEST}
SELECT p.review_year, p.project_id, p.project_name, p.ministry, p.bureau, p.start_year, p.end_year,
       b.budget_year, b.current_budget_yen, b.executed_yen, round(100 * b.execution_rate, 1) AS execution_rate_percent,
       (SELECT count(*) FROM bi.review_findings f WHERE f.review_year = p.review_year AND f.project_id = p.project_id) AS findings
  FROM bi.review_projects p JOIN latest USING (review_year)
  LEFT JOIN bi.review_budget_execution b ON b.review_year = p.review_year AND b.project_id = p.project_id AND b.budget_year = p.review_year - 1
 ORDER BY p.ministry, p.project_id`,
      display: 'table',
      layout: { row: 16, col: 0, width: 24, height: 8 },
    },
    {
      name: '読み込んだ公表ファイル / Files the dashboard reads',
      description: `The review-sheet files in force for the latest review year (bi.review_sheet_files): each table's file, its records, how many were loaded and how many quarantined (kept with their reasons), and when it was loaded. ${source}`,
      sql: `WITH ${LATEST}
SELECT f.review_year, f.sheet_table, f.file_name, f.records, f.loaded, f.quarantined, f.loaded_at
  FROM bi.review_sheet_files f JOIN latest USING (review_year)
 WHERE f.in_force
 ORDER BY f.sheet_table`,
      display: 'table',
      layout: { row: 24, col: 0, width: 24, height: 4 },
    },
  ] satisfies readonly DashboardCard[] as readonly DashboardCard[],
} as const satisfies Dashboard;
