/**
 * A database of its own for a describe block whose tests migrate down and up: named after the run's template, so that
 * the run's clean-up drops it should the block fail half-way; migrated to the latest before the tests, dropped after.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, inject } from 'vitest';
import type { ReviewSheetSource } from '../../review-sheets/store-file.js';
import { databaseName, dropDatabase, ensureDatabaseExists, openDatabase, withDatabaseName } from '../../runtime/database.js';
import type { Database } from '../../sql/database.js';
import { migrateToLatest } from '../../sql/migrate.js';

/** A database named after the run's template and `label`, which the run's clean-up drops with the template's clones. */
function databaseOfTheRun(label: string): string {
  const templateUrl = inject('templateDatabaseUrl');
  return withDatabaseName(templateUrl, `${databaseName(templateUrl)}_${label}_${process.pid}`);
}

/** Registers the block's hooks; the handle is there from the first test on. */
export function migratedDatabaseOfTheBlock(label: string): () => Kysely<Database> {
  let db: Kysely<Database> | undefined;
  let url: string | undefined;
  beforeAll(async () => {
    url = databaseOfTheRun(label);
    await ensureDatabaseExists(url);
    db = openDatabase(url, 2);
    await migrateToLatest(db);
  }, 60_000);
  afterAll(async () => {
    await db?.destroy();
    if (url) await dropDatabase(url);
  });
  return () => {
    if (!db) throw new Error(`the database of ${label} is used before its beforeAll ran`);
    return db;
  };
}

/**
 * Runs `test` on a database of its own, left unmigrated for the test to migrate (a migration's test starts from the
 * one before it): named after the run's template, so that the run's clean-up drops it should the test fail half-way;
 * dropped when the test ends.
 */
export async function withDatabaseOfTheTest(label: string, test: (db: Kysely<Database>) => Promise<void>): Promise<void> {
  const url = databaseOfTheRun(label);
  await ensureDatabaseExists(url);
  const db = openDatabase(url, 2);
  try {
    await test(db);
  } finally {
    await db.destroy();
    await dropDatabase(url);
  }
}

/** A review-sheet file's bytes as the store reads them, under its published name (no size: parsed on a thread). */
export function sheetSource(name: string, bytes: Buffer): ReviewSheetSource {
  return {
    label: name,
    fileName: name,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    pieces: async function* () {
      yield bytes;
    },
  };
}
