import { sql, type Kysely } from 'kysely';
import { comment, PROGRAMME_COLUMNS } from './view-helpers.js';

/**
 * The sensitivity of the event-study effects for publication. Its numbers are functions of every
 * coefficient of the event study, so a row is published only when the effect it concerns is published
 * and none of the outcome's event times is withheld by the disclosure rule.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW bi.public_effect_sensitivity AS
    WITH withheld_outcomes AS (
      SELECT DISTINCT programme_id, outcome FROM bi.public_event_study WHERE suppression IS NOT NULL
      UNION
      SELECT DISTINCT programme_id, outcome FROM bi.public_effect_estimates WHERE estimator = 'cs_dynamic' AND suppression IS NOT NULL
    ), decided AS (
      SELECT s.*, w.outcome IS NOT NULL AS withheld
        FROM bi.effect_sensitivity s
        LEFT JOIN withheld_outcomes w USING (programme_id, outcome)
    )
    SELECT programme_id, programme_name_ja, programme_name_en, outcome, target, status,
           CASE WHEN withheld THEN NULL ELSE estimate END AS estimate,
           CASE WHEN withheld THEN NULL ELSE original_low END AS original_low,
           CASE WHEN withheld THEN NULL ELSE original_high END AS original_high,
           confidence_level,
           CASE WHEN withheld THEN NULL ELSE breakdown_mbar END AS breakdown_mbar,
           CASE WHEN withheld THEN NULL ELSE breakdown_m END AS breakdown_m,
           CASE WHEN withheld THEN NULL ELSE statement END AS statement,
           CASE WHEN withheld THEN 'primary' END AS suppression,
           run_key, computed_at
      FROM decided`.execute(db);
  await comment(db, 'bi.public_effect_sensitivity', 'How robust each event-study effect is to a failure of parallel trends (Rambachan & Roth 2023), for publication: withheld when the effect, or any event time of the outcome it rests on, is withheld by the disclosure rule (results.disclosure_settings). The full analysis is in bi.effect_sensitivity and bi.effect_sensitivity_bounds.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    target: 'effect_at_0: the effect in the award year; average_post: the average effect over the post-award years.',
    status: 'computed, or not_computed when the event study cannot carry the analysis.',
    estimate: 'Effect under parallel trends; null when withheld.',
    original_low: 'Lower end of the ordinary interval; null when withheld.',
    original_high: 'Upper end of the ordinary interval; null when withheld.',
    confidence_level: 'Confidence level of the intervals.',
    breakdown_mbar: 'Smallest M-bar (post-award change in the difference of trends, as a multiple of the largest pre-award change) at which the robust interval includes zero; null when withheld or not reached.',
    breakdown_m: 'Smallest M (change in the slope of the difference of trends per year, outcome units) at which the robust interval includes zero; null when withheld or not reached.',
    statement: 'The breakdown values in words; null when withheld.',
    suppression: 'primary when withheld under the disclosure rule; null when published.',
    run_key: 'Evaluation run that produced the analysis.',
    computed_at: 'When that run finished.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.public_effect_sensitivity`.execute(db);
}
