/**
 * The review sheets' dashboard: the 行政事業レビュー sheets loaded into ebpm, for the latest review year loaded, from the
 * bi.review_* views. Everything on it is public data (PDL1.0) or synthetic (ebpm generate's sheets); the attribution
 * the RS system's data require, or the note that the files are synthetic, is a question of its own at the top, where
 * it is read without opening anything, and each description repeats the attribution with that caveat.
 * Pure data; dashboards/provision-metabase.ts puts it into Metabase beside the public dashboard.
 */
import {
  partlySyntheticNote,
  partlySyntheticNoteEn,
  REVIEW_SHEET_ATTRIBUTION,
  REVIEW_SHEET_ATTRIBUTION_EN,
  SYNTHETIC_REVIEW_SHEET_NOTE,
  SYNTHETIC_REVIEW_SHEET_NOTE_EN,
  TABLE_SEPARATOR,
  yearTablesText,
} from '../review-sheets/attribution.js';
import type { Dashboard, DashboardCard } from './public-dashboard.js';

/** The latest review year loaded, which every question reads. */
const LATEST = 'latest AS (SELECT max(review_year) AS review_year FROM bi.review_projects)';

/** How a project without a 1-2 row (so without a ministry) is shown, the same on every question. */
export const NO_PROJECT_ROW_LABEL = '（1-2 なし / no 1-2 row）';

/**
 * Said in every description: the descriptions are fixed text, so they cite the RS system for its files and say that
 * ebpm generate's are not the government's; the Source question says which the latest year's files in force are.
 */
const ORIGIN_NOTE =
  'ebpm generate が公表形式で作成した合成データ（ebpm demo が読み込むシートなど）は政府の公表データではありません。最新のレビュー年度のファイルが合成データかどうかは「出典 / Source」と bi.review_sheet_files.synthetic に示します。' +
  "Sheets made up by ebpm generate in the published format (those ebpm demo loads among them) are not the government's data; the Source question and bi.review_sheet_files.synthetic say whether the latest review year's files are.";

const source = `公表データの${REVIEW_SHEET_ATTRIBUTION}。${REVIEW_SHEET_ATTRIBUTION_EN} ${ORIGIN_NOTE}`;

/** A budget row the execution question counts: a current budget above 0 and an execution given. */
const COUNTED = 'b.current_budget_yen > 0 AND b.executed_yen IS NOT NULL';

/** An indicator value whose actual met its target, in the direction the sheet states (as bi.review_indicator_values reads it). */
const MET = "CASE WHEN v.direction = 'down' THEN v.actual_value <= v.target_value ELSE v.actual_value >= v.target_value END";

/** A SQL string literal. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * `text` as a SQL expression, each marker in it replaced by the expression it stands for: a line the TypeScript
 * functions word, with the parts only the database knows put in by SQL.
 */
function sqlText(text: string, parts: Readonly<Record<string, string>>): string {
  const markers = Object.keys(parts);
  return text
    .split(new RegExp(`(${markers.join('|')})`))
    .filter((piece) => piece !== '')
    .map((piece) => (markers.includes(piece) ? parts[piece] : literal(piece)))
    .join(' || ');
}

/** Stand for the review year and its synthetic tables in the partly-synthetic note's wording. */
const YEAR = '\u0001';
const TABLES = '\u0002';
const tablesOfYear = yearTablesText(YEAR, { ja: TABLES, en: TABLES });

/**
 * The Source question's rows: the lines every other output carries for the latest review year's files in force
 * (review-sheets/attribution.ts): the attribution for the RS system's files, the synthetic note in its place for
 * ebpm generate's, and where both are in force the attribution and the note naming the synthetic tables. The
 * attribution when no file is in force.
 */
const SOURCE_LINES_SQL = `WITH ${LATEST}, origins AS (
  SELECT latest.review_year, coalesce(bool_or(f.synthetic), false) AS synthetic, coalesce(bool_or(NOT f.synthetic), true) AS published,
         string_agg(f.sheet_table, ${literal(TABLE_SEPARATOR.ja)} ORDER BY f.sheet_table) FILTER (WHERE f.synthetic) AS tables_ja,
         string_agg(f.sheet_table, ${literal(TABLE_SEPARATOR.en)} ORDER BY f.sheet_table) FILTER (WHERE f.synthetic) AS tables_en
    FROM latest LEFT JOIN bi.review_sheet_files f ON f.review_year = latest.review_year AND f.in_force
   GROUP BY latest.review_year
)
SELECT lines.line AS "出典 / Source"
  FROM origins CROSS JOIN LATERAL (VALUES
    (1, CASE WHEN published THEN ${literal(REVIEW_SHEET_ATTRIBUTION)} END),
    (2, CASE WHEN published AND synthetic THEN ${sqlText(partlySyntheticNote(tablesOfYear.ja), { [YEAR]: 'review_year::text', [TABLES]: 'tables_ja' })} END),
    (3, CASE WHEN NOT published THEN ${literal(SYNTHETIC_REVIEW_SHEET_NOTE)} END),
    (4, CASE WHEN published THEN ${literal(REVIEW_SHEET_ATTRIBUTION_EN)} END),
    (5, CASE WHEN published AND synthetic THEN ${sqlText(partlySyntheticNoteEn(tablesOfYear.en), { [YEAR]: 'review_year::text', [TABLES]: 'tables_en' })} END),
    (6, CASE WHEN NOT published THEN ${literal(SYNTHETIC_REVIEW_SHEET_NOTE_EN)} END)
  ) AS lines (position, line)
 WHERE lines.line IS NOT NULL
 ORDER BY lines.position`;

const NO_PROJECT_ROW = literal(NO_PROJECT_ROW_LABEL);

export const REVIEW_SHEETS_DASHBOARD = {
  name: 'ebpm — 行政事業レビューシート / Administrative project review sheets',
  formerNames: ['ebpm — 行政事業レビュー（公表データ） / Administrative project reviews (published sheets)'],
  description:
    `読み込んだ行政事業レビューシート（最新のレビュー年度）：ebpm の自動点検、府省庁別の予算執行と成果目標の達成、事業の一覧、読み込んだファイル。` +
    `The review sheets loaded into ebpm, for the latest review year loaded: ebpm's automated checks, budget execution and outcome targets by ministry, the projects and the files behind them. ` +
    source,
  cards: [
    {
      name: '出典 / Source',
      description: `The attribution the review sheets' licence (PDL1.0) requires wherever they are shown, or, for the latest review year's files that ebpm generate made up, that they are synthetic. ${source}`,
      sql: SOURCE_LINES_SQL,
      display: 'table',
      layout: { row: 0, col: 0, width: 24, height: 3 },
    },
    {
      name: 'ebpm の自動点検（府省庁別） / ebpm\'s automated checks by ministry',
      description:
        'ebpm が機械的に検出した項目で、各府省庁の点検結果や行政事業レビューの所見ではありません。projects_flagged はその項目に当たる事業の数、flagged_percent は府省庁の事業に占める割合。' +
        'Flags that ebpm computes across the sheets in force (bi.review_findings), not the ministries\' own 点検結果 nor the review\'s 所見: for example achievement_mismatch, a reported achievement more than one percentage point from actual ÷ target (direction-aware); each check_id is described in the view\'s comment and the README. ' +
        'projects_flagged counts the ministry\'s projects with at least one such flag, ministry_projects its projects, flagged_percent the share (rounded to 0.1); findings counts the flags themselves, whose unit differs by check (an indicator and year, a budget year, a payee). ' +
        source,
      sql: `WITH ${LATEST}, ministries AS (
  SELECT p.review_year, coalesce(p.ministry, ${NO_PROJECT_ROW}) AS ministry, count(*) AS ministry_projects
    FROM bi.review_projects p JOIN latest USING (review_year) GROUP BY 1, 2
)
SELECT f.review_year, coalesce(f.ministry, ${NO_PROJECT_ROW}) AS ministry, f.check_id, count(DISTINCT f.project_id) AS projects_flagged, m.ministry_projects,
       round(100.0 * count(DISTINCT f.project_id) / m.ministry_projects, 1) AS flagged_percent, count(*) AS findings
  FROM bi.review_findings f JOIN latest USING (review_year)
  LEFT JOIN ministries m ON m.review_year = f.review_year AND m.ministry = coalesce(f.ministry, ${NO_PROJECT_ROW})
 GROUP BY 1, 2, 3, m.ministry_projects
 ORDER BY 2, 3`,
      display: 'bar',
      chart: { dimensions: ['ministry', 'check_id'], metrics: ['projects_flagged'] },
      layout: { row: 3, col: 0, width: 24, height: 8 },
    },
    {
      name: '府省庁別の予算執行率（レビュー年度の前年度） / Budget execution by ministry in the year before the review year',
      description:
        'レビュー年度の前年度（シートが執行まで報告する最後の年度）の、歳出予算現額が 0 より大きく執行額のある事業の合計。翌年度への繰越しは未執行に数え、大きな事業ほど率に効く。億円と % は小数第1位に丸め。' +
        'For the last budget year the sheets report in full (the review year minus one): the projects counted, those with a current budget (歳出予算現額) above 0 and a known execution, their summed current budget and execution in 億円 (100 million yen) and the sum of execution over the sum of current budgets in % (rounded to 0.1), so large projects (funds among them) weigh more; carry-overs to the next year count as not executed. ' +
        'projects_left_out counts the ministry\'s projects of that year not counted (a current budget of 0, whatever they spent, or no execution given): the amounts are of the projects counted, not the ministry\'s totals. ' +
        source,
      sql: `WITH ${LATEST}
SELECT b.review_year, b.budget_year, coalesce(p.ministry, ${NO_PROJECT_ROW}) AS ministry,
       count(*) FILTER (WHERE ${COUNTED}) AS projects,
       round(sum(b.current_budget_yen) FILTER (WHERE ${COUNTED}) / 1e8, 1) AS current_budget_oku_yen,
       round(sum(b.executed_yen) FILTER (WHERE ${COUNTED}) / 1e8, 1) AS executed_oku_yen,
       round(100 * sum(b.executed_yen) FILTER (WHERE ${COUNTED}) / sum(b.current_budget_yen) FILTER (WHERE ${COUNTED}), 1) AS execution_rate_percent,
       count(*) - count(*) FILTER (WHERE ${COUNTED}) AS projects_left_out
  FROM bi.review_budget_execution b
  JOIN latest l ON b.review_year = l.review_year AND b.budget_year = l.review_year - 1
  LEFT JOIN bi.review_projects p ON p.review_year = b.review_year AND p.project_id = b.project_id
 GROUP BY 1, 2, 3
 ORDER BY execution_rate_percent NULLS LAST, ministry`,
      display: 'bar',
      chart: { dimensions: ['ministry'], metrics: ['execution_rate_percent'] },
      layout: { row: 11, col: 0, width: 12, height: 8 },
    },
    {
      name: '府省庁別の成果目標の達成（レビュー年度の前年度） / Outcome indicators at their target in the year before the review year, by ministry',
      description:
        'レビュー年度の前年度に数値の目標値と実績値がある成果指標のうち、実績が目標に届いたもの（下がると良い指標は目標以下、それ以外は目標以上）の数と割合（小数第1位に丸め）。指標の少ない府省庁の割合は大きく振れる。' +
        'Of the outcome indicators with a numeric target (目標値) and actual (実績値) for the year before the review year, those whose actual met that year\'s target: at or below it where the sheet says lower is better (下がると良い), at or above it otherwise (a sheet that states no direction counts as higher is better, as in bi.review_indicator_values). ' +
        'outcome_indicators is how many were counted, reached_target how many met it, reached_percent the share, rounded to 0.1: with few indicators the share swings widely. Qualitative outcomes, and indicators without both numbers that year, are not counted. ' +
        source,
      sql: `WITH ${LATEST}
SELECT v.review_year, v.fiscal_year, coalesce(p.ministry, ${NO_PROJECT_ROW}) AS ministry, count(*) AS outcome_indicators,
       count(*) FILTER (WHERE ${MET}) AS reached_target,
       round(100.0 * count(*) FILTER (WHERE ${MET}) / count(*), 1) AS reached_percent
  FROM bi.review_indicator_values v
  JOIN latest l ON v.review_year = l.review_year AND v.fiscal_year = l.review_year - 1
  LEFT JOIN bi.review_projects p ON p.review_year = v.review_year AND p.project_id = v.project_id
 WHERE v.node_kind = 'outcome' AND v.target_value IS NOT NULL AND v.actual_value IS NOT NULL
 GROUP BY 1, 2, 3
 ORDER BY reached_percent, ministry`,
      display: 'bar',
      chart: { dimensions: ['ministry'], metrics: ['reached_percent'] },
      layout: { row: 11, col: 12, width: 12, height: 8 },
    },
    {
      name: '事業の一覧 / Projects',
      description:
        'レビュー年度の各事業（1-2 の行があるもの）：府省庁・局、事業の開始・終了年度、前年度の歳出予算現額と執行額（円、シートに記載のまま）と執行率（%、小数第1位）、該当する ebpm の自動点検（その数と名前）。' +
        'Every project of the latest review year with a 1-2 row (bi.review_projects): its ministry and bureau, its years, the year before the review year\'s current budget and execution (yen, as the sheet gives them) and execution rate (in %, rounded to 0.1), and which of ebpm\'s automated checks flag it: checks_flagging counts the checks, flagged_by names them (bi.review_findings; a check\'s findings are counted in its own unit on the checks question, never added across checks; ebpm review-sheets show PROJECT_ID prints the project\'s logic model and findings). ' +
        source,
      sql: `WITH ${LATEST}
SELECT p.review_year, p.project_id, p.project_name, p.ministry, p.bureau, p.start_year, p.end_year,
       b.budget_year, b.current_budget_yen, b.executed_yen, round(100 * b.execution_rate, 1) AS execution_rate_percent,
       flags.checks_flagging, flags.flagged_by
  FROM bi.review_projects p JOIN latest USING (review_year)
  LEFT JOIN LATERAL (
    SELECT count(DISTINCT f.check_id) AS checks_flagging, string_agg(DISTINCT f.check_id, ', ' ORDER BY f.check_id) AS flagged_by
      FROM bi.review_findings f WHERE f.review_year = p.review_year AND f.project_id = p.project_id
  ) flags ON true
  LEFT JOIN bi.review_budget_execution b ON b.review_year = p.review_year AND b.project_id = p.project_id AND b.budget_year = p.review_year - 1
 ORDER BY p.ministry, p.project_id`,
      display: 'table',
      layout: { row: 19, col: 0, width: 24, height: 8 },
    },
    {
      name: '読み込んだファイル / Files the dashboard reads',
      formerNames: ['読み込んだ公表ファイル / Files the dashboard reads'],
      description:
        '最新のレビュー年度に効力のあるファイル：表ごとのファイル、合成データか（synthetic）、レコード数、読み込んだ数と隔離した数（理由とともに保存）、読み込んだ日時。' +
        'The review-sheet files in force for the latest review year (bi.review_sheet_files): each table\'s file, whether ebpm generate made it up (synthetic), its records, how many were loaded and how many quarantined (kept with their reasons: ebpm review-sheets quarantine FILE_ID), and when it was loaded. ' +
        source,
      sql: `WITH ${LATEST}
SELECT f.review_year, f.sheet_table, f.file_name, f.synthetic, f.records, f.loaded, f.quarantined, f.loaded_at
  FROM bi.review_sheet_files f JOIN latest USING (review_year)
 WHERE f.in_force
 ORDER BY f.sheet_table`,
      display: 'table',
      layout: { row: 27, col: 0, width: 24, height: 4 },
    },
  ] satisfies readonly DashboardCard[] as readonly DashboardCard[],
} as const satisfies Dashboard;
