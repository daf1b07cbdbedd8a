import type { Kysely } from 'kysely';
import { dematerialize, materialize, type Materialization } from './materialized-views.js';

/**
 * bi.review_findings becomes a materialized view, refreshed once at the end of each review-sheet load (the
 * workflow's last step, activity refreshReviewViews). As a plain view it recomputed its seven checks on every read:
 * `ebpm review-sheets check`, `show` and each report page paid for the whole national year (2–40 s at 5,700
 * projects, depending on whether the freshly loaded tables had statistics yet).
 *
 * The query, the column comments and the view comment are carried over from the view in force (migration 0026), so
 * the columns and rows stay the same. Readers select one review year, or one project of a review year: one index on
 * (review_year, project_id) serves both. No unique key exists (two payees of one block may repeat a finding word for
 * word), so it is refreshed without CONCURRENTLY, and the evaluation workflow's refresh of the bi views leaves it to
 * the review-sheet load.
 */
const FINDINGS: Materialization = {
  view: 'bi.review_findings',
  index: { name: 'review_findings_year_project', columns: ['review_year', 'project_id'] },
  refreshed: ' Materialized: refreshed at the end of each review-sheet load (ebpm review-sheets load, ebpm demo).',
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await materialize(db, FINDINGS);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await dematerialize(db, FINDINGS);
}
