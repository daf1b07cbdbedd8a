/**
 * The review sheets' row tables are indexed on (review_year, project_id) for their readers, not keyed (migration 0047):
 * each row is still stored once, because a file's rows come in the transaction that registers its bytes, and the
 * migration goes both ways over loaded rows.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isLoadedTable } from '../review-sheets/published-headers.js';
import { parseReviewFileName } from '../review-sheets/file-name.js';
import { storeReviewSheet, type ReviewSheetSource } from '../review-sheets/store-file.js';
import { databaseName, dropDatabase, ensureDatabaseExists, openDatabase, withDatabaseName } from '../runtime/database.js';
import type { Database } from '../sql/database.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const TABLES = ['review_projects', 'review_budget', 'review_indicator_rows', 'review_edges', 'review_checks', 'review_payee_rows'];

function source(name: string): ReviewSheetSource {
  const bytes = readFileSync(join(FIXTURES, name));
  return {
    label: name,
    fileName: name,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    pieces: async function* () {
      yield bytes;
    },
  };
}

describe('the review sheets\' row tables', () => {
  let db: Kysely<Database>;
  let url: string;

  /** Each table's rows and how many distinct (file, line) they hold. */
  async function counts(): Promise<Record<string, { rows: number; lines: number }>> {
    const result: Record<string, { rows: number; lines: number }> = {};
    for (const table of TABLES) {
      const { rows } = await sql<{ rows: number; lines: number }>`
        SELECT count(*)::integer AS rows, count(DISTINCT (file_sha256, line))::integer AS lines FROM ${sql.table(`core.${table}`)}`.execute(db);
      result[table] = rows[0];
    }
    return result;
  }

  const indexes = async () =>
    (
      await sql<{ definition: string }>`
        SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index
         WHERE indrelid = ANY (${TABLES.map((table) => `core.${table}`)}::regclass[]) ORDER BY 1`.execute(db)
    ).rows.map((row) => row.definition.replace(/ USING btree/, ''));

  beforeAll(async () => {
    const templateUrl = inject('templateDatabaseUrl');
    // Named after the run's template, so that the run's clean-up drops it should this test fail half-way.
    url = withDatabaseName(templateUrl, `${databaseName(templateUrl)}_m0047_${process.pid}`);
    await ensureDatabaseExists(url);
    db = openDatabase(url, 2);
    await migrateToLatest(db);
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    if (url) await dropDatabase(url);
  });

  it('store each row once when the same files are loaded twice, and are indexed on year and project through the migration both ways', async () => {
    const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.csv') && isLoadedTable(parseReviewFileName(name).table));
    expect(names).toHaveLength(TABLES.length);
    for (const name of names) expect(await storeReviewSheet(db, source(name)), name).toMatchObject({ skipped: false });
    const once = await counts();
    for (const table of TABLES) {
      expect(once[table].rows, table).toBeGreaterThan(0);
      expect(once[table].lines, table).toBe(once[table].rows);
    }
    for (const name of names) expect(await storeReviewSheet(db, source(name)), name).toMatchObject({ skipped: true });
    expect(await counts()).toEqual(once);
    const indexed = TABLES.map((table) => `CREATE INDEX ${table}_year_project ON core.${table} (review_year, project_id)`).sort();
    expect(await indexes()).toEqual(indexed);

    // Back to the key, over the loaded rows, and forward again.
    await migrateTo(db, '0046_review_payees_block_names_joined');
    expect(await indexes()).toEqual(TABLES.map((table) => `CREATE UNIQUE INDEX ${table}_pkey ON core.${table} (review_year, project_id, file_sha256, line)`).sort());
    await migrateToLatest(db);
    expect(await indexes()).toEqual(indexed);
    expect(await counts()).toEqual(once);
  });
});
