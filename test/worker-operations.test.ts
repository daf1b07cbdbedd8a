/**
 * A worker as operators run it: `ebpm worker --metrics-port` scraped during and after a study run on it
 * (the SDK's metrics and ebpm's own, whose row counters must equal the run's account), its JSON log, its
 * health check failing when its database goes; and stopped with SIGTERM in the middle of a run beside a second
 * worker, which must leave exactly the rows of an undisturbed run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { IngestAccount } from '../activities/contracts.js';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { readEnvironment } from '../config/environment.js';
import { projectRoot } from '../config/project-root.js';
import { dropDatabase } from '../runtime/database.js';
import type { WorkerHealth } from '../runtime/health.js';
import { startDevServer, type TemporalSession } from '../runtime/temporal.js';
import { createEbpmWorker } from '../runtime/worker.js';
import { evaluateProgramme, type EvaluateProgrammeInput, type EvaluationResult } from '../workflows/index.js';
import { freePort } from './support/ports.js';
import { parseExposition, sampleSum, type Sample } from './support/prometheus.js';
import { retriedActivities, snapshot, untilRunning, workerRunningLoad } from './support/run-checks.js';
import { connectTestTemporal, createTestDatabase, uniqueTaskQueue, type TestDatabase } from './support/services.js';
import { startWorker, type WorkerProcess } from './support/worker-process.js';

const PROGRAMME = 'sme-labour-saving';

let temporal: TemporalSession;
let scratch: string;
const workers: WorkerProcess[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  temporal = await connectTestTemporal();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-worker-ops-'));
});
afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  for (const database of databases) await database.drop().catch(() => undefined);
  await temporal?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function database(): Promise<TestDatabase> {
  const created = await createTestDatabase();
  databases.push(created);
  return created;
}

function workerEnvironment(db: TestDatabase, taskQueue: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: db.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace'), EBPM_TASK_QUEUE: taskQueue, ...extra };
}

async function launch(env: Record<string, string>, args: readonly string[] = []): Promise<WorkerProcess> {
  const worker = await startWorker(env, args);
  workers.push(worker);
  return worker;
}

async function scrape(port: number): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

async function health(port: number): Promise<{ status: number; body: WorkerHealth }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, body: (await response.json()) as WorkerHealth };
}

/** `ebpm ARGS…` run to its end without blocking this process, so that the test can scrape meanwhile. */
function ebpmAsync(env: Record<string, string>, args: readonly string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [join(projectRoot(), 'dist', 'cli', 'main.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr }))) };
}

describe('ebpm worker --metrics-port', () => {
  it('serves the SDK metrics and row counters equal to the run account, logs JSON lines, and fails /healthz naming postgres once its database is gone', { timeout: 300_000 }, async () => {
    const files = writeSyntheticFiles(PROGRAMME, join(scratch, 'metrics'), { seed: 5, applicants: 3_000, withInvalidRows: true });
    const db = await database();
    const taskQueue = uniqueTaskQueue('metrics');
    const port = await freePort();
    const env = workerEnvironment(db, taskQueue);
    const worker = await launch({ ...env, EBPM_LOG_FORMAT: 'json' }, ['--metrics-port', String(port)]);

    const idle = await health(port);
    expect(idle.status).toBe(200);
    expect(idle.body).toMatchObject({ healthy: true, worker: 'RUNNING', temporal: 'ok', postgres: 'ok', failing: [] });

    const study = ebpmAsync(env, ['study', '--programme', PROGRAMME, '--applicants', files.applicantsFile, '--outcomes', files.outcomesFile, ...(files.statisticsFile ? ['--statistics', files.statisticsFile] : []), '--deployed-worker', '--json']);
    let finished: Awaited<typeof study.done> | undefined;
    void study.done.then((outcome) => (finished = outcome));
    // Scraped while the run goes on: the SDK's metrics are there, and ebpm's once a batch has committed.
    const during: Sample[][] = [];
    while (!finished) {
      during.push(await scrape(port));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(finished.code, finished.stderr).toBe(0);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((samples) => samples.some((sample) => sample.name.startsWith('temporal_')))).toBe(true);
    const result = JSON.parse(finished.stdout) as EvaluationResult & { workflowId: string };

    const after = await scrape(port);
    // The Temporal SDK's runtime metrics: its pollers, and the activities and workflow tasks it ran.
    for (const name of ['temporal_num_pollers', 'temporal_activity_execution_latency_count', 'temporal_workflow_task_execution_latency_count']) {
      expect(after.some((sample) => sample.name === name), name).toBe(true);
    }
    expect(sampleSum(after, 'temporal_activity_execution_latency_count', { task_queue: taskQueue })).toBeGreaterThanOrEqual(result.ingest.length + 4);
    // ebpm's row counters equal the run's own account, file by file, and the database's.
    expect(result.ingest.length).toBe(files.statisticsFile ? 3 : 2);
    const accounts = await db.db.selectFrom('raw.input_files').select(['kind', 'rows_loaded', 'rows_rejected']).execute();
    for (const account of result.ingest as IngestAccount[]) {
      const labels = { programme: PROGRAMME, file_kind: account.kind };
      expect(sampleSum(after, 'ebpm_rows_loaded_total', labels), `${account.kind} loaded`).toBe(account.rowsLoaded);
      expect(sampleSum(after, 'ebpm_rows_quarantined_total', labels), `${account.kind} quarantined`).toBe(account.rowsRejected);
      expect(accounts.find((row) => row.kind === account.kind)).toEqual({ kind: account.kind, rows_loaded: account.rowsLoaded, rows_rejected: account.rowsRejected });
    }
    expect(result.ingest.some((account) => account.rowsRejected > 0)).toBe(true);
    // The counters a scrape during the run saw never exceeded the final ones.
    for (const samples of during) expect(sampleSum(samples, 'ebpm_rows_loaded_total')).toBeLessThanOrEqual(sampleSum(after, 'ebpm_rows_loaded_total'));
    expect(sampleSum(after, 'ebpm_runs_total', { programme: PROGRAMME, status: 'succeeded', kind: 'pre-registered' })).toBe(1);
    for (const step of ['ingestFile', 'registerRun', 'computeKpis', 'estimateEffects']) {
      expect(sampleSum(after, 'ebpm_step_duration_seconds_count', { programme: PROGRAMME, step, outcome: 'completed' }), step).toBe(step === 'ingestFile' ? result.ingest.length : 1);
    }
    expect(sampleSum(after, 'ebpm_step_duration_seconds_sum', { programme: PROGRAMME, step: 'estimateEffects' })).toBeGreaterThan(0);
    expect(after.some((sample) => sample.name === 'ebpm_compute_thread_queue_length' && sample.labels.pool === 'effects')).toBe(true);
    expect(sampleSum(after, 'ebpm_failures_total')).toBe(0);

    // The log: one JSON object per line; each step's line names the run key, the workflow and the activity.
    const lines = worker.stdout().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.every((line) => typeof line.time === 'string' && typeof line.level === 'string' && typeof line.message === 'string')).toBe(true);
    const estimated = lines.find((line) => line.activityType === 'estimateEffects');
    expect(estimated).toMatchObject({ level: 'info', runKey: result.run.runKey, workflowId: result.workflowId, programmeId: PROGRAMME, attempt: 1 });
    expect(estimated?.activityId).toEqual(expect.any(String));
    expect(estimated?.workflowRunId).toEqual(expect.any(String));
    expect(worker.stderr()).toBe('');

    // Its database dropped, the worker is unhealthy, and says why.
    await dropDatabase(db.url);
    const unhealthy = await health(port);
    expect(unhealthy.status).toBe(503);
    expect(unhealthy.body.failing).toEqual(['postgres']);
    expect(unhealthy.body.postgres).toMatch(/does not exist/);
    expect(unhealthy.body.temporal).toBe('ok');

    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});

describe('ebpm worker /healthz when Temporal goes', () => {
  it('answers 503 naming temporal once the Temporal server it polls has stopped', { timeout: 120_000 }, async () => {
    const environment = readEnvironment();
    const server = await startDevServer({ toolsDir: environment.toolsDir, namespace: 'default', log: () => undefined });
    const db = await database();
    const port = await freePort();
    const worker = await launch({ DATABASE_URL: db.url, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default', EBPM_TASK_QUEUE: uniqueTaskQueue('temporal-gone') }, ['--metrics-port', String(port)]);
    expect((await health(port)).status).toBe(200);
    await server.close();
    const unhealthy = await health(port);
    expect(unhealthy.status).toBe(503);
    expect(unhealthy.body.failing).toContain('temporal');
    expect(unhealthy.body.postgres).toBe('ok');
    worker.child.kill('SIGKILL');
  });
});

describe('a worker stopped with SIGTERM in the middle of a run, beside another worker', () => {
  const BATCH_ROWS = '2000';
  /**
   * Long, so that a loaded machine's slow heartbeat does not retry anything by itself: a stopped worker hands its
   * work back at once, without waiting for the heartbeat timeout.
   */
  const HEARTBEAT_TIMEOUT = '1 minute';
  let files: ReturnType<typeof writeSyntheticFiles>;
  let expected: Record<string, unknown[]>;

  function studyInput(): EvaluateProgrammeInput {
    return { programmeId: PROGRAMME, applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile, statisticsFile: files.statisticsFile, heartbeatTimeout: HEARTBEAT_TIMEOUT };
  }

  beforeAll(async () => {
    files = writeSyntheticFiles(PROGRAMME, join(scratch, 'shutdown'), { seed: 23, applicants: 12_000, withInvalidRows: true });
    const undisturbed = await database();
    const taskQueue = uniqueTaskQueue('undisturbed');
    const worker = await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db: undisturbed.db, workflowBundlePath: inject('workflowBundlePath'), ingestBatchRows: Number(BATCH_ROWS) });
    await worker.runUntil(temporal.client.workflow.execute(evaluateProgramme, { taskQueue, workflowId: taskQueue, args: [studyInput()] }));
    expected = await snapshot(undisturbed.db);
  }, 300_000);

  /** The worker process running `activity` now, told by the identity Temporal recorded for it (pid@host). */
  async function workerRunning(handle: WorkflowHandle, activity: string, candidates: readonly WorkerProcess[]): Promise<WorkerProcess> {
    const { raw } = await handle.describe();
    const identity = raw.pendingActivities?.find((pending) => pending.activityType?.name === activity)?.lastWorkerIdentity ?? '';
    const running = candidates.find((candidate) => identity.startsWith(`${candidate.child.pid}@`));
    if (!running) throw new Error(`no worker of ours runs ${activity} (identity "${identity}")`);
    return running;
  }

  async function committedOutcomeLines(url: string): Promise<number> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ line: number }>("SELECT coalesce(max(committed_through_line), 0) AS line FROM raw.input_files WHERE kind = 'outcomes'");
      return rows[0].line;
    } finally {
      await client.end();
    }
  }

  it('hands a load cut by the grace time back to the other worker, which finishes it with nothing written twice; the stopped worker exits 0', { timeout: 300_000 }, async () => {
    const db = await database();
    const taskQueue = uniqueTaskQueue('shutdown-load');
    // Short: the rest of the outcome file, loaded beside the applicant file, takes little more than a second.
    const graceSeconds = 0.1;
    const env = workerEnvironment(db, taskQueue, { EBPM_INGEST_BATCH_ROWS: BATCH_ROWS, EBPM_SHUTDOWN_GRACE: `${graceSeconds * 1000}ms` });
    const pair = [await launch(env), await launch(env)];
    const handle = await temporal.client.workflow.start(evaluateProgramme, { taskQueue, workflowId: taskQueue, args: [studyInput()] });
    await untilRunning(handle, 'ingestFile');
    // In the middle of the outcome file: some batches committed, most not.
    while ((await committedOutcomeLines(db.url)) < 5 * Number(BATCH_ROWS)) await new Promise((resolve) => setTimeout(resolve, 20));
    // The worker loading the outcome file (the loads run side by side, on either worker).
    const identity = (await workerRunningLoad(handle, 'outcomes')) ?? '';
    const stopped = pair.find((candidate) => identity.startsWith(`${candidate.child.pid}@`));
    if (!stopped) throw new Error(`no worker of ours loads the outcome file (identity "${identity}")`);
    const signalledAt = Date.now();
    stopped.child.kill('SIGTERM');
    const { code } = await stopped.exited;
    const stoppedAfterSeconds = (Date.now() - signalledAt) / 1000;
    expect(code, stopped.stdout() + stopped.stderr()).toBe(0);
    expect(stoppedAfterSeconds).toBeLessThan(graceSeconds + 15);
    expect(stopped.stdout()).toContain('SIGTERM: stopping');
    // It stopped the load itself, at a batch boundary, when the grace time ran out.
    expect(stopped.stdout()).toMatch(/ingestFile failed after [\d.]+ s: WORKER_SHUTDOWN .*cause=Cancelled/);

    await handle.result();
    // The attempt cut by the shutdown failed at once ("Worker is shutting down and this activity did not complete
    // in time", not a heartbeat timeout) and its retry, on the other worker, finished the load.
    // The applicant load, beside it on the same worker, is cut too if it was still running.
    const retried = await retriedActivities(handle);
    expect(retried.map(({ kind }) => kind)).toContain('outcomes');
    for (const attempt of retried) {
      expect([attempt.activity, attempt.attempt]).toEqual(['ingestFile', 2]);
      expect(attempt.lastFailure).toMatch(/shutting down/i);
      expect(attempt.lastFailure).not.toMatch(/heartbeat/i);
    }
    expect(await snapshot(db.db)).toEqual(expected);
  });

  it('lets an estimation finish within the grace time: the stopped worker completes it, nothing is retried, and it exits 0', { timeout: 300_000 }, async () => {
    const db = await database();
    const taskQueue = uniqueTaskQueue('shutdown-estimate');
    const env = workerEnvironment(db, taskQueue, { EBPM_INGEST_BATCH_ROWS: BATCH_ROWS, EBPM_SHUTDOWN_GRACE: '120s' });
    const pair = [await launch(env), await launch(env)];
    const handle = await temporal.client.workflow.start(evaluateProgramme, { taskQueue, workflowId: taskQueue, args: [studyInput()] });
    await untilRunning(handle, 'estimateEffects');
    const stopped = await workerRunning(handle, 'estimateEffects', pair);
    stopped.child.kill('SIGTERM');
    const { code } = await stopped.exited;
    expect(code, stopped.stdout() + stopped.stderr()).toBe(0);
    expect(stopped.stdout()).toMatch(/estimateEffects completed/);

    await handle.result();
    expect(await retriedActivities(handle)).toEqual([]);
    expect(await snapshot(db.db)).toEqual(expected);
  });
});
