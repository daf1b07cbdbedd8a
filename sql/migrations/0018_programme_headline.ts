import { sql, type Kysely } from 'kysely';

/**
 * One headline per programme, decided in one place: the first outcome of the run's frozen study spec (in the
 * spec's own order) whose design estimates an effect, quoted by that design's headline estimator (cs_simple,
 * sdid or rd_robust). The index, the programme page, the XLSX effects block and the public view all read this
 * flag, so none of them can pick a different row. The public view also gains what a reader needs beside the
 * estimate: the design, the standard error, and the awarded and comparison units.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE VIEW bi.effect_estimates AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           e.outcome, e.estimator, e.estimator IN ('cs_simple', 'sdid', 'rd_robust') AS is_headline, e.status, e.estimate, e.std_error,
           e.ci_low, e.ci_high, e.p_value, e.confidence_level, e.bootstrap_std_error,
           e.treated_units, e.comparison_units, e.observations, e.note,
           l.spec_version, l.spec_hash, l.spec_registered_after_call_opened, l.run_key, l.finished_at AS computed_at,
           coalesce(d.design, 'staggered_did') AS design,
           position.outcome_position::integer AS outcome_position,
           (e.estimator IN ('cs_simple', 'sdid', 'rd_robust') AND e.outcome = headline.outcome) AS is_programme_headline
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
  await sql`COMMENT ON COLUMN bi.effect_estimates.outcome_position IS 'Position of the outcome in the study spec (1 = first named); reports list outcomes in this order.'`.execute(db);
  await sql`COMMENT ON COLUMN bi.effect_estimates.is_programme_headline IS 'True for the one estimate that headlines the programme: the first outcome of the spec whose design estimates an effect, by that design''s headline estimator (cs_simple, sdid or rd_robust). Every report quotes this row.'`.execute(db);

  await sql`
    CREATE OR REPLACE VIEW bi.public_effect_estimates AS
    SELECT e.programme_id, e.programme_name_ja, e.programme_name_en, e.outcome, e.estimator, e.is_headline, e.status,
           CASE WHEN withheld THEN NULL ELSE e.estimate END AS estimate,
           CASE WHEN withheld THEN NULL ELSE e.ci_low END AS ci_low,
           CASE WHEN withheld THEN NULL ELSE e.ci_high END AS ci_high,
           CASE WHEN withheld THEN NULL ELSE e.p_value END AS p_value,
           e.confidence_level,
           CASE WHEN withheld THEN NULL ELSE e.treated_units END AS firms,
           CASE WHEN withheld THEN 'primary' END AS suppression,
           e.note, e.spec_hash, e.run_key, e.computed_at,
           e.design,
           CASE WHEN withheld THEN NULL ELSE e.std_error END AS std_error,
           CASE WHEN withheld THEN NULL ELSE e.treated_units END AS units,
           CASE WHEN withheld THEN NULL ELSE e.comparison_units END AS comparison_units,
           e.outcome_position,
           e.is_programme_headline
      FROM bi.effect_estimates e
      CROSS JOIN results.disclosure_settings s
      CROSS JOIN LATERAL (SELECT coalesce(e.treated_units < s.min_cell_units, false) AS withheld) w`.execute(db);
  const columns: Record<string, string> = {
    design: 'The design of the study spec for this outcome: staggered_did, synthetic_did or rd_review_score.',
    std_error: 'Standard error of the estimate (see bi.effect_estimates for how each design computes it); null when suppressed.',
    units: 'Awarded units behind the estimate (firms, projects or sites, as the programme counts them; above the cut-off for regression discontinuity); null when suppressed.',
    comparison_units: 'Comparison units: never-awarded applicants (DiD designs) or units below the cut-off (regression discontinuity); null when suppressed.',
    outcome_position: 'Position of the outcome in the study spec (1 = first named).',
    is_programme_headline: 'True for the one estimate that headlines the programme (see bi.effect_estimates); every report quotes this row.',
  };
  for (const [column, text] of Object.entries(columns)) await sql`COMMENT ON COLUMN bi.public_effect_estimates.${sql.id(column)} IS ${sql.lit(text)}`.execute(db);
}

export async function down(_db: Kysely<unknown>): Promise<void> {
  // A view's columns cannot be dropped in place: the added columns stay, as 0016's down does with design.
}
