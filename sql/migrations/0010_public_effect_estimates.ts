import { sql, type Kysely } from 'kysely';
import { comment, PROGRAMME_COLUMNS } from './view-helpers.js';

/**
 * The overall effects for publication. An overall effect pools every awarded firm of the programme, so it
 * is withheld only when all of them together are fewer than the disclosure minimum; then every cohort,
 * year and event time is withheld too, and no secondary suppression is needed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW bi.public_effect_estimates AS
    SELECT e.programme_id, e.programme_name_ja, e.programme_name_en, e.outcome, e.estimator, e.is_headline, e.status,
           CASE WHEN withheld THEN NULL ELSE e.estimate END AS estimate,
           CASE WHEN withheld THEN NULL ELSE e.ci_low END AS ci_low,
           CASE WHEN withheld THEN NULL ELSE e.ci_high END AS ci_high,
           CASE WHEN withheld THEN NULL ELSE e.p_value END AS p_value,
           e.confidence_level,
           CASE WHEN withheld THEN NULL ELSE e.treated_units END AS firms,
           CASE WHEN withheld THEN 'primary' END AS suppression,
           e.note, e.spec_hash, e.run_key, e.computed_at
      FROM bi.effect_estimates e
      CROSS JOIN results.disclosure_settings s
      CROSS JOIN LATERAL (SELECT coalesce(e.treated_units < s.min_cell_units, false) AS withheld) w`.execute(db);
  await comment(db, 'bi.public_effect_estimates', 'Overall effect of each programme on each outcome for publication: withheld when the awarded firms behind it are fewer than the disclosure minimum (results.disclosure_settings, default 10). is_headline marks the one to quote.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    estimator: 'cs_simple (headline), cs_dynamic, cs_group, cs_calendar, or twfe_static (comparison); see bi.effect_estimates.',
    is_headline: 'True for the estimate to quote (cs_simple).',
    status: 'estimated, or why not (then the note says).',
    estimate: 'Estimated effect; null when suppressed or not estimated.',
    ci_low: 'Lower bound of the confidence interval; null when suppressed.',
    ci_high: 'Upper bound of the confidence interval; null when suppressed.',
    p_value: 'Two-sided p-value for a zero effect; null when suppressed.',
    confidence_level: 'Confidence level of the interval.',
    firms: 'Awarded firms behind the estimate; null when suppressed.',
    suppression: 'primary when withheld for having fewer firms than the disclosure minimum; null when published.',
    note: 'Why an effect was not estimated, when it was not.',
    spec_hash: 'SHA-256 of the study spec used.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.public_effect_estimates`.execute(db);
}
