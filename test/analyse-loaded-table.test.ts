/**
 * The ANALYZE after a bulk load (ingest and review sheets) runs at a low statistics target: the planner gets the row
 * count and a coarse distribution at a seventh to a ninth of the cost. Before it, the table's block-range indexes
 * summarise the ranges the load filled.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseLoadedTable, LOADED_TABLE_STATISTICS_TARGET, openDatabase } from '../runtime/database.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await sql`CREATE SCHEMA scratch`.execute(database.db);
  // A name that must be quoted: a capital letter and a space.
  // Autovacuum kept off it, so that only the ANALYZE under test counts the rows (where autovacuum runs, it could
  // analyse the table first, at the default target).
  await sql`CREATE TABLE scratch."Loaded Rows" (id integer NOT NULL, label text NOT NULL) WITH (autovacuum_enabled = false)`.execute(database.db);
  await sql`INSERT INTO scratch."Loaded Rows" SELECT n, 'unit-' || n FROM generate_series(1, 20000) AS n`.execute(database.db);
}, 60_000);

afterAll(async () => {
  await database?.drop();
});

describe('analysing a table just loaded', () => {
  it('leaves the planner the loaded row count, with histograms of the low target rather than the default 100', async () => {
    const before = await sql<{ estimated: number }>`SELECT reltuples::integer AS estimated FROM pg_class WHERE oid = 'scratch."Loaded Rows"'::regclass`.execute(database.db);
    // Never analysed or vacuumed: PostgreSQL says so with -1.
    expect(before.rows[0].estimated).toBe(-1);

    await analyseLoadedTable(database.db, 'scratch.Loaded Rows');

    const counted = await sql<{ estimated: number; analysed: boolean }>`
      SELECT c.reltuples::integer AS estimated, s.last_analyze IS NOT NULL AS analysed
        FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
       WHERE c.oid = 'scratch."Loaded Rows"'::regclass`.execute(database.db);
    expect(counted.rows[0]).toEqual({ estimated: 20000, analysed: true });
    // 20,000 distinct ids: the default target would keep 101 histogram bounds; the loaded-table target keeps target + 1.
    const histogram = await sql<{ bounds: number }>`
      SELECT array_length(histogram_bounds::text::text[], 1) AS bounds
        FROM pg_stats WHERE schemaname = 'scratch' AND tablename = 'Loaded Rows' AND attname = 'id'`.execute(database.db);
    expect(histogram.rows[0].bounds).toBe(LOADED_TABLE_STATISTICS_TARGET + 1);
  });

  it('summarises the page ranges its block-range indexes have not summarised yet, and leaves another table\'s', async () => {
    for (const name of ['Ranged Rows', 'Other Rows']) {
      await sql.raw(`CREATE TABLE scratch."${name}" (id integer NOT NULL) WITH (autovacuum_enabled = false)`).execute(database.db);
      await sql.raw(`CREATE INDEX ON scratch."${name}" USING brin (id) WITH (pages_per_range = 4)`).execute(database.db);
      await sql.raw(`INSERT INTO scratch."${name}" SELECT generate_series(1, 20000)`).execute(database.db);
    }
    await analyseLoadedTable(database.db, 'scratch.Ranged Rows');
    const left = async (name: string) =>
      (
        await sql<{ summarised: number }>`
          SELECT sum(brin_summarize_new_values(indexrelid::regclass))::integer AS summarised FROM pg_index WHERE indrelid = ${`scratch."${name}"`}::regclass`.execute(database.db)
      ).rows[0].summarised;
    expect(await left('Ranged Rows')).toBe(0);
    // 20,000 integers fill about 22 pages: ranges of 4 pages that only the call summarises.
    expect(await left('Other Rows')).toBeGreaterThan(4);
  });

  it('leaves the ranges of an index its role does not own to their owner, as ANALYZE leaves the table, and does not fail', async () => {
    await sql.raw(`CREATE TABLE scratch."Owned Elsewhere" (id integer NOT NULL) WITH (autovacuum_enabled = false)`).execute(database.db);
    await sql.raw(`CREATE INDEX ON scratch."Owned Elsewhere" USING brin (id) WITH (pages_per_range = 4)`).execute(database.db);
    await sql.raw(`INSERT INTO scratch."Owned Elsewhere" SELECT generate_series(1, 20000)`).execute(database.db);
    const role = `ebpm_loader_${Date.now().toString(36)}`;
    await sql.raw(`CREATE ROLE ${role} LOGIN`).execute(database.db);
    await sql.raw(`GRANT USAGE ON SCHEMA scratch TO ${role}`).execute(database.db);
    const url = new URL(database.url);
    url.username = role;
    const other = openDatabase(url.toString(), 1);
    try {
      await analyseLoadedTable(other, 'scratch.Owned Elsewhere');
    } finally {
      await other.destroy();
      await sql.raw(`REVOKE ALL ON SCHEMA scratch FROM ${role}`).execute(database.db);
      await sql.raw(`DROP ROLE ${role}`).execute(database.db);
    }
    const left = await sql<{ summarised: number }>`
      SELECT sum(brin_summarize_new_values(indexrelid::regclass))::integer AS summarised FROM pg_index WHERE indrelid = 'scratch."Owned Elsewhere"'::regclass`.execute(database.db);
    expect(left.rows[0].summarised).toBeGreaterThan(4);
  });

  it('leaves the statistics target of the connection it used as it was', async () => {
    // One connection, so that the statement after the ANALYZE runs on the connection the ANALYZE ran on.
    const single = openDatabase(database.url, 1);
    try {
      await analyseLoadedTable(single, 'scratch.Loaded Rows');
      const setting = await sql<{ target: string }>`SELECT current_setting('default_statistics_target') AS target`.execute(single);
      expect(setting.rows[0].target).toBe('100');
    } finally {
      await single.destroy();
    }
  });
});
