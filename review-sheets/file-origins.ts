/** Whether what an output shows comes from the RS system's files or from synthetic ones, read from the register. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../sql/database.js';
import { originsOf, PUBLISHED_ONLY, type ReviewSheetOrigins } from './attribution.js';

/** The origins of the files in force for the review years (what the views show of them). */
export async function originsOfReviewYears(db: Kysely<Database>, reviewYears: readonly number[]): Promise<ReviewSheetOrigins> {
  if (reviewYears.length === 0) return PUBLISHED_ONLY;
  const { rows } = await sql<{ synthetic: boolean; table: string; reviewYear: number }>`
    SELECT synthetic, sheet_table AS "table", review_year AS "reviewYear" FROM raw.review_sheet_files
     WHERE status = 'loaded' AND review_year IN (${sql.join(reviewYears)})`.execute(db);
  return originsOf(rows);
}
