import { sql, type Kysely } from 'kysely';

/**
 * The review sheets' row tables are indexed for their readers on (review_year, project_id), instead of keyed on
 * (review_year, project_id, file_sha256, line). The key checked what the load guarantees already: a file's rows are
 * copied in the one transaction that registers the file in raw.review_sheet_files, whose key refuses the same bytes
 * twice, and its lines are numbered once each as it is read. The readers (the views, review-sheets show, the report,
 * the catalogue draft, the findings) take a review year, or a project of it: the index's columns, the key's first two.
 * On a national year, copying 5-1's 191,568 rows took PostgreSQL 0.55-0.56 s with the index against 0.75-1.00 s with
 * the key, 3-1's 118,360 rows 0.44-0.55 s against 0.53-0.76 s (psql, three runs each, bench/README.md 2026-12-06 (15:08 UTC)).
 */
const TABLES = ['review_projects', 'review_budget', 'review_indicator_rows', 'review_edges', 'review_checks', 'review_payee_rows'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await sql.raw(`ALTER TABLE core.${table} DROP CONSTRAINT ${table}_pkey`).execute(db);
    await sql.raw(`CREATE INDEX ${table}_year_project ON core.${table} (review_year, project_id)`).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await sql.raw(`DROP INDEX core.${table}_year_project`).execute(db);
    await sql.raw(`ALTER TABLE core.${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (review_year, project_id, file_sha256, line)`).execute(db);
  }
}
