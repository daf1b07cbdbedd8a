/**
 * One real Temporal dev server and one scratch Postgres database per test run, shared by all test files.
 * The scratch database is migrated once and serves as the template from which each test clones its own
 * database, so tests have their own data without migrating again. Everything started here is stopped here.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { readEnvironment } from '../config/environment.js';
import { dropDatabase, ensureDatabaseExists, openDatabase, withDatabaseName } from '../runtime/database.js';
import { openTemporal } from '../runtime/temporal.js';
import { bundleWorkflows } from '../runtime/worker.js';
import { migrateToLatest } from '../sql/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    templateDatabaseUrl: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const environment = readEnvironment();
  const log = (line: string) => console.log(`[test setup] ${line}`);
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const templateName = `ebpm_test_${runId}`;
  const templateUrl = withDatabaseName(environment.databaseUrl, templateName);
  await ensureDatabaseExists(templateUrl);
  const db = openDatabase(templateUrl, 1);
  await migrateToLatest(db);
  await db.destroy();
  log(`scratch database ${templateName} migrated`);

  const scratchDir = join(environment.dataDir, 'test', runId);
  mkdirSync(scratchDir, { recursive: true });
  const workflowBundlePath = join(scratchDir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, await bundleWorkflows());

  const temporal = await openTemporal({
    address: environment.temporalAddress,
    namespace: environment.temporalNamespace,
    toolsDir: environment.toolsDir,
    log,
  });
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalNamespace', temporal.namespace);
  project.provide('templateDatabaseUrl', templateUrl);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await temporal.close();
    await dropClones(environment.databaseUrl, templateName);
    await dropDatabase(templateUrl);
    rmSync(scratchDir, { recursive: true, force: true });
    log(`stopped what the run started; dropped ${templateName} and its clones`);
  };
}

async function dropClones(databaseUrl: string, templateName: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabaseName(databaseUrl, 'postgres') });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${templateName}\\_%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
