/**
 * What an integration test needs from the run's shared services: its own database (cloned from the
 * migrated scratch template), a Temporal client, and a worker on a task queue of its own.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { databaseName, dropDatabase, openDatabase, withDatabaseName } from '../../runtime/database.js';
import { connectTemporal, type TemporalSession } from '../../runtime/temporal.js';
import { createEbpmWorker } from '../../runtime/worker.js';
import type { Database } from '../../sql/database.js';
import type { Worker } from '@temporalio/worker';

export interface TestDatabase {
  readonly url: string;
  readonly db: Kysely<Database>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const templateUrl = inject('templateDatabaseUrl');
  const name = `${databaseName(templateUrl)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabaseName(templateUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(databaseName(templateUrl))}`);
  } finally {
    await admin.end();
  }
  const url = withDatabaseName(templateUrl, name);
  const db = openDatabase(url, 4);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      await dropDatabase(url);
    },
  };
}

/**
 * A client acting as bi_reader, the role BI tools log in as: SET ROLE stands in for logging in, whose
 * password is configured per deployment.
 */
export async function connectAsBiReader(database: TestDatabase): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('SET ROLE bi_reader');
  return client;
}

export function connectTestTemporal(): Promise<TemporalSession> {
  return connectTemporal(inject('temporalAddress'), inject('temporalNamespace'));
}

export function uniqueTaskQueue(testName: string): string {
  return `test-${testName}-${randomBytes(4).toString('hex')}`;
}

export function createTestWorker(
  temporal: TemporalSession,
  db: Kysely<Database>,
  taskQueue: string,
  options: { inputDir?: string; maxConcurrentActivities?: number } = {},
): Promise<Worker> {
  return createEbpmWorker({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    db,
    workflowBundlePath: inject('workflowBundlePath'),
    inputDir: options.inputDir,
    maxConcurrentActivities: options.maxConcurrentActivities,
  });
}
