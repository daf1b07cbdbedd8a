import { sql, type Kysely } from 'kysely';
import { comment, PROGRAMME_COLUMNS } from './view-helpers.js';

/**
 * Rambachan–Roth sensitivity of each outcome's event study (Callaway & Sant'Anna, universal base period):
 * a summary per run, outcome and target with the breakdown values, and the robust bounds per M̄ and M;
 * with the bi views that BI tools read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE results.sensitivity_summaries (
      run_key          text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      programme_id     text NOT NULL,
      outcome          text NOT NULL,
      target           text NOT NULL CHECK (target IN ('effect_at_0', 'average_post')),
      status           text NOT NULL CHECK (status IN ('computed', 'not_computed')),
      event_times      integer[] NOT NULL,
      estimate         double precision,
      std_error        double precision,
      original_low     double precision,
      original_high    double precision,
      confidence_level double precision NOT NULL,
      breakdown_mbar   double precision,
      breakdown_m      double precision,
      breakdown_mbar_searched_to double precision,
      breakdown_m_searched_to    double precision,
      statement        text NOT NULL,
      PRIMARY KEY (run_key, outcome, target)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.sensitivity_summaries IS 'Rambachan-Roth (2023) sensitivity of each outcome''s event study to departures from parallel trends, per run, outcome and target (as R HonestDiD 0.2.6): the ordinary interval and the breakdown values.'`.execute(db);
  await sql`
    CREATE TABLE results.sensitivity_bounds (
      run_key      text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      outcome      text NOT NULL,
      target       text NOT NULL CHECK (target IN ('effect_at_0', 'average_post')),
      restriction  text NOT NULL CHECK (restriction IN ('relative_magnitudes', 'smoothness')),
      parameter    double precision NOT NULL,
      lower_bound  double precision,
      upper_bound  double precision,
      open_at_grid_end boolean NOT NULL,
      PRIMARY KEY (run_key, outcome, target, restriction, parameter)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.sensitivity_bounds IS 'Robust confidence intervals per run, outcome, target and bound: relative magnitudes (C-LF hybrid, parameter M-bar) and smoothness (FLCI, parameter M).'`.execute(db);

  const targetComment = 'effect_at_0: the effect in the award year; average_post: the average effect over the post-award years of the event study.';
  await sql`
    CREATE VIEW bi.effect_sensitivity AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, s.outcome, s.target, s.status, s.event_times,
           s.estimate, s.std_error, s.original_low, s.original_high, s.confidence_level,
           s.breakdown_mbar, s.breakdown_m, s.breakdown_mbar_searched_to, s.breakdown_m_searched_to, s.statement,
           l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.sensitivity_summaries s USING (run_key)`.execute(db);
  await comment(db, 'bi.effect_sensitivity', 'How robust each event-study effect is to a failure of parallel trends (Rambachan & Roth 2023), from the latest run: the ordinary interval, and the breakdown values at which the robust interval first includes zero. The bounds themselves are in bi.effect_sensitivity_bounds.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    target: targetComment,
    status: 'computed, or not_computed when the event study cannot carry the analysis (see statement).',
    event_times: 'Event times (fiscal years since award, -1 the reference) of the event study analysed.',
    estimate: 'Effect under parallel trends, in the unit of the outcome.',
    std_error: 'Its standard error (from the influence functions, clustered by unit).',
    original_low: 'Lower end of the ordinary interval, valid only if trends are parallel.',
    original_high: 'Upper end of the ordinary interval.',
    confidence_level: 'Confidence level of all the intervals (e.g. 0.95).',
    breakdown_mbar: 'Relative magnitudes: the smallest M-bar at which the robust interval includes zero. M-bar = 1 lets each post-award change in the difference of trends be as large as the largest pre-award change. 0 when the interval includes zero already at M-bar = 0; null when it excludes zero up to breakdown_mbar_searched_to.',
    breakdown_m: 'Smoothness: the smallest M (change in the slope of the difference of trends per year, in outcome units) at which the robust interval includes zero; null when it excludes zero up to breakdown_m_searched_to.',
    breakdown_mbar_searched_to: 'Largest M-bar searched for the breakdown value.',
    breakdown_m_searched_to: 'Largest M searched for the breakdown value.',
    statement: 'The breakdown values in words, for readers of the dashboard.',
    run_key: 'Evaluation run that produced the analysis.',
    computed_at: 'When that run finished.',
  });
  await sql`
    CREATE VIEW bi.effect_sensitivity_bounds AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, b.outcome, b.target, b.restriction, b.parameter,
           b.lower_bound, b.upper_bound, NOT (b.lower_bound <= 0 AND b.upper_bound >= 0) AS excludes_zero, b.open_at_grid_end,
           s.estimate, s.original_low, s.original_high, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.sensitivity_bounds b USING (run_key)
      JOIN results.sensitivity_summaries s USING (run_key, outcome, target)`.execute(db);
  await comment(db, 'bi.effect_sensitivity_bounds', 'Robust confidence intervals of each event-study effect under bounded departures from parallel trends (Rambachan & Roth 2023, as R HonestDiD 0.2.6), from the latest run: plot lower_bound and upper_bound against parameter, one line per restriction.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    target: targetComment,
    restriction: 'relative_magnitudes: post-award changes in the difference of trends at most M-bar times the largest pre-award change (conditional-least-favourable hybrid interval); smoothness: the slope of the difference of trends changes by at most M per year (fixed-length interval).',
    parameter: 'M-bar (relative_magnitudes, a multiple) or M (smoothness, outcome units per year).',
    lower_bound: 'Lower end of the robust interval; null when the set is empty.',
    upper_bound: 'Upper end of the robust interval.',
    excludes_zero: 'True when the robust interval excludes zero: the effect survives this departure from parallel trends.',
    open_at_grid_end: 'True when the interval reaches the end of the grid searched (relative magnitudes), so it may be wider.',
    estimate: 'Effect under parallel trends.',
    original_low: 'Lower end of the ordinary interval, for comparison.',
    original_high: 'Upper end of the ordinary interval.',
    run_key: 'Evaluation run that produced the bounds.',
    computed_at: 'When that run finished.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.effect_sensitivity_bounds, bi.effect_sensitivity`.execute(db);
  await sql`DROP TABLE IF EXISTS results.sensitivity_bounds, results.sensitivity_summaries`.execute(db);
}
