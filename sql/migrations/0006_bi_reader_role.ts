import { sql, type Kysely } from 'kysely';

/**
 * The role BI tools log in as: it reads the bi schema and nothing else (not raw, core, results or the
 * restricted personal data). Created without login; `ebpm migrate` enables login with the password in
 * EBPM_BI_READER_PASSWORD, so no password is written into a migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bi_reader') THEN
        CREATE ROLE bi_reader NOLOGIN;
      END IF;
    END
    $$`.execute(db);
  await sql`COMMENT ON ROLE bi_reader IS 'Read-only role for BI tools: SELECT on the bi schema only.'`.execute(db);
  await sql`GRANT USAGE ON SCHEMA bi TO bi_reader`.execute(db);
  await sql`GRANT SELECT ON ALL TABLES IN SCHEMA bi TO bi_reader`.execute(db);
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA bi GRANT SELECT ON TABLES TO bi_reader`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA bi REVOKE SELECT ON TABLES FROM bi_reader`.execute(db);
  await sql`REVOKE ALL ON ALL TABLES IN SCHEMA bi FROM bi_reader`.execute(db);
  await sql`REVOKE USAGE ON SCHEMA bi FROM bi_reader`.execute(db);
}
