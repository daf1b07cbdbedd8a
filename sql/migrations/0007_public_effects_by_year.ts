import { sql, type Kysely } from 'kysely';
import { comment, PROGRAMME_COLUMNS, publicEffectCellsView } from './view-helpers.js';

/** The by-year effects for publication, under the same disclosure rule as the cohort table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await publicEffectCellsView('bi.public_effects_by_year', 'cs_calendar', 'period', 'fiscal_year').execute(db);
  await comment(db, 'bi.public_effects_by_year', 'Effects by fiscal year for publication: a year whose estimate rests on fewer awarded firms than the disclosure minimum (results.disclosure_settings, default 10) is suppressed, and so is the next-smallest year when only one is, so no suppressed value can be derived from the overall average and the rest.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    fiscal_year: 'Fiscal year.',
    estimate: 'Average effect in that year over the cohorts already awarded; null when suppressed.',
    ci_low: 'Lower bound of the 95% interval; null when suppressed.',
    ci_high: 'Upper bound of the 95% interval; null when suppressed.',
    firms: 'Awarded firms behind the estimate (the cohorts awarded by that year); null when suppressed.',
    suppression: 'primary (too few firms), secondary (to protect a primary cell), or null when published.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.public_effects_by_year`.execute(db);
}
