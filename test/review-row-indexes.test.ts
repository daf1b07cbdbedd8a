/**
 * The review sheets' row tables are indexed on (review_year, project_id) for their readers, not keyed (migration 0047),
 * the four large ones of them by block range (0051, with 3-1's indicators by year of 0039): each row is still stored once, because a file's rows come in the
 * transaction that registers its bytes, and both migrations go both ways over loaded rows.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isLoadedTable } from '../review-sheets/published-headers.js';
import { parseReviewFileName } from '../review-sheets/file-name.js';
import { storeReviewSheet } from '../review-sheets/store-file.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { migratedDatabaseOfTheBlock, sheetSource } from './support/migrated-database.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const TABLES = ['review_projects', 'review_budget', 'review_indicator_rows', 'review_edges', 'review_checks', 'review_payee_rows'];

const source = (name: string) => sheetSource(name, readFileSync(join(FIXTURES, name)));

describe('the review sheets\' row tables', () => {
  const database = migratedDatabaseOfTheBlock('m0047');

  /** Each table's rows and how many distinct (file, line) they hold. */
  async function counts(): Promise<Record<string, { rows: number; lines: number }>> {
    const result: Record<string, { rows: number; lines: number }> = {};
    for (const table of TABLES) {
      const { rows } = await sql<{ rows: number; lines: number }>`
        SELECT count(*)::integer AS rows, count(DISTINCT (file_sha256, line))::integer AS lines FROM ${sql.table(`core.${table}`)}`.execute(database());
      result[table] = rows[0];
    }
    return result;
  }

  const indexes = async () =>
    (
      await sql<{ definition: string }>`
        SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index
         WHERE indrelid = ANY (${TABLES.map((table) => `core.${table}`)}::regclass[]) ORDER BY 1`.execute(database())
    ).rows.map((row) => row.definition.replace(/ USING btree/, ''));



  it('store each row once when the same files are loaded twice, and are indexed on year and project through the migrations both ways', async () => {
    const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.csv') && isLoadedTable(parseReviewFileName(name).table));
    expect(names).toHaveLength(TABLES.length);
    for (const name of names) expect(await storeReviewSheet(database(), source(name)), name).toMatchObject({ skipped: false });
    const once = await counts();
    for (const table of TABLES) {
      expect(once[table].rows, table).toBeGreaterThan(0);
      expect(once[table].lines, table).toBe(once[table].rows);
    }
    for (const name of names) expect(await storeReviewSheet(database(), source(name)), name).toMatchObject({ skipped: true });
    expect(await counts()).toEqual(once);
    // By block range (0051) where a table holds many rows of a project, by btree where it holds one.
    const byRange = new Set(['review_budget', 'review_indicator_rows', 'review_edges', 'review_payee_rows']);
    const indexed = TABLES.map((table) =>
      byRange.has(table)
        ? `CREATE INDEX ${table}_year_project_ranges ON core.${table} USING brin (review_year, project_id) WITH (pages_per_range='32')`
        : `CREATE INDEX ${table}_year_project ON core.${table} (review_year, project_id)`,
    ).sort();
    expect(await indexes()).toEqual(indexed);
    const indicatorValuesIndex = async () =>
      (await sql<{ definition: string }>`SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indrelid = 'core.review_indicator_values'::regclass`.execute(database())).rows.map((row) => row.definition);
    expect(await indicatorValuesIndex()).toEqual([
      `CREATE INDEX review_indicator_values_year_project_ranges ON core.review_indicator_values USING brin (review_year, project_id) WITH (pages_per_range='32')`,
    ]);
    // 0051 undone: each table by btree again, over the loaded rows.
    await migrateTo(database(), '0050_corporate_numbers_checked_without_regex');
    expect(await indexes()).toEqual(TABLES.map((table) => `CREATE INDEX ${table}_year_project ON core.${table} (review_year, project_id)`).sort());
    expect(await indicatorValuesIndex()).toEqual([`CREATE INDEX review_indicator_values_year_project_rows ON core.review_indicator_values USING btree (review_year, project_id)`]);
    expect(await counts()).toEqual(once);
    await migrateToLatest(database());
    expect(await indexes()).toEqual(indexed);

    // Back to the key, over the loaded rows, and forward again.
    await migrateTo(database(), '0046_review_payees_block_names_joined');
    expect(await indexes()).toEqual(TABLES.map((table) => `CREATE UNIQUE INDEX ${table}_pkey ON core.${table} (review_year, project_id, file_sha256, line)`).sort());
    await migrateToLatest(database());
    expect(await indexes()).toEqual(indexed);
    expect(await counts()).toEqual(once);
  });
});
