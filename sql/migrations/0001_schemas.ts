import { sql, type Kysely } from 'kysely';

/** One schema per layer: raw input as received, the cleaned core model, computed results, and what BI reads. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS raw`.execute(db);
  await sql`CREATE SCHEMA IF NOT EXISTS core`.execute(db);
  await sql`CREATE SCHEMA IF NOT EXISTS results`.execute(db);
  await sql`CREATE SCHEMA IF NOT EXISTS bi`.execute(db);
  await sql`CREATE SCHEMA IF NOT EXISTS restricted`.execute(db);
  // Only the owner reads personal data; no role is granted this schema (BI roles get bi only).
  await sql`REVOKE ALL ON SCHEMA restricted FROM PUBLIC`.execute(db);
  await sql`COMMENT ON SCHEMA restricted IS 'Personal data of applicants (representatives, addresses, phone numbers, e-mail), stored only with consent. Never granted to BI roles.'`.execute(db);
  await sql`COMMENT ON SCHEMA raw IS 'Input files as received: one row per file with its row account, and every rejected row with its reasons.'`.execute(db);
  await sql`COMMENT ON SCHEMA core IS 'The cleaned model: programmes, indicators, firms, applications and yearly outcomes.'`.execute(db);
  await sql`COMMENT ON SCHEMA results IS 'Evaluation runs and what they computed: KPI values and effect estimates, with lineage.'`.execute(db);
  await sql`COMMENT ON SCHEMA bi IS 'Stable views for BI tools (Metabase, Superset, Tableau, Excel). Read these, not the tables.'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const schema of ['restricted', 'bi', 'results', 'core', 'raw']) await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db);
}
