import { sql, type Kysely } from 'kysely';

/**
 * The five large review row tables are indexed on (review_year, project_id) by block range (BRIN), not by btree. A
 * file's rows come project by project (in 予算事業ID order in the published excerpt of review year 2024 and in ebpm's
 * synthetic files), so each range of 32 pages holds a few projects of one review year, and the index keeps only each
 * range's least and greatest year and project. A btree took an entry per row: on a national year, psql copying 5-1's
 * 191,568 rows took 402-436 ms with it against 300-315 ms with the block-range index plus 32-34 ms to summarise the
 * new ranges, 3-1's 118,360 rows 337-369 ms against 259-275 ms plus 21-26 ms (three runs each; bench/README.md,
 * "2026-12-07 (09:00 UTC)"). A reader of one project (review-sheets show, the report, a BI tool's filter) rechecks
 * the rows of the ranges that may hold it: on that year, counting one project's rows of each bi.review_* view took
 * 0.25-3.0 ms just after a load, against 0.3-2.4 ms with the btree; a file out of project order would lose only that
 * speed. The readers of a whole review year (the findings, the views read whole) scan the table either way.
 *
 * The ranges a load fills are summarised by the load's last step (analyseLoadedTable, before its ANALYZE). For a load
 * whose last step never ran, a VACUUM (autovacuum's, after many inserts) summarises the full ranges, and the next
 * load's last step every range left; until then a reader rechecks those ranges' rows, and finds the same rows.
 * autosummarize is off: the last step does the work, and autovacuum's queue of such requests (256) would overflow at a
 * national year's several hundred ranges, with a line in the server's log for each request lost.
 * core.review_projects and core.review_checks (a row per project) keep their btree.
 */
const TABLES = [
  { table: 'review_budget', btree: 'review_budget_year_project' },
  { table: 'review_indicator_rows', btree: 'review_indicator_rows_year_project' },
  { table: 'review_indicator_values', btree: 'review_indicator_values_year_project_rows' },
  { table: 'review_edges', btree: 'review_edges_year_project' },
  { table: 'review_payee_rows', btree: 'review_payee_rows_year_project' },
] as const;

/** Pages per range: 32 pages (256 KB) hold about 1,600 rows of 5-1, so one project's read rechecks a few thousand rows. */
const PAGES_PER_RANGE = 32;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const { table, btree } of TABLES) {
    await sql.raw(`DROP INDEX core.${btree}`).execute(db);
    await sql.raw(`CREATE INDEX ${table}_year_project_ranges ON core.${table} USING brin (review_year, project_id) WITH (pages_per_range = ${PAGES_PER_RANGE})`).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const { table, btree } of TABLES) {
    await sql.raw(`DROP INDEX core.${table}_year_project_ranges`).execute(db);
    await sql.raw(`CREATE INDEX ${btree} ON core.${table} (review_year, project_id)`).execute(db);
  }
}
