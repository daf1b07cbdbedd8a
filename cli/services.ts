/**
 * Opens what a command needs: the database (created and migrated when missing) and, when asked, Temporal.
 */
import type { Kysely } from 'kysely';
import type { EbpmEnvironment } from '../config/environment.js';
import { checkConnection, ensureDatabaseExists, openDatabase, redactPassword } from '../runtime/database.js';
import type { TemporalSession } from '../runtime/temporal.js';
import type { Database } from '../sql/database.js';
import { configureBiReader, configureDisclosure } from '../sql/database-settings.js';
import { schemaIsCurrent } from '../sql/schema-current.js';
import { openTemporalSession } from './temporal-session.js';

export { openTemporalSession };

export interface Services {
  readonly db: Kysely<Database>;
  readonly temporal: TemporalSession | undefined;
  close(): Promise<void>;
}

/** A database handle to use at once, and its readiness: created when missing, reachable, migrated and configured. */
export interface ReadyingDatabase {
  readonly db: Kysely<Database>;
  /** Awaited before the database is used; a handle whose readiness failed is still destroyed by its holder. */
  readonly ready: Promise<void>;
}

/**
 * Opens the database and makes it ready in the background, so that a command can make its Temporal worker meanwhile,
 * while the schema's check waits on PostgreSQL (bench/README.md, 2026-12-06 (15:08 UTC)). The pool connects at the first
 * query; a database that does not exist yet fails it, and is then created before the migrations run.
 */
export function openDatabaseReadying(environment: EbpmEnvironment, log: (line: string) => void): ReadyingDatabase {
  const db = openDatabase(environment.databaseUrl);
  const ready = (async () => {
    // A database already up to date, the usual case, is told in two statements; the migrations are loaded otherwise.
    if (await schemaIsCurrent(db)) log('Database schema is up to date.');
    else {
      if (await ensureDatabaseExists(environment.databaseUrl)) log(`Created database ${redactPassword(environment.databaseUrl)}.`);
      await checkConnection(db, environment.databaseUrl);
      const { migrateToLatest } = await import('../sql/migrate.js');
      const applied = (await migrateToLatest(db)).filter((result) => result.status === 'Success');
      log(applied.length ? `Applied migrations: ${applied.map((m) => m.migrationName).join(', ')}.` : 'Database schema is up to date.');
    }
    await configureBiReader(db, environment.biReaderPassword);
    await configureDisclosure(db, environment.minCellUnits);
  })();
  // Awaited by the holder once its own start-up is done; a failure before then is not an unhandled rejection.
  ready.catch(() => undefined);
  return { db, ready };
}

export async function openDatabaseReady(environment: EbpmEnvironment, log: (line: string) => void): Promise<Kysely<Database>> {
  const { db, ready } = openDatabaseReadying(environment, log);
  try {
    await ready;
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

export async function openServices(environment: EbpmEnvironment, log: (line: string) => void, needs: { temporal: boolean }): Promise<Services> {
  const db = await openDatabaseReady(environment, log);
  let temporal: TemporalSession | undefined;
  try {
    if (needs.temporal) temporal = await openTemporalSession(environment, log);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    db,
    temporal,
    async close() {
      await temporal?.close();
      await db.destroy();
    },
  };
}
