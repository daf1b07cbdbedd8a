/** What the tests that stop a review-sheet file's load part-way share: a large file made from a fixture, and a COPY seen running. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../sql/database.js';
import { REVIEW_SHEET_FIXTURES } from './review-sheet-years.js';

/** The published fixture `fileName` (its header once, its records `times` over), as bytes: more COPY text than one chunk. */
export function publishedRecordsRepeated(fileName: string, times: number): Buffer {
  const published = readFileSync(join(REVIEW_SHEET_FIXTURES, fileName), 'utf8');
  const headerEnd = published.indexOf('\n') + 1;
  return Buffer.from(published.slice(0, headerEnd) + published.slice(headerEnd).repeat(times), 'utf8');
}

/** Whether a COPY into a table whose name starts with `tablePrefix` (e.g. `core.review`) runs on `db`'s database. */
export async function reviewCopyRunning(db: Kysely<Database>, tablePrefix: string): Promise<boolean> {
  const { rows } = await sql<{ running: number }>`
    SELECT count(*)::integer AS running FROM pg_stat_activity
     WHERE datname = current_database() AND state = 'active' AND query LIKE ${`COPY ${tablePrefix}%`}`.execute(db);
  return rows[0].running > 0;
}
