import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { openDatabaseReadying } from '../cli/services.js';
import { readEnvironment } from '../config/environment.js';
import { databaseName, dropDatabase, openDatabase, withDatabaseName } from '../runtime/database.js';
import { MIGRATION_NAMES } from '../sql/migration-names.js';
import { MIGRATIONS, migrateTo, migrateToLatest } from '../sql/migrate.js';
import { schemaIsCurrent } from '../sql/schema-current.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** A database name of this run's that no test has created. */
function unusedDatabaseUrl(): string {
  const templateUrl = inject('templateDatabaseUrl');
  return withDatabaseName(templateUrl, `${databaseName(templateUrl)}_new_${randomBytes(4).toString('hex')}`);
}

describe('telling that a database schema is current', () => {
  it('lists the migrator’s migrations by name, in order', () => {
    expect(MIGRATION_NAMES).toEqual(Object.keys(MIGRATIONS));
  });

  it('is current with every migration applied, and not when the last is undone or an unknown one is recorded', async () => {
    expect(await schemaIsCurrent(database.db)).toBe(true);
    await migrateTo(database.db, MIGRATION_NAMES[MIGRATION_NAMES.length - 2]);
    expect(await schemaIsCurrent(database.db)).toBe(false);
    await migrateToLatest(database.db);
    expect(await schemaIsCurrent(database.db)).toBe(true);
    await sql`INSERT INTO public.ebpm_migrations (name, timestamp) VALUES ('9999_from_another_branch', now()::text)`.execute(database.db);
    try {
      expect(await schemaIsCurrent(database.db)).toBe(false);
    } finally {
      await sql`DELETE FROM public.ebpm_migrations WHERE name = '9999_from_another_branch'`.execute(database.db);
    }
  });

  it('is not current for a database that does not exist or was never migrated', async () => {
    const url = unusedDatabaseUrl();
    const missing = openDatabase(url, 1);
    try {
      expect(await schemaIsCurrent(missing)).toBe(false);
    } finally {
      await missing.destroy();
    }
    const empty = openDatabase(url, 1);
    try {
      await sql.raw(`CREATE DATABASE ${databaseName(url)}`).execute(database.db);
      expect(await schemaIsCurrent(empty)).toBe(false);
    } finally {
      await empty.destroy();
      await dropDatabase(url);
    }
  });

  it('creates and migrates a missing database at a command’s start, then finds it up to date at the next', async () => {
    const url = unusedDatabaseUrl();
    const environment = readEnvironment({ DATABASE_URL: url });
    try {
      for (const expected of [[`Created database ${url}.`, `Applied migrations: ${MIGRATION_NAMES.join(', ')}.`], ['Database schema is up to date.']]) {
        const lines: string[] = [];
        const { db, ready } = openDatabaseReadying(environment, (line) => lines.push(line));
        try {
          await ready;
          expect(lines).toEqual(expected);
          expect(await schemaIsCurrent(db)).toBe(true);
        } finally {
          await db.destroy();
        }
      }
    } finally {
      await dropDatabase(url);
    }
  });
});
