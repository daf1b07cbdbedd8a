import { sql, type Kysely } from 'kysely';

/**
 * Which load attempt finished each input file: the workflow run and activity that marked it complete. A retried
 * ingestion activity whose first attempt committed the file (and then died before it could report) finds its own
 * key here and reports the file as loaded, with its account, not as a duplicate some other load had sent before.
 * Null for files loaded outside an activity (scripts, tests) and for those loaded before this migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE raw.input_files ADD COLUMN loaded_by text`.execute(db);
  await sql`COMMENT ON COLUMN raw.input_files.loaded_by IS 'The load attempt that completed the file: workflow run id and activity id (null outside an activity)'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE raw.input_files DROP COLUMN loaded_by`.execute(db);
}
