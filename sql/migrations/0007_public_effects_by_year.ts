import { sql, type Kysely } from 'kysely';
import { createPublicEffectCellsView } from './view-helpers.js';

/** The by-year effects for publication, under the same disclosure rule as the cohort table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createPublicEffectCellsView(db, {
    view: 'bi.public_effects_by_year',
    description: 'Effects by fiscal year for publication: a year whose estimate rests on fewer awarded firms than the disclosure minimum (results.disclosure_settings, default 10) is suppressed, and so is the next-smallest year when only one is, so no suppressed value can be derived from the overall average and the rest.',
    estimator: 'cs_calendar',
    keyColumn: 'period',
    key: { name: 'fiscal_year', comment: 'Fiscal year.' },
    estimateComment: 'Average effect in that year over the cohorts already awarded; null when suppressed.',
    firmsComment: 'Awarded firms behind the estimate (the cohorts awarded by that year); null when suppressed.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.public_effects_by_year`.execute(db);
}
