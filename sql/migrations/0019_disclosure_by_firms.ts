import { sql, type Kysely } from 'kysely';
import { comment, createDisclosureDecisionViews, DISCLOSURE_RULE, PROGRAMME_COLUMNS, replacePublicEffectCellsView } from './view-helpers.js';

/**
 * Disclosure control that survives differencing (issue 31): one rule counting the distinct firms behind every
 * published cell, with complementary suppression across linked cells (view-helpers.ts, DISCLOSURE_RULE):
 * - the results tables record the firms behind each effect cell, synthetic-DiD cohort path and RD bin, beside
 *   the units they already recorded;
 * - results.disclosure_years / _cells / _decisions decide every cell once; the public views join the decisions;
 * - the public views publish `firms` (distinct firms) and `units` (awarded units) as separate columns; the
 *   pooled synthetic-DiD paths become a public view (bi.public_synthetic_paths) rather than pooled by each reader.
 * Views keep their columns in place (readers and dependent views stay valid); new columns come last.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE results.effect_estimates ADD COLUMN cell_firms integer, ADD COLUMN comparison_firms integer`.execute(db);
  await sql`COMMENT ON COLUMN results.effect_estimates.cell_firms IS 'Distinct firms behind the treated units of the estimate (applicants, lead applicants, consortium members, site operators): what the disclosure rule counts. Null in runs before migration 0019 (the rule then counts cell_units).'`.execute(db);
  await sql`COMMENT ON COLUMN results.effect_estimates.comparison_firms IS 'Distinct firms behind the comparison units; null in runs before migration 0019.'`.execute(db);
  await sql`ALTER TABLE results.synthetic_trajectories ADD COLUMN treated_firms integer`.execute(db);
  await sql`COMMENT ON COLUMN results.synthetic_trajectories.treated_firms IS 'Distinct firms behind the cohort''s awarded units; null in runs before migration 0019.'`.execute(db);
  await sql`ALTER TABLE results.rd_bins ADD COLUMN firms integer`.execute(db);
  await sql`COMMENT ON COLUMN results.rd_bins.firms IS 'Distinct firms behind the bin''s units; null in runs before migration 0019.'`.execute(db);
  await sql`COMMENT ON TABLE results.disclosure_settings IS ${sql.lit('Disclosure control for public views: a cell resting on fewer than min_cell_units distinct firms is withheld, with complementary cells (set with EBPM_MIN_CELL_UNITS at migrate). ' + DISCLOSURE_RULE)}`.execute(db);

  await sql`
    CREATE OR REPLACE VIEW bi.effect_estimates AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           e.outcome, e.estimator, e.estimator IN ('cs_simple', 'sdid', 'rd_robust') AS is_headline, e.status, e.estimate, e.std_error,
           e.ci_low, e.ci_high, e.p_value, e.confidence_level, e.bootstrap_std_error,
           e.treated_units, e.comparison_units, e.observations, e.note,
           l.spec_version, l.spec_hash, l.spec_registered_after_call_opened, l.run_key, l.finished_at AS computed_at,
           coalesce(d.design, 'staggered_did') AS design,
           position.outcome_position::integer AS outcome_position,
           (e.estimator IN ('cs_simple', 'sdid', 'rd_robust') AND e.outcome = headline.outcome) AS is_programme_headline,
           e.cell_firms AS treated_firms, e.comparison_firms
      FROM bi.latest_runs l
      JOIN results.evaluation_runs r USING (run_key)
      JOIN results.effect_estimates e USING (run_key)
      LEFT JOIN results.outcome_designs d USING (run_key, outcome)
      LEFT JOIN LATERAL (
        SELECT o.position AS outcome_position FROM jsonb_array_elements_text(r.spec -> 'outcomes') WITH ORDINALITY AS o(outcome, position)
         WHERE o.outcome = e.outcome
      ) position ON true
      LEFT JOIN LATERAL (
        SELECT o.outcome FROM jsonb_array_elements_text(r.spec -> 'outcomes') WITH ORDINALITY AS o(outcome, position)
         WHERE coalesce(r.spec -> 'designs' -> o.outcome ->> 'design', 'staggered_did') <> 'descriptive'
         ORDER BY o.position LIMIT 1
      ) headline ON true
     WHERE e.term = 'overall'`.execute(db);
  await sql`COMMENT ON COLUMN bi.effect_estimates.treated_firms IS 'Distinct firms behind the awarded units (applicants, lead applicants, consortium members, site operators); null in runs before migration 0019.'`.execute(db);
  await sql`COMMENT ON COLUMN bi.effect_estimates.comparison_firms IS 'Distinct firms behind the comparison units; null in runs before migration 0019.'`.execute(db);

  // The settings table holds one row; without statistics the planner assumes thousands, and the cost it then
  // estimates for the decision views sends them through JIT compilation (seconds, for a few hundred rows).
  await sql`ANALYZE results.disclosure_settings`.execute(db);
  await createDisclosureDecisionViews(db);

  // An overall effect rests on every awarded unit, so on every cohort (protected ones included, as their total):
  // it is withheld only when all its firms together are fewer than the minimum.
  await sql`
    CREATE OR REPLACE VIEW bi.public_effect_estimates AS
    SELECT e.programme_id, e.programme_name_ja, e.programme_name_en, e.outcome, e.estimator, e.is_headline, e.status,
           CASE WHEN withheld THEN NULL ELSE e.estimate END AS estimate,
           CASE WHEN withheld THEN NULL ELSE e.ci_low END AS ci_low,
           CASE WHEN withheld THEN NULL ELSE e.ci_high END AS ci_high,
           CASE WHEN withheld THEN NULL ELSE e.p_value END AS p_value,
           e.confidence_level,
           CASE WHEN withheld THEN NULL ELSE w.firms END AS firms,
           CASE WHEN withheld THEN 'primary' END AS suppression,
           e.note, e.spec_hash, e.run_key, e.computed_at,
           e.design,
           CASE WHEN withheld THEN NULL ELSE e.std_error END AS std_error,
           CASE WHEN withheld THEN NULL ELSE e.treated_units END AS units,
           CASE WHEN withheld THEN NULL ELSE e.comparison_units END AS comparison_units,
           e.outcome_position,
           e.is_programme_headline,
           CASE WHEN withheld THEN NULL ELSE e.comparison_firms END AS comparison_firms
      FROM bi.effect_estimates e
      CROSS JOIN LATERAL (SELECT coalesce(e.treated_firms, e.treated_units) AS firms) w
      CROSS JOIN LATERAL (SELECT coalesce(w.firms < (SELECT min_cell_units FROM results.disclosure_settings), false) AS withheld) v`.execute(db);
  await comment(db, 'bi.public_effect_estimates', `Overall effect of each programme on each outcome for publication: withheld when the distinct firms behind it are fewer than the disclosure minimum (results.disclosure_settings, default 10). is_programme_headline marks the one to quote. ${DISCLOSURE_RULE}`, {
    firms: 'Distinct firms behind the awarded units (applicants, lead applicants, consortium members, site operators; one firm with many projects or sites counts once); null when suppressed.',
    units: 'Awarded units behind the estimate (firms, projects or sites, as the programme counts them; above the cut-off for regression discontinuity); null when suppressed.',
    suppression: 'primary when withheld for resting on fewer firms than the disclosure minimum; null when published.',
    comparison_firms: 'Distinct firms behind the comparison units; null when suppressed or not recorded (runs before migration 0019).',
  });

  await replacePublicEffectCellsView(db, {
    view: 'bi.public_effects_by_cohort',
    series: 'cohort',
    description: 'Effects by call-round cohort for publication, under the disclosure rule.',
    estimator: 'cs_group',
    keyColumn: 'cohort',
    key: { name: 'award_fiscal_year', comment: 'Cohort: fiscal year of first award.' },
    estimateComment: 'Average effect after award for the cohort; null when suppressed.',
    firmsComment: 'Distinct firms behind the cohort\'s awarded units; null when suppressed.',
    unitsComment: 'Awarded units in the cohort; null when suppressed.',
  });
  await replacePublicEffectCellsView(db, {
    view: 'bi.public_effects_by_year',
    series: 'year',
    description: 'Effects by fiscal year for publication, under the disclosure rule: a year rests on the cohorts awarded by then.',
    estimator: 'cs_calendar',
    keyColumn: 'period',
    key: { name: 'fiscal_year', comment: 'Fiscal year.' },
    estimateComment: 'Average effect in that year over the cohorts already awarded; null when suppressed.',
    firmsComment: 'Distinct firms behind the awarded units of the cohorts awarded by that year; null when suppressed.',
    unitsComment: 'Awarded units of those cohorts; null when suppressed.',
  });
  await replacePublicEffectCellsView(db, {
    view: 'bi.public_event_study',
    series: 'event_time',
    description: 'Callaway & Sant\'Anna event study (effect by years since award) for publication, under the disclosure rule: an event time rests on the cohorts observed that many years from their award; the post-award event times, which the published average sums, form one linked series, the pre-award ones another.',
    estimator: 'cs_dynamic',
    keyColumn: 'event_time',
    key: { name: 'event_time', comment: 'Fiscal years since the award year (0 = the award year; negative = before it, a check of parallel trends).' },
    estimateComment: 'Estimated effect at this event time; null when suppressed.',
    firmsComment: 'Distinct firms behind the awarded units of the cohorts observed at this event time; null when suppressed.',
    unitsComment: 'Awarded units of those cohorts; null when suppressed.',
    bands: true,
  });

  // KPIs: withheld when any programme-record KPI of the fiscal year rests on too few firms (its fiscal year's
  // values are tied by ratios and products), when the year is protected, or when it lies between the protected
  // cohorts (a year's outcome sums run over the cohorts awarded by then).
  await sql`
    CREATE OR REPLACE VIEW bi.public_kpi_by_fiscal_year AS
    WITH judged AS (
      SELECT k.*, coalesce(k.firms < (SELECT min_cell_units FROM results.disclosure_settings), false) AS primary_withheld,
             k.source_kind = 'programme_records' AND coalesce(y.withheld, false) AS withheld
        FROM bi.kpi_by_fiscal_year k
        LEFT JOIN results.disclosure_kpi_years y USING (run_key, fiscal_year)
    )
    SELECT programme_id, programme_name_ja, programme_name_en, indicator_id, stage, indicator_name_ja,
           indicator_name_en, unit, display_order, fiscal_year,
           CASE WHEN withheld THEN NULL ELSE value END AS value,
           withheld AS suppressed, source_kind, run_key, computed_at,
           CASE WHEN withheld THEN NULL ELSE units END AS units,
           CASE WHEN withheld THEN NULL ELSE firms END AS firms,
           CASE WHEN primary_withheld THEN 'primary' WHEN withheld THEN 'secondary' END AS suppression
      FROM judged`.execute(db);
  await comment(db, 'bi.public_kpi_by_fiscal_year', `KPIs per fiscal year for publication. A fiscal year's KPIs computed from the programme's records are withheld together when any of them rests on fewer distinct firms than the disclosure minimum (they are tied by ratios and products: count = applications × rate), when the year is a protected award year, or when it lies between protected award years. Official statistics are published as they are. ${DISCLOSURE_RULE}`, {
    value: 'Indicator value; null when suppressed.',
    suppressed: 'True when the value is withheld (suppression says why).',
    units: 'Units of analysis (firms, projects or sites) behind the value; null when suppressed or for official statistics.',
    firms: 'Distinct firms behind the value (applicants, lead applicants, consortium members, site operators); null when suppressed or for official statistics.',
    suppression: 'primary (the value rests on too few firms), secondary (withheld with its fiscal year or protected cohorts), or null when published.',
  });

  await sql`
    CREATE OR REPLACE VIEW bi.rd_bins AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, b.outcome, b.bin, b.score_low, b.score_high, b.score_mean,
           b.score_mean >= 0 AS above_cutoff, b.outcome_mean, b.units, b.fitted, l.run_key, l.finished_at AS computed_at,
           d.firms
      FROM bi.latest_runs l
      JOIN results.rd_bins b USING (run_key)
      JOIN results.disclosure_decisions d ON d.run_key = b.run_key AND d.outcome = b.outcome AND d.series = 'rd_bin' AND d.cell_key = b.bin
     WHERE d.suppression IS NULL`.execute(db);
  await comment(db, 'bi.rd_bins', `Regression discontinuity binned scatter from the latest run: the mean outcome change per bin of score distance from the cut-off, with the local polynomial fit either side. Bins the disclosure rule withholds (fewer firms than the minimum, and the smallest other bin of the same side) are left out. ${DISCLOSURE_RULE}`, {
    units: 'Units in the bin.',
    firms: 'Distinct firms behind the bin\'s units.',
  });

  await sql`
    CREATE VIEW bi.public_synthetic_paths AS
    WITH pooled AS (
      SELECT t.run_key, t.outcome, t.fiscal_year - t.cohort AS event_time,
             sum(t.treated_units * t.treated_mean) / sum(t.treated_units) AS treated_mean,
             sum(t.treated_units * t.synthetic_mean) / sum(t.treated_units) AS synthetic_mean,
             sum(t.treated_units * t.synthetic_shifted) / sum(t.treated_units) AS synthetic_shifted,
             count(*)::integer AS cohorts
        FROM bi.latest_runs l JOIN results.synthetic_trajectories t USING (run_key)
       GROUP BY t.run_key, t.outcome, t.fiscal_year - t.cohort
    )
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, p.outcome, p.event_time,
           CASE WHEN withheld THEN NULL ELSE p.treated_mean END AS treated_mean,
           CASE WHEN withheld THEN NULL ELSE p.synthetic_mean END AS synthetic_mean,
           CASE WHEN withheld THEN NULL ELSE p.synthetic_shifted END AS synthetic_shifted,
           CASE WHEN withheld THEN NULL ELSE p.treated_mean - p.synthetic_shifted END AS gap,
           CASE WHEN withheld THEN NULL ELSE p.cohorts END AS cohorts,
           CASE WHEN withheld THEN NULL ELSE d.units END AS units,
           CASE WHEN withheld THEN NULL ELSE d.firms END AS firms,
           d.suppression, l.run_key, l.finished_at AS computed_at
      FROM pooled p
      JOIN bi.latest_runs l USING (run_key)
      JOIN results.disclosure_decisions d ON d.run_key = p.run_key AND d.outcome = p.outcome AND d.series = 'synthetic_path' AND d.cell_key = p.event_time
      CROSS JOIN LATERAL (SELECT d.suppression IS NOT NULL AS withheld) w`.execute(db);
  await comment(db, 'bi.public_synthetic_paths', `Synthetic DiD for publication: the awarded units against their synthetic comparison by years since award, pooled over the award cohorts (means weighted by each cohort's awarded units), so a point rests on every cohort observed at that event time. The per-cohort paths (bi.synthetic_trajectories) are not for publication. ${DISCLOSURE_RULE}`, {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    event_time: 'Fiscal years since the award year (0 = the award year; negative = before it).',
    treated_mean: 'Mean outcome of the awarded units; null when suppressed.',
    synthetic_mean: 'Mean of their synthetic comparisons (donor-weighted never-awarded units); null when suppressed.',
    synthetic_shifted: 'The synthetic mean moved by the time-weighted pre-award difference (where the lines meet before the award); null when suppressed.',
    gap: 'treated_mean − synthetic_shifted; null when suppressed.',
    cohorts: 'Award cohorts pooled in the point; null when suppressed.',
    units: 'Awarded units behind the point; null when suppressed.',
    firms: 'Distinct firms behind those units; null when suppressed.',
    suppression: 'primary (too few firms), secondary (withheld so that no withheld point can be derived), or null when published.',
    run_key: 'Evaluation run.',
    computed_at: 'When that run finished.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The replaced views keep their added columns (a view's columns cannot be dropped in place), as 0016's down does.
  await sql`DROP VIEW IF EXISTS bi.public_synthetic_paths`.execute(db);
}
