import { sql, type Kysely } from 'kysely';
import { createPublicEffectCellsView } from './view-helpers.js';

/**
 * The event study for publication, under the same disclosure rule as the cohort and year tables. An
 * event time rests on the cohorts observed that many years from their award: the longest horizons rest
 * on the earliest cohort alone, and those are the cells the rule withholds first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createPublicEffectCellsView(db, {
    view: 'bi.public_event_study',
    description:
      'Callaway & Sant\'Anna event study (effect by years since award) for publication: an event time whose estimate rests on fewer awarded firms than the disclosure minimum (results.disclosure_settings, default 10) is suppressed, and so is the next-smallest when only one is, so no suppressed value can be derived from the published average and the rest (conservatively also when the withheld cell is a pre-award one, which no published average includes).',
    estimator: 'cs_dynamic',
    keyColumn: 'event_time',
    key: { name: 'event_time', comment: 'Fiscal years since the award year (0 = the award year; negative = before it, a check of parallel trends).' },
    estimateComment: 'Estimated effect at this event time; null when suppressed.',
    firmsComment: 'Awarded firms behind the estimate (the cohorts observed at this event time); null when suppressed.',
    bands: true,
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.public_event_study`.execute(db);
}
