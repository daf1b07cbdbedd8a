import { sql, type Kysely } from 'kysely';

/**
 * bi.effect_estimates gives both dates of its spec's registration: the one typed in the catalogue (a claim) and
 * the one governance.spec_registrations recorded (migration 0027); spec_registered_after_call_opened is judged on
 * the recorded one from that migration on. The view is the one of migration 0019 with the two columns added last
 * (readers and bi.public_effect_estimates stay valid; every existing column keeps its comment).
 */
async function replaceView(db: Kysely<unknown>, withLog: boolean): Promise<void> {
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
           e.cell_firms AS treated_firms, e.comparison_firms,
           r.spec ->> 'registeredAt' AS spec_registered_at_claimed,
           ${withLog ? sql`g.recorded_at` : sql`NULL::timestamptz(3)`} AS spec_registration_recorded_at
      FROM bi.latest_runs l
      JOIN results.evaluation_runs r USING (run_key)
      JOIN results.effect_estimates e USING (run_key)
      LEFT JOIN results.outcome_designs d USING (run_key, outcome)
      ${withLog ? sql`LEFT JOIN governance.spec_registrations g ON g.programme_id = l.programme_id AND g.spec_hash = l.spec_hash` : sql``}
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
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await replaceView(db, true);
  await sql`COMMENT ON COLUMN bi.effect_estimates.spec_registered_at_claimed IS 'The spec version''s registration date as typed in the catalogue (registeredAt): a claim, which nothing checks.'`.execute(db);
  await sql`COMMENT ON COLUMN bi.effect_estimates.spec_registration_recorded_at IS 'When ebpm first recorded the spec version''s hash (governance.spec_registrations, database time): the date that cannot be back-dated. Null when it was never recorded (runs before migration 0027).'`.execute(db);
  await sql`COMMENT ON COLUMN bi.effect_estimates.spec_registered_after_call_opened IS 'True when the spec was registered after the first call opened: treat the estimate as not pre-registered. Judged on the recorded date (spec_registration_recorded_at) in runs from migration 0027 on, on the claimed one before.'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // A view's columns cannot be dropped in place (bi.public_effect_estimates depends on it): the two columns stay,
  // the recorded date null, so that migration 0027's down can drop the log.
  await replaceView(db, false);
}
