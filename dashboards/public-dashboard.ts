/**
 * The ready-made BI dashboard: which questions it asks of the bi schema and where each sits. Only the
 * disclosure-controlled public views, the pre-test, and the lineage are used, so everything on it may be
 * published. Pure data; dashboards/provision-metabase.ts puts it into Metabase.
 */

export type CardDisplay = 'table' | 'line' | 'bar';

export interface DashboardCard {
  /** Also the card's stable identity in Metabase (cards are matched by name on re-provisioning). */
  readonly name: string;
  readonly description: string;
  /** Native SQL run as bi_reader. */
  readonly sql: string;
  readonly display: CardDisplay;
  /** For charts: the x axis and series columns, and the plotted values. */
  readonly chart?: { readonly dimensions: readonly string[]; readonly metrics: readonly string[] };
  /** Position on Metabase's 24-column grid. */
  readonly layout: { readonly row: number; readonly col: number; readonly width: number; readonly height: number };
  /** Names the card had before: a card provisioned under one of them is renamed, not left beside a new one. */
  readonly formerNames?: readonly string[];
}

export const DASHBOARD_GRID_COLUMNS = 24;

/** A dashboard as ebpm provisions it: its name (its identity in Metabase), what it shows, its questions. */
export interface Dashboard {
  readonly name: string;
  readonly description: string;
  readonly cards: readonly DashboardCard[];
  /** Names the dashboard had before: one provisioned under one of them is renamed, not left beside a new one. */
  readonly formerNames?: readonly string[];
}

export const PUBLIC_DASHBOARD = {
  name: 'ebpm — 政策効果の公表指標 / Published programme indicators',
  description:
    'Effects of METI programmes estimated by ebpm (Callaway & Sant\'Anna staggered difference-in-differences) and their logic-model KPIs, from the bi schema\'s disclosure-controlled views: cells from fewer firms than the disclosure minimum are withheld.',
  cards: [
    {
      name: '主要な効果 / Headline effects',
      description: 'The effect to quote for each programme and outcome: the average effect of the award on awarded firms, with its 95% interval; withheld when fewer firms than the disclosure minimum stand behind it.',
      sql: `SELECT programme_name_ja, programme_name_en, outcome, status, estimate, ci_low, ci_high, p_value, firms, suppression, note
  FROM bi.public_effect_estimates
 WHERE is_headline
 ORDER BY programme_id, outcome`,
      display: 'table',
      layout: { row: 0, col: 0, width: 24, height: 4 },
    },
    {
      name: 'イベントスタディ / Event study',
      description: 'Effect by years since award (negative years: before the award, a check of parallel trends), one line per programme and outcome. Withheld event times are left out.',
      sql: `SELECT programme_name_en || ' · ' || outcome AS series, event_time, estimate, band_low, band_high
  FROM bi.public_event_study
 WHERE estimate IS NOT NULL
 ORDER BY series, event_time`,
      display: 'line',
      chart: { dimensions: ['event_time', 'series'], metrics: ['estimate'] },
      layout: { row: 4, col: 0, width: 24, height: 8 },
    },
    {
      name: '採択年度別の効果 / Effects by cohort',
      description: 'Average effect after award for each cohort of firms first awarded in the same fiscal year; suppression says why a cell is withheld.',
      sql: `SELECT programme_name_ja, programme_name_en, outcome, award_fiscal_year, estimate, ci_low, ci_high, firms, suppression
  FROM bi.public_effects_by_cohort
 ORDER BY programme_id, outcome, award_fiscal_year`,
      display: 'table',
      layout: { row: 12, col: 0, width: 12, height: 6 },
    },
    {
      name: '年度別の効果 / Effects by fiscal year',
      description: 'Average effect in each fiscal year over the cohorts already awarded, per programme and outcome.',
      sql: `SELECT programme_name_en || ' · ' || outcome AS series, fiscal_year, estimate
  FROM bi.public_effects_by_year
 WHERE estimate IS NOT NULL
 ORDER BY series, fiscal_year`,
      display: 'bar',
      chart: { dimensions: ['fiscal_year', 'series'], metrics: ['estimate'] },
      layout: { row: 12, col: 12, width: 12, height: 6 },
    },
    {
      name: 'KPI（年度別） / KPIs by fiscal year',
      description: 'Logic-model indicators per fiscal year; a value from fewer firms than the disclosure minimum is withheld (suppressed = true).',
      sql: `SELECT programme_name_ja, indicator_name_ja, indicator_name_en, stage, fiscal_year, value, unit, suppressed
  FROM bi.public_kpi_by_fiscal_year
 ORDER BY programme_id, display_order, fiscal_year`,
      display: 'table',
      layout: { row: 18, col: 0, width: 24, height: 8 },
    },
    {
      name: '平行トレンドの事前検定 / Pre-test of parallel trends',
      description: 'Wald test that the effects before the award are all zero; a small p-value casts doubt on the comparison.',
      sql: `SELECT programme_name_en, outcome, statistic, df, p_value, rejected_at_5_percent, note
  FROM bi.parallel_trends_pretest
 ORDER BY programme_id, outcome`,
      display: 'table',
      layout: { row: 26, col: 0, width: 12, height: 5 },
    },
    {
      name: '入力データの件数 / Input files',
      description: 'Every input file with its row account: rows = loaded + rejected.',
      sql: `SELECT programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected, rejected_percent, loaded_at
  FROM bi.input_quality
 ORDER BY loaded_at DESC`,
      display: 'table',
      layout: { row: 26, col: 12, width: 12, height: 5 },
    },
    {
      name: '評価の実行履歴 / Evaluation runs',
      description: 'Every evaluation run with its lineage: study spec version and hash, code version, status and time.',
      sql: `SELECT programme_id, status, spec_version, spec_hash, code_version, started_at, finished_at, duration_seconds
  FROM bi.run_history
 ORDER BY started_at DESC
 LIMIT 100`,
      display: 'table',
      layout: { row: 31, col: 0, width: 24, height: 6 },
    },
    {
      name: '平行トレンドの仮定への頑健性 / Robustness to departures from parallel trends',
      description:
        'How large a departure from parallel trends would make each event-study effect indistinguishable from zero (Rambachan & Roth 2023): M-bar as a multiple of the largest pre-award departure, M as a change in slope per year; withheld with the effect it concerns.',
      sql: `SELECT programme_name_ja, programme_name_en, outcome, target, estimate, original_low, original_high, breakdown_mbar, breakdown_m, statement_ja, statement, suppression
  FROM bi.public_effect_sensitivity
 ORDER BY programme_id, outcome, target DESC`,
      display: 'table',
      layout: { row: 37, col: 0, width: 24, height: 6 },
    },
  ] satisfies readonly DashboardCard[] as readonly DashboardCard[],
} as const satisfies Dashboard;
