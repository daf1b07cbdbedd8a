import type { Kysely } from 'kysely';
import { dematerialize, materialize, type Materialization } from './materialized-views.js';

/**
 * bi.review_indicator_values becomes a materialized view, refreshed with bi.review_findings at the end of each
 * review-sheet load. As a plain view every read spread 3-1's year cells out of their JSON again and grouped them:
 * about 2 s for a national year (5,700 projects) whether a BI tool read it all or a report read one project, where
 * the materialized view is read in milliseconds and the refresh adds about a second to the load.
 *
 * Its query, comments and columns are carried over from the view in force (migration 0025, comments 0026).
 * Readers select one review year, or one project of a review year.
 */
const INDICATOR_VALUES: Materialization = {
  view: 'bi.review_indicator_values',
  index: { name: 'review_indicator_values_year_project', columns: ['review_year', 'project_id'] },
  refreshed: ' Materialized: refreshed at the end of each review-sheet load (ebpm review-sheets load, ebpm demo).',
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await materialize(db, INDICATOR_VALUES);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await dematerialize(db, INDICATOR_VALUES);
}
