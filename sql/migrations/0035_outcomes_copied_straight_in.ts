import { sql, type Kysely } from 'kysely';

/**
 * A fresh outcome load copies its rows straight into core.outcomes instead of into a staging table and then through
 * an INSERT … SELECT (ingest/loading/bulk-targets.ts). The rows of one COPY share their programme and file, and the
 * parse worker's lines carry neither: the load names both for its transaction (`SET LOCAL`), and these defaults
 * take them from there. Outside such a transaction the settings are unset, or empty text once a transaction on the
 * connection has set them: either way the defaults are null and NOT NULL refuses the row, so no other writer can take
 * a programme or file from them by mistake.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE core.outcomes ALTER COLUMN programme_id SET DEFAULT nullif(current_setting('ebpm.loading_programme_id', true), '')`.execute(db);
  await sql`ALTER TABLE core.outcomes ALTER COLUMN source_file_sha256 SET DEFAULT nullif(current_setting('ebpm.loading_file_sha256', true), '')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE core.outcomes ALTER COLUMN programme_id DROP DEFAULT`.execute(db);
  await sql`ALTER TABLE core.outcomes ALTER COLUMN source_file_sha256 DROP DEFAULT`.execute(db);
}
