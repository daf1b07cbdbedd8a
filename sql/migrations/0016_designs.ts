import { sql, type Kysely } from 'kysely';
import { comment, PROGRAMME_COLUMNS } from './view-helpers.js';

/**
 * The designs a study spec can name besides staggered DiD: the review score an applicant file carries (for a
 * regression discontinuity at the round's cut-off), the design each run used per outcome, the synthetic-DiD
 * trajectories and weights, and the regression-discontinuity summaries and binned scatter; with bi views.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE core.applications ADD COLUMN review_score double precision`.execute(db);
  await sql`COMMENT ON COLUMN core.applications.review_score IS 'Review score of the application, for programmes that award above a cut-off per call round (null when not scored).'`.execute(db);

  await sql`
    CREATE TABLE results.outcome_designs (
      run_key      text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      programme_id text NOT NULL,
      outcome      text NOT NULL,
      design       text NOT NULL CHECK (design IN ('staggered_did', 'synthetic_did', 'rd_review_score', 'descriptive')),
      settings     jsonb NOT NULL,
      reason       text,
      PRIMARY KEY (run_key, outcome)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.outcome_designs IS 'The design the frozen study spec named for each outcome of a run, with its settings, and the reason when the outcome is monitored only (descriptive).'`.execute(db);
  await sql`
    CREATE TABLE results.synthetic_trajectories (
      run_key          text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      outcome          text NOT NULL,
      cohort           integer NOT NULL,
      fiscal_year      integer NOT NULL,
      treated_mean     double precision NOT NULL,
      synthetic_mean   double precision NOT NULL,
      synthetic_shifted double precision NOT NULL,
      time_weight      double precision,
      treated_units    integer NOT NULL,
      PRIMARY KEY (run_key, outcome, cohort, fiscal_year)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.synthetic_trajectories IS 'Synthetic DiD: per run, outcome and award cohort, the treated units'' mean and their synthetic comparison (unit-weighted donors) by fiscal year.'`.execute(db);
  await sql`
    CREATE TABLE results.synthetic_unit_weights (
      run_key  text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      outcome  text NOT NULL,
      cohort   integer NOT NULL,
      unit_id  text NOT NULL,
      weight   double precision NOT NULL,
      PRIMARY KEY (run_key, outcome, cohort, unit_id)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.synthetic_unit_weights IS 'Synthetic DiD donor weights per run, outcome and award cohort (nonzero weights only). Names units, so kept out of the bi schema.'`.execute(db);
  await sql`
    CREATE TABLE results.rd_summaries (
      run_key          text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      outcome          text NOT NULL,
      fuzzy            boolean NOT NULL,
      follow_up_years  integer NOT NULL,
      kernel           text NOT NULL,
      polynomial_order integer NOT NULL,
      bandwidth_selector text NOT NULL,
      h_left           double precision NOT NULL,
      h_right          double precision NOT NULL,
      b_left           double precision NOT NULL,
      b_right          double precision NOT NULL,
      units_left       integer NOT NULL,
      units_right      integer NOT NULL,
      effective_left   integer NOT NULL,
      effective_right  integer NOT NULL,
      mass_points      boolean NOT NULL,
      awards_against_score integer NOT NULL,
      units_dropped    integer NOT NULL,
      density_statistic double precision,
      density_p_value  double precision,
      first_stage      double precision,
      PRIMARY KEY (run_key, outcome)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.rd_summaries IS 'Regression discontinuity on review scores: bandwidths, sample sizes and the manipulation test per run and outcome.'`.execute(db);
  await sql`
    CREATE TABLE results.rd_bins (
      run_key      text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      outcome      text NOT NULL,
      bin          integer NOT NULL,
      score_low    double precision NOT NULL,
      score_high   double precision NOT NULL,
      score_mean   double precision NOT NULL,
      outcome_mean double precision NOT NULL,
      units        integer NOT NULL,
      fitted       double precision,
      PRIMARY KEY (run_key, outcome, bin)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.rd_bins IS 'Regression discontinuity binned scatter: mean outcome change per bin of the score''s distance from the cut-off, and the local polynomial fit at the bin''s mean score (null outside the bandwidth).'`.execute(db);

  await sql`
    CREATE OR REPLACE VIEW bi.effect_estimates AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           e.outcome, e.estimator, e.estimator IN ('cs_simple', 'sdid', 'rd_robust') AS is_headline, e.status, e.estimate, e.std_error,
           e.ci_low, e.ci_high, e.p_value, e.confidence_level, e.bootstrap_std_error,
           e.treated_units, e.comparison_units, e.observations, e.note,
           l.spec_version, l.spec_hash, l.spec_registered_after_call_opened, l.run_key, l.finished_at AS computed_at,
           coalesce(d.design, 'staggered_did') AS design
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
      LEFT JOIN results.outcome_designs d USING (run_key, outcome)
     WHERE e.term = 'overall'`.execute(db);
  await comment(db, 'bi.effect_estimates', 'Overall effect of each programme on each outcome, from the latest run, by the design its study spec names (column design). The headline (is_headline) is cs_simple for staggered DiD, sdid for synthetic DiD and rd_robust for regression discontinuity; the other rows summarise the same data differently or are shown for comparison.', {
    estimator: 'Staggered DiD: cs_simple (average over cohorts and years after award, weighted by cohort size), cs_dynamic, cs_group, cs_calendar, twfe_static (comparison). Synthetic DiD: sdid, with sc (synthetic control) and did_block (plain DiD on the same cohorts) beside it. Regression discontinuity: rd_conventional, rd_bias_corrected, rd_robust (bias-corrected estimate with the robust interval).',
    is_headline: 'True for the estimate to quote first: cs_simple, sdid or rd_robust.',
    std_error: 'Standard error: clustered by unit (staggered DiD), jackknife or placebo (synthetic DiD, see note), nearest-neighbour (regression discontinuity).',
    treated_units: 'Awarded units in the estimation sample (for regression discontinuity: units above the cut-off).',
    comparison_units: 'Comparison units: never-awarded applicants (DiD designs) or units below the cut-off (regression discontinuity).',
    design: 'The design of the study spec for this outcome: staggered_did, synthetic_did or rd_review_score.',
  });

  await sql`COMMENT ON COLUMN bi.exploratory_effects.estimator IS ${sql.lit('cs_simple (overall ATT), cs_dynamic (average over years since award), sdid (synthetic DiD, for outcomes the spec evaluates so), rd_robust (regression discontinuity on review scores), or group_difference_test (Wald test that the --by groups\u2019 headline estimates are equal: estimate = statistic, p_value its p-value).')}`.execute(db);
  await sql`
    CREATE VIEW bi.outcome_designs AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, d.outcome, d.design, d.settings, d.reason,
           l.spec_version, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.outcome_designs d USING (run_key)`.execute(db);
  await comment(db, 'bi.outcome_designs', 'How each outcome of each programme is evaluated, as the frozen study spec names it: the design, its settings and, for outcomes monitored only, why no effect is estimated.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    design: 'staggered_did (awarded against rejected applicants over the call rounds), synthetic_did (few treated units against a weighted synthetic comparison), rd_review_score (applicants just above against just below the review-score cut-off) or descriptive (monitored, not estimated).',
    settings: 'The design\'s settings from the spec (JSON).',
    reason: 'For a descriptive outcome: why it is monitored and not estimated.',
    spec_version: 'Version of the study spec.',
    run_key: 'Evaluation run.',
    computed_at: 'When that run finished.',
  });
  await sql`
    CREATE VIEW bi.synthetic_trajectories AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, t.outcome, t.cohort AS award_fiscal_year, t.fiscal_year,
           t.fiscal_year >= t.cohort AS after_award, t.treated_mean, t.synthetic_mean, t.synthetic_shifted,
           t.treated_mean - t.synthetic_shifted AS gap, t.time_weight, t.treated_units, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.synthetic_trajectories t USING (run_key)`.execute(db);
  await comment(db, 'bi.synthetic_trajectories', 'Synthetic DiD: the awarded units of each award cohort against their synthetic comparison, year by year, from the latest run. Plot treated_mean and synthetic_shifted against fiscal_year: the effect is the average gap after award minus the time-weighted gap before it.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    award_fiscal_year: 'Fiscal year the cohort was awarded.',
    fiscal_year: 'Fiscal year of the values.',
    after_award: 'True from the award year on.',
    treated_mean: 'Mean outcome of the cohort\'s awarded units.',
    synthetic_mean: 'Weighted mean of the never-awarded donor units (the unit weights).',
    synthetic_shifted: 'synthetic_mean moved by the time-weighted pre-award difference, so the two lines meet before the award (synthetic DiD\'s intercept).',
    gap: 'treated_mean − synthetic_shifted.',
    time_weight: 'Weight of the pre-award year in the synthetic DiD (null after award).',
    treated_units: 'Awarded units in the cohort.',
    run_key: 'Evaluation run.',
    computed_at: 'When that run finished.',
  });
  await sql`
    CREATE VIEW bi.rd_summaries AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, s.outcome, s.fuzzy, s.follow_up_years, s.kernel, s.polynomial_order,
           s.bandwidth_selector, s.h_left, s.h_right, s.b_left, s.b_right, s.units_left, s.units_right, s.effective_left, s.effective_right,
           s.mass_points, s.awards_against_score, s.units_dropped, s.density_statistic, s.density_p_value, s.first_stage,
           l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.rd_summaries s USING (run_key)`.execute(db);
  await comment(db, 'bi.rd_summaries', 'Regression discontinuity on review scores (as R rdrobust 4.0.0 and rddensity 3.0), from the latest run: bandwidths, samples either side, and the test for manipulation of the score at the cut-off. The estimates are in bi.effect_estimates (rd_*).', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome: the change from the year before award to the mean over follow_up_years years from the award year.',
    fuzzy: 'True when estimated as a fuzzy design (the jump in the outcome over the jump in the award rate).',
    follow_up_years: 'Years from the award year averaged in the outcome change.',
    kernel: 'Kernel weighting distance from the cut-off.',
    polynomial_order: 'Order of the local polynomial either side.',
    bandwidth_selector: 'Bandwidth selector (rdrobust bwselect).',
    h_left: 'Estimation bandwidth below the cut-off, in score points.',
    h_right: 'Estimation bandwidth above the cut-off.',
    b_left: 'Bias-correction bandwidth below the cut-off.',
    b_right: 'Bias-correction bandwidth above the cut-off.',
    units_left: 'Units below the cut-off.',
    units_right: 'Units at or above the cut-off.',
    effective_left: 'Units below the cut-off within the bandwidth.',
    effective_right: 'Units above within the bandwidth.',
    mass_points: 'True when scores repeat (discrete scores): the bandwidth is kept wide enough to hold distinct scores.',
    awards_against_score: 'Applications awarded below or rejected above their round\'s cut-off (0 in a sharp design).',
    units_dropped: 'Units left out: no review score, or a missing baseline or follow-up year.',
    density_statistic: 'Manipulation test statistic (rddensity, robust): a large value suggests scores were pushed over the cut-off.',
    density_p_value: 'Its p-value; below 0.05 casts doubt on the design.',
    first_stage: 'For a fuzzy design: the jump in the award rate at the cut-off.',
    run_key: 'Evaluation run.',
    computed_at: 'When that run finished.',
  });
  await sql`
    CREATE VIEW bi.rd_bins AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, b.outcome, b.bin, b.score_low, b.score_high, b.score_mean,
           b.score_mean >= 0 AS above_cutoff, b.outcome_mean, b.units, b.fitted, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.rd_bins b USING (run_key)
     WHERE b.units >= (SELECT min_cell_units FROM results.disclosure_settings)`.execute(db);
  await comment(db, 'bi.rd_bins', 'Regression discontinuity binned scatter from the latest run: the mean outcome change per bin of score distance from the cut-off, with the local polynomial fit either side. Bins with fewer units than the disclosure minimum are left out.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome (its change from the year before award).',
    bin: 'Bin number, from the lowest score.',
    score_low: 'Lowest distance from the cut-off in the bin (score − cut-off).',
    score_high: 'Highest distance in the bin.',
    score_mean: 'Mean distance in the bin.',
    above_cutoff: 'True for bins at or above the cut-off.',
    outcome_mean: 'Mean outcome change of the bin\'s units.',
    units: 'Units in the bin.',
    fitted: 'Local polynomial fit at score_mean (null outside the bandwidth).',
    run_key: 'Evaluation run.',
    computed_at: 'When that run finished.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.rd_bins, bi.rd_summaries, bi.synthetic_trajectories, bi.outcome_designs`.execute(db);
  // A view's columns cannot be dropped in place: design stays, fixed at staggered_did as before designs existed.
  await sql`
    CREATE OR REPLACE VIEW bi.effect_estimates AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           e.outcome, e.estimator, e.estimator = 'cs_simple' AS is_headline, e.status, e.estimate, e.std_error,
           e.ci_low, e.ci_high, e.p_value, e.confidence_level, e.bootstrap_std_error,
           e.treated_units, e.comparison_units, e.observations, e.note,
           l.spec_version, l.spec_hash, l.spec_registered_after_call_opened, l.run_key, l.finished_at AS computed_at,
           'staggered_did'::text AS design
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
     WHERE e.term = 'overall'`.execute(db);
  await sql`DROP TABLE IF EXISTS results.rd_bins, results.rd_summaries, results.synthetic_unit_weights, results.synthetic_trajectories, results.outcome_designs`.execute(db);
  await sql`ALTER TABLE core.applications DROP COLUMN review_score`.execute(db);
}
