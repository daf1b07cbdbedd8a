import { sql, type Kysely } from 'kysely';
import { comment, PROGRAMME_COLUMNS } from './view-helpers.js';

/**
 * Each design's own diagnostics, so a synthetic-DiD or regression-discontinuity estimate is read beside what
 * makes it credible. Synthetic DiD: how closely the synthetic comparison follows the awarded units before the
 * award, how concentrated its donor weights are, and how the standard error was computed (the method is now
 * stored with the estimate, since the jackknife can fall back to placebo draws). Regression discontinuity:
 * whether characteristics fixed before the award jump at the cut-off (covariate balance), a new result table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE results.effect_estimates ADD COLUMN se_method text CHECK (se_method IN ('jackknife', 'placebo'))`.execute(db);
  await sql`COMMENT ON COLUMN results.effect_estimates.se_method IS 'How the standard error was computed where the design chooses between methods: jackknife or placebo (synthetic DiD); null otherwise or when there is none.'`.execute(db);

  await sql`
    CREATE TABLE results.rd_covariate_balance (
      run_key         text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      outcome         text NOT NULL,
      covariate       text NOT NULL,
      kind            text NOT NULL CHECK (kind IN ('characteristic', 'outcome_baseline')),
      estimate        double precision,
      std_error       double precision,
      ci_low          double precision,
      ci_high         double precision,
      p_value         double precision,
      h_left          double precision,
      h_right         double precision,
      effective_left  integer,
      effective_right integer,
      note            text,
      PRIMARY KEY (run_key, outcome, kind, covariate)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.rd_covariate_balance IS 'Regression discontinuity covariate balance per run and outcome: the robust jump at the cut-off of each pre-registered applicant characteristic and of the outcome''s level the year before award, on the outcome''s estimation sample, each with its own bandwidth.'`.execute(db);

  await sql`
    CREATE VIEW bi.rd_covariate_balance AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, b.outcome, b.covariate, b.kind,
           b.estimate, b.std_error, b.ci_low, b.ci_high, b.p_value, b.p_value < 0.05 AS jump_at_5_percent,
           b.h_left, b.h_right, b.effective_left, b.effective_right, b.note, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.rd_covariate_balance b USING (run_key)`.execute(db);
  await comment(db, 'bi.rd_covariate_balance', 'Regression discontinuity on review scores, from the latest run: does anything fixed before the award jump at the cut-off? For each applicant characteristic the study spec pre-registers (spec covariates, as at application) and for the outcome\u2019s own level the year before award, the jump at the cut-off estimated like the outcome (same kernel, polynomial order and bandwidth selector, sharp), each with the bandwidth its selector picks for it (Cattaneo, Idrobo & Titiunik 2020, \u00a75.2). A jump found casts doubt on the design.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome whose regression discontinuity is checked (its estimation sample is used).',
    covariate: 'The characteristic\u2019s applicant-file field name, or the outcome\u2019s name for its pre-award level.',
    kind: 'characteristic (pre-registered applicant characteristic at application) or outcome_baseline (the outcome the fiscal year before the round\u2019s award).',
    estimate: 'Bias-corrected jump at the cut-off (above minus below), in the covariate\u2019s own unit; null when not estimable (see note).',
    std_error: 'Robust standard error of the jump.',
    ci_low: 'Lower bound of the robust 95% interval.',
    ci_high: 'Upper bound of the robust 95% interval.',
    p_value: 'Robust p-value of no jump.',
    jump_at_5_percent: 'True when the jump is significant at 5% (p_value < 0.05): the covariate is not balanced at the cut-off.',
    h_left: 'Bandwidth below the cut-off chosen for this covariate, in score points.',
    h_right: 'Bandwidth above the cut-off chosen for this covariate.',
    effective_left: 'Units below the cut-off within that bandwidth.',
    effective_right: 'Units at or above the cut-off within that bandwidth.',
    note: 'Why there is no estimate, when there is none.',
    run_key: 'Evaluation run.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.synthetic_diagnostics AS
    WITH estimates AS (
      SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, l.run_key, l.finished_at, e.outcome, e.cohort,
             e.cell_units, e.comparison_units, e.std_error, e.se_method
        FROM bi.latest_runs l
        JOIN results.effect_estimates e USING (run_key)
       WHERE e.estimator = 'sdid' AND e.status = 'estimated' AND (e.term = 'overall' OR e.cohort IS NOT NULL)
    ), pre_gaps AS (
      SELECT t.run_key, t.outcome, t.cohort, t.treated_units, t.treated_mean - t.synthetic_shifted AS gap
        FROM results.synthetic_trajectories t
        JOIN estimates e ON e.run_key = t.run_key AND e.outcome = t.outcome AND e.cohort IS NULL
       WHERE t.fiscal_year < t.cohort
    ), cohort_fit AS (
      SELECT run_key, outcome, cohort, count(*)::integer AS pre_years, sqrt(avg(gap * gap)) AS pre_fit_rmse
        FROM pre_gaps GROUP BY run_key, outcome, cohort
    ), pooled_fit AS (
      SELECT run_key, outcome, count(DISTINCT cohort)::integer AS cohorts, sqrt(sum(treated_units * gap * gap) / sum(treated_units)) AS pre_fit_rmse,
             count(*)::integer AS pre_years
        FROM pre_gaps GROUP BY run_key, outcome
    ), cohort_weights AS (
      SELECT run_key, outcome, cohort, count(*)::integer AS donors_weighted, 1 / sum(weight * weight) AS effective_donors, max(weight) AS max_donor_weight
        FROM results.synthetic_unit_weights GROUP BY run_key, outcome, cohort
    ), pooled_unit_weights AS (
      -- The cohorts' donor weights averaged by awarded units: the weights behind the pooled synthetic path.
      SELECT w.run_key, w.outcome, w.unit_id, sum(c.cell_units * w.weight) / max(o.cell_units) AS weight
        FROM results.synthetic_unit_weights w
        JOIN estimates c ON c.run_key = w.run_key AND c.outcome = w.outcome AND c.cohort = w.cohort
        JOIN estimates o ON o.run_key = w.run_key AND o.outcome = w.outcome AND o.cohort IS NULL
       GROUP BY w.run_key, w.outcome, w.unit_id
    ), pooled_weights AS (
      SELECT run_key, outcome, count(*)::integer AS donors_weighted, 1 / sum(weight * weight) AS effective_donors, max(weight) AS max_donor_weight
        FROM pooled_unit_weights GROUP BY run_key, outcome
    )
    SELECT e.programme_id, e.programme_name_ja, e.programme_name_en, e.outcome, e.cohort AS award_fiscal_year,
           e.cohort IS NULL AS pooled, e.cell_units AS treated_units,
           coalesce(cf.pre_years, pf.pre_years) AS pre_years,
           coalesce(cf.pre_fit_rmse, pf.pre_fit_rmse) AS pre_fit_rmse,
           m.sd AS pre_period_sd,
           coalesce(cf.pre_fit_rmse, pf.pre_fit_rmse) / nullif(m.sd, 0) AS pre_fit_rmse_to_sd,
           e.comparison_units AS donor_pool,
           coalesce(cw.donors_weighted, pw.donors_weighted) AS donors_weighted,
           coalesce(cw.effective_donors, pw.effective_donors) AS effective_donors,
           coalesce(cw.max_donor_weight, pw.max_donor_weight) AS max_donor_weight,
           e.se_method,
           CASE WHEN e.se_method = 'placebo' THEN (d.settings -> 'placebo' ->> 'draws')::integer END AS placebo_draws,
           e.std_error IS NOT NULL AS has_std_error,
           e.run_key, e.finished_at AS computed_at
      FROM estimates e
      LEFT JOIN cohort_fit cf ON e.cohort IS NOT NULL AND cf.run_key = e.run_key AND cf.outcome = e.outcome AND cf.cohort = e.cohort
      LEFT JOIN pooled_fit pf ON e.cohort IS NULL AND pf.run_key = e.run_key AND pf.outcome = e.outcome
      LEFT JOIN cohort_weights cw ON e.cohort IS NOT NULL AND cw.run_key = e.run_key AND cw.outcome = e.outcome AND cw.cohort = e.cohort
      LEFT JOIN pooled_weights pw ON e.cohort IS NULL AND pw.run_key = e.run_key AND pw.outcome = e.outcome
      LEFT JOIN results.baseline_moments m ON m.run_key = e.run_key AND m.outcome = e.outcome
      LEFT JOIN results.outcome_designs d ON d.run_key = e.run_key AND d.outcome = e.outcome`.execute(db);
  await comment(db, 'bi.synthetic_diagnostics', 'Synthetic DiD diagnostics from the latest run, per outcome: one pooled row (award_fiscal_year null) and one row per award cohort. How closely the synthetic comparison follows the awarded units before the award (pre_fit_rmse beside the outcome\u2019s pre-award spread), how concentrated the donor weights are, and how the standard error was computed. Aggregates only: the weights of named units stay in results.synthetic_unit_weights.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome evaluated by synthetic DiD.',
    award_fiscal_year: 'Award cohort (fiscal year of award); null on the pooled row, which covers every cohort.',
    pooled: 'True on the row that covers every cohort (the headline estimate\u2019s).',
    treated_units: 'Awarded units: the cohort\u2019s, or all cohorts\u2019 on the pooled row.',
    pre_years: 'Pre-award fiscal years in the fit (on the pooled row: cohort-years).',
    pre_fit_rmse: 'Root mean square of the awarded units\u2019 mean minus the shifted synthetic mean over the pre-award years (in the outcome\u2019s unit); on the pooled row, averaged over the cohorts\u2019 pre-award years weighted by their awarded units. Small against pre_period_sd: the synthetic comparison tracks the awarded units before award.',
    pre_period_sd: 'Standard deviation of the outcome across units before the first award (bi.baseline_moments.sd), for scale.',
    pre_fit_rmse_to_sd: 'pre_fit_rmse / pre_period_sd.',
    donor_pool: 'Never-awarded units with a complete panel that could receive weight (the donor pool).',
    donors_weighted: 'Donors with nonzero weight (on the pooled row: in any cohort).',
    effective_donors: 'Effective number of donors, 1 / \u03a3 w\u00b2 (equals donors_weighted when the weights are equal, 1 when one donor has all). On the pooled row the cohorts\u2019 weights are averaged by awarded units, as the pooled path averages them.',
    max_donor_weight: 'The largest donor weight (between 0 and 1).',
    se_method: 'How the standard error was computed: jackknife (every cohort has two awarded units or more) or placebo (donors posing as awarded units); null when there is none. A cohort row\u2019s own SE is the jackknife on its block.',
    placebo_draws: 'Placebo draws, when se_method is placebo (the spec\u2019s setting).',
    has_std_error: 'False when no standard error could be computed (a single awarded unit and too few donors for placebo draws).',
    run_key: 'Evaluation run.',
    computed_at: 'When that run finished.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.synthetic_diagnostics, bi.rd_covariate_balance`.execute(db);
  await sql`DROP TABLE IF EXISTS results.rd_covariate_balance`.execute(db);
  await sql`ALTER TABLE results.effect_estimates DROP COLUMN IF EXISTS se_method`.execute(db);
}
