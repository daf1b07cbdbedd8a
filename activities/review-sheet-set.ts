/**
 * The review-sheet load's activities alone, for the worker that `ebpm review-sheets load` runs in its own process:
 * registering every activity (activities/index.ts) would load the study, KPI and ingest code and start the study
 * threads, which such a worker never uses (a quarter of a second of the command's start, and a core taken from the
 * load on a 2-core machine while the threads prepared their normal draws).
 */
import type { Kysely } from 'kysely';
import { noEbpmMetrics, type EbpmMetrics } from '../runtime/ebpm-metrics.js';
import { silentLog, type WorkerLog } from '../runtime/logging.js';
import type { Database } from '../sql/database.js';
import { instrumentActivities } from './instrumented.js';
import type { ReviewSheetActivityName } from './review-sheet-activity-names.js';
import { createReviewSheetActivities } from './review-sheets.js';

export function createReviewSheetActivitySet(services: { readonly db: Kysely<Database>; readonly inputDir?: string; readonly metrics?: EbpmMetrics; readonly log?: WorkerLog }) {
  return instrumentActivities(createReviewSheetActivities(services.db, { inputDir: services.inputDir }), services.metrics ?? noEbpmMetrics, services.log ?? silentLog);
}

type SetName = keyof ReturnType<typeof createReviewSheetActivitySet>;
/** Fails to compile when the set and REVIEW_SHEET_ACTIVITY_NAMES differ: the worker binds those names before this module loads. */
export const REVIEW_SHEET_SET_HAS_THE_NAMES: [SetName] extends [ReviewSheetActivityName] ? ([ReviewSheetActivityName] extends [SetName] ? true : never) : never = true;
