/**
 * Opens what a command needs: the database (created and migrated when missing) and, when asked, Temporal.
 */
import type { Kysely } from 'kysely';
import type { EbpmEnvironment } from '../config/environment.js';
import { checkConnection, ensureDatabaseExists, openDatabase, redactPassword } from '../runtime/database.js';
import type { TemporalSession } from '../runtime/temporal.js';
import type { Database } from '../sql/database.js';
import { configureBiReader, configureDisclosure, migrateToLatest } from '../sql/migrate.js';

export interface Services {
  readonly db: Kysely<Database>;
  readonly temporal: TemporalSession | undefined;
  close(): Promise<void>;
}

export async function openDatabaseReady(environment: EbpmEnvironment, log: (line: string) => void): Promise<Kysely<Database>> {
  if (await ensureDatabaseExists(environment.databaseUrl)) log(`Created database ${redactPassword(environment.databaseUrl)}.`);
  const db = openDatabase(environment.databaseUrl);
  await checkConnection(db, environment.databaseUrl);
  const applied = (await migrateToLatest(db)).filter((result) => result.status === 'Success');
  log(applied.length ? `Applied migrations: ${applied.map((m) => m.migrationName).join(', ')}.` : 'Database schema is up to date.');
  await configureBiReader(db, environment.biReaderPassword);
  await configureDisclosure(db, environment.minCellUnits);
  return db;
}

/** The Temporal server of TEMPORAL_ADDRESS, or a dev server of our own when it is unset. */
export async function openTemporalSession(environment: EbpmEnvironment, log: (line: string) => void): Promise<TemporalSession> {
  if (!environment.temporalAddress) log('TEMPORAL_ADDRESS is not set: starting a local Temporal dev server.');
  // Loaded only here: the Temporal client takes most of a second to load, and the database-only commands
  // (migrate, consent, quarantine, report, metabase, review-sheets show) never use it.
  const { openTemporal } = await import('../runtime/temporal.js');
  const temporal = await openTemporal({
    address: environment.temporalAddress,
    namespace: environment.temporalNamespace,
    toolsDir: environment.toolsDir,
    log,
  });
  if (environment.temporalAddress) log(`Connected to Temporal at ${temporal.address} (namespace ${temporal.namespace}).`);
  return temporal;
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
