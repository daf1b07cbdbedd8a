import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../sql/database.js';

/**
 * A table of rows that refer to a review-sheet file by its digest: a row of a file not registered is refused, a file
 * its rows refer to cannot be removed, and once its rows are gone it can. `insert` adds one row of the file.
 */
export async function expectReviewFileReferenceChecked(db: Kysely<Database>, table: string, insert: (sha256: string) => Promise<unknown>): Promise<void> {
  await expect(insert('e'.repeat(64))).rejects.toThrow(/is not in raw\.review_sheet_files/);
  const sha = 'f'.repeat(64);
  await sql`INSERT INTO raw.review_sheet_files (file_sha256, file_name, sheet_table, review_year, records, loaded, quarantined, status)
            VALUES (${sha}, '3-1_RS_2016_x.csv', '3-1', 2016, 1, 1, 0, 'loaded')`.execute(db);
  await insert(sha);
  await expect(sql`DELETE FROM raw.review_sheet_files WHERE file_sha256 = ${sha}`.execute(db)).rejects.toThrow(`still referred to by ${table}`);
  await sql`DELETE FROM ${sql.table(table)} WHERE file_sha256 = ${sha}`.execute(db);
  await sql`DELETE FROM raw.review_sheet_files WHERE file_sha256 = ${sha}`.execute(db);
}
