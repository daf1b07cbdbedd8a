/**
 * Services restarted under a running study. The persistent Temporal server (`ebpm temporal start`, history in
 * its data folder) is killed with SIGKILL while a deployed worker runs a step of a study that `ebpm study
 * --deployed-worker` follows, and started again on the same folder and port: the study completes, its follower
 * rides out the restart, and the results equal an undisturbed run's. PostgreSQL restarted while the effects
 * are written and while the BI view refreshes: each write is retried whole. A follower whose server does not
 * come back stops with exit code 3 and says how to follow the run later.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { ensureDatabaseExists, openDatabase } from '../runtime/database.js';
import { portAnswers } from '../runtime/port-probe.js';
import { connectTemporal, type TemporalSession } from '../runtime/temporal.js';
import { createEbpmWorker } from '../runtime/worker.js';
import type { Database } from '../sql/database.js';
import { migrateToLatest } from '../sql/migrate.js';
import { evaluateProgramme, type EvaluateProgrammeInput } from '../workflows/index.js';
import { startCli, type CliProcess } from './support/cli-process.js';
import { freePort } from './support/ports.js';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { retriedActivities, snapshot, untilRunning } from './support/run-checks.js';
import { connectTestTemporal, createTestDatabase, uniqueTaskQueue, type TestDatabase } from './support/services.js';

/** Enough that the server's death lands inside a step rather than between two. */
const APPLICANTS = 20_000;
/** The published view, without the clock time of its refresh. */
const BI_VIEW = {
  kpi_by_fiscal_year: 'SELECT programme_id, indicator_id, stage, fiscal_year, value, units, firms, source_kind, run_key FROM bi.kpi_by_fiscal_year ORDER BY programme_id, indicator_id, fiscal_year',
};
const STEP_ACTIVITIES = ['ingestFile', 'computeKpis', 'estimateEffects'];
/**
 * How long the server stays dead: longer than the cut attempt takes to end on the worker and than the worker's
 * own retries of its completion (about 10 s), so that the attempt is lost for certain and the history must show
 * its retry. With a heartbeat timeout of 10 s (EBPM_HEARTBEAT_TIMEOUT_SECONDS), shorter than the outage, the restarted
 * server gives it up at once. Not shorter: the SDK sends a heartbeat at most every 80 % of the timeout, and at 5 s the
 * 1 s left over is what a loaded machine can take from a live attempt, which the history would then show as a second
 * retried step.
 */
const HEARTBEAT_TIMEOUT_SECONDS = '10';
const OUTAGE_MS = 15_000;

let temporal: TemporalSession;
let scratch: string;
let files: ReturnType<typeof writeSyntheticFiles>;
let expected: Record<string, unknown[]>;
const processes: CliProcess[] = [];
const databases: TestDatabase[] = [];

function studyInput(): EvaluateProgrammeInput {
  return { programmeId: 'sme-labour-saving', applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile, statisticsFile: files.statisticsFile };
}

beforeAll(async () => {
  temporal = await connectTestTemporal();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-restarts-'));
  files = writeSyntheticFiles('sme-labour-saving', join(scratch, 'files'), { seed: 23, applicants: APPLICANTS, withInvalidRows: true });
  // The undisturbed run every disturbed one must equal.
  const undisturbed = await createTestDatabase();
  databases.push(undisturbed);
  const taskQueue = uniqueTaskQueue('restarts-undisturbed');
  const worker = await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db: undisturbed.db, workflowBundlePath: inject('workflowBundlePath') });
  await worker.runUntil(temporal.client.workflow.execute(evaluateProgramme, { taskQueue, workflowId: taskQueue, args: [studyInput()] }));
  expected = await snapshot(undisturbed.db, BI_VIEW);
});

afterAll(async () => {
  for (const command of processes) if (command.groupAlive()) command.signal('SIGKILL');
  for (const database of databases) await database.drop();
  await temporal?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A free port whose neighbour + 1000, the dev server's web UI, is free too. */
async function freePortForDevServer(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 1000 < 65536 && !(await portAnswers(`127.0.0.1:${port + 1000}`))) return port;
  }
}

/** `ebpm temporal start` on the port, with its history in `dataDir`; resolved once it serves. */
async function startServer(port: number, dataDir: string): Promise<CliProcess> {
  const server = startCli(['temporal', 'start', '--port', String(port)], { EBPM_DATA_DIR: dataDir, TEMPORAL_ADDRESS: '' });
  processes.push(server);
  await server.waitFor(/Set TEMPORAL_ADDRESS=/, 90_000);
  return server;
}

describe('the persistent Temporal server killed in the middle of a study', () => {
  let port: number;
  let dataDir: string;
  let server: CliProcess;

  beforeAll(async () => {
    port = await freePortForDevServer();
    dataDir = join(scratch, 'temporal-data');
    server = await startServer(port, dataDir);
  });

  it('restarted on the same folder: the study completes, its follower rides out the restart, the results equal an undisturbed run', { timeout: 240_000 }, async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const address = `127.0.0.1:${port}`;
    const env = { TEMPORAL_ADDRESS: address, DATABASE_URL: database.url, EBPM_TASK_QUEUE: uniqueTaskQueue('restarts'), EBPM_HEARTBEAT_TIMEOUT_SECONDS: HEARTBEAT_TIMEOUT_SECONDS };
    const worker = startCli(['worker'], env);
    processes.push(worker);
    await worker.waitFor(/Worker polling task queue/, 90_000);
    const study = startCli(['study', '--deployed-worker', '--programme', 'sme-labour-saving', '--applicants', files.applicantsFile, '--outcomes', files.outcomesFile, '--statistics', files.statisticsFile!, '--json'], env);
    processes.push(study);
    await study.waitFor(/Following workflow \S+ on Temporal/, 90_000);
    const workflowId = /Following workflow (\S+) on Temporal/.exec(study.stderr())![1];

    // Killed while the worker runs a step.
    const observer = await connectTemporal(address, 'default');
    const cutIn = await untilRunning(observer.client.workflow.getHandle(workflowId), STEP_ACTIVITIES);
    await observer.close();
    server.signal('SIGKILL');
    await server.exited;
    await study.waitFor(/Lost the connection to Temporal at/, 30_000);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    server = await startServer(port, dataDir);

    const code = await study.exited;
    expect(code, study.stderr()).toBe(0);
    expect(study.stderr()).toMatch(/Reconnected to Temporal at 127\.0\.0\.1:\d+ after \d+ s; following workflow/);
    expect(study.stderr()).not.toMatch(/unexpected error/);
    expect(JSON.parse(study.stdout())).toMatchObject({ workflowId, programmeId: 'sme-labour-saving' });
    // The deployed worker rode it out too.
    expect(worker.child.exitCode).toBeNull();
    expect(worker.stdout() + worker.stderr()).not.toMatch(/unexpected error/);

    // The history shows the cut: the step's second attempt, and why the first ended.
    const after = await connectTemporal(address, 'default');
    try {
      // Steps run side by side (the three loads; the KPIs and the effects), so the cut may take more than one attempt
      // with it, each of the step that was running, each retried once.
      const retried = await retriedActivities(after.client.workflow.getHandle(workflowId));
      const stepOf = (activity: string) => (activity === 'ingestFile' ? 'loads' : 'analysis');
      expect(retried.length, JSON.stringify(retried)).toBeGreaterThan(0);
      for (const attempt of retried) {
        expect([stepOf(attempt.activity), attempt.attempt], JSON.stringify(retried)).toEqual([stepOf(cutIn), 2]);
        expect(attempt.lastFailure).toMatch(/heartbeat/i);
      }
    } finally {
      await after.close();
    }
    expect(await snapshot(database.db, BI_VIEW)).toEqual(expected);
  });

  it('not restarted: a follower stops after its bounded wait with exit code 3 and says how to follow the run', { timeout: 120_000 }, async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const address = `127.0.0.1:${port}`;
    // No worker polls this queue: the workflow waits on the server.
    const env = { TEMPORAL_ADDRESS: address, DATABASE_URL: database.url, EBPM_TASK_QUEUE: uniqueTaskQueue('restarts-unserved'), EBPM_RECONNECT_SECONDS: '3' };
    const study = startCli(['study', '--deployed-worker', '--programme', 'sme-labour-saving', '--applicants', files.applicantsFile, '--outcomes', files.outcomesFile], env);
    processes.push(study);
    await study.waitFor(/Following workflow \S+ on Temporal/, 90_000);
    const workflowId = /Following workflow (\S+) on Temporal/.exec(study.stderr())![1];
    const watch = startCli(['runs', 'watch', workflowId], env);
    processes.push(watch);
    await watch.waitFor(/registering programme|running/, 60_000);
    server.signal('SIGKILL');
    await server.exited;
    for (const [follower, command] of [[study, 'study'], [watch, 'runs']] as const) {
      expect(await follower.exited, follower.stderr()).toBe(3);
      const output = follower.stdout() + follower.stderr();
      expect(output).toMatch(/Lost the connection to Temporal at 127\.0\.0\.1:\d+ .*reconnecting for up to 3 s/);
      expect(output).toContain(`ebpm ${command}: Temporal at ${address} has not answered for`);
      expect(output).toContain(`the run continues on the server: follow it with \`ebpm runs watch ${workflowId}\``);
      expect(output).not.toMatch(/unexpected error/);
    }
  });
});

describe('PostgreSQL restarted while the effects are written and while the BI view refreshes', () => {
  let postgres: PrivatePostgres;
  let db: Kysely<Database>;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    await ensureDatabaseExists(postgres.url('disturbed'));
    db = openDatabase(postgres.url('disturbed'), 4);
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db?.destroy().catch(() => undefined);
    postgres?.stop();
  });

  /** A session of its own on the private server (the restart ends it). */
  async function session(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: postgres.url('disturbed') });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /**
   * Waits until a backend waits for a lock while running a statement that matches `pattern`; asked on a session
   * of its own outside any transaction, since pg_stat_activity is read once per transaction.
   */
  async function untilBlocked(pattern: string): Promise<void> {
    const observer = await session();
    try {
      for (let waited = 0; waited < 120_000; waited += 50) {
        const { rows } = await observer.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE $1", [pattern]);
        if (rows.length) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no statement like ${pattern} waited for a lock within 2 minutes`);
    } finally {
      await observer.end().catch(() => undefined);
    }
  }

  it('retries each write whole: the results and the view equal an undisturbed run', { timeout: 240_000 }, async () => {
    const taskQueue = uniqueTaskQueue('restarts-postgres');
    const worker = await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db, workflowBundlePath: inject('workflowBundlePath') });
    const handle = await worker.runUntil(async () => {
      const started = await temporal.client.workflow.start(evaluateProgramme, { taskQueue, workflowId: taskQueue, args: [studyInput()] });
      await untilRunning(started, 'estimateEffects');
      // The run's row held (against updates, not the foreign keys' reads): the effect step's transaction writes
      // every table, then waits on its last statement, the run's notes.
      const holder = await session();
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM results.evaluation_runs WHERE status = 'running' FOR NO KEY UPDATE");
      await untilBlocked('update "results"."evaluation_runs"%').finally(() => postgres.restart());
      // A table the view reads (and no later step writes) held against its refresh, which then waits inside its statement.
      const viewHolder = await session();
      await viewHolder.query('BEGIN');
      await viewHolder.query('LOCK TABLE core.indicators IN ACCESS EXCLUSIVE MODE');
      await untilBlocked('refresh materialized view%').finally(() => postgres.restart());
      await started.result();
      return started;
    });
    const retried = await retriedActivities(handle);
    expect(retried.map(({ activity }) => activity).sort()).toEqual(['estimateEffects', 'refreshBiViews']);
    for (const { lastFailure } of retried) expect(lastFailure).toMatch(/connection|terminat/i);
    expect(await snapshot(db, BI_VIEW)).toEqual(expected);
  });
});
