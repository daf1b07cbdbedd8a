import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { ensureDatabaseExists, openDatabase } from '../runtime/database.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { createEbpmWorker } from '../runtime/worker.js';
import { migrateToLatest } from '../sql/migrate.js';
import type { Database } from '../sql/database.js';
import { evaluateProgramme, type EvaluateProgrammeInput, type EvaluationResult } from '../workflows/index.js';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js';
import { retriedActivities, snapshot, untilRunning } from './support/run-checks.js';
import { startWorkerProcess } from './support/worker-process.js';
import { connectTestTemporal, createTestDatabase, uniqueTaskQueue, type TestDatabase } from './support/services.js';

/**
 * Whole evaluations disturbed on real services: the worker process killed while it computes the KPIs and
 * again while it estimates, PostgreSQL restarted in the middle of a load. Each disturbed run must end with
 * exactly the rows and results of an undisturbed run of the same files.
 */
const APPLICANTS = 12_000;
/**
 * Short, so that a killed worker's attempt is given up within seconds rather than minutes; not shorter, because on a
 * loaded 2-core machine a live attempt's heartbeats were seen 2.8 s apart and taken for dead at 3 s.
 */
const HEARTBEAT_TIMEOUT = '10 seconds';

let temporal: TemporalSession;
let scratch: string;
let files: ReturnType<typeof writeSyntheticFiles>;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-chaos-'));
  files = writeSyntheticFiles('sme-labour-saving', join(scratch, 'files'), { seed: 17, applicants: APPLICANTS, withInvalidRows: true });
});
afterAll(async () => {
  await temporal?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function studyInput(): EvaluateProgrammeInput {
  return { programmeId: 'sme-labour-saving', applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile, statisticsFile: files.statisticsFile, heartbeatTimeout: HEARTBEAT_TIMEOUT };
}

async function undisturbedSnapshot(db: Kysely<Database>, options: { ingestBatchRows?: number } = {}): Promise<Record<string, unknown[]>> {
  const taskQueue = uniqueTaskQueue('undisturbed');
  const worker = await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db, workflowBundlePath: inject('workflowBundlePath'), ...options });
  await worker.runUntil(temporal.client.workflow.execute(evaluateProgramme, { taskQueue, workflowId: taskQueue, args: [studyInput()] }));
  return snapshot(db);
}

describe('an evaluation disturbed on real services ends as an undisturbed one', () => {
  let undisturbed: TestDatabase;
  let disturbed: TestDatabase;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    undisturbed = await createTestDatabase();
    disturbed = await createTestDatabase();
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await undisturbed?.drop();
    await disturbed?.drop();
  });

  it('when the worker process is killed during the KPIs and again during the estimation', { timeout: 300_000 }, async () => {
    const expected = await undisturbedSnapshot(undisturbed.db);
    const taskQueue = uniqueTaskQueue('chaos-kill');
    const env = { DATABASE_URL: disturbed.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace'), EBPM_TASK_QUEUE: taskQueue };
    workers.push(await startWorkerProcess(env));
    const handle = await temporal.client.workflow.start(evaluateProgramme, { taskQueue, workflowId: taskQueue, args: [studyInput()] });
    for (const activity of ['computeKpis', 'estimateEffects']) {
      await untilRunning(handle, activity);
      workers.at(-1)!.kill('SIGKILL');
      workers.push(await startWorkerProcess(env));
    }
    const result: EvaluationResult = await handle.result();
    workers.at(-1)!.kill('SIGTERM');
    expect(result.effects.overall.length).toBeGreaterThan(0);
    // Both kills cut an attempt short: each activity's first attempt timed out (no heartbeat) and the second completed.
    const retried = await retriedActivities(handle);
    expect(retried.map(({ activity, attempt }) => [activity, attempt])).toEqual([
      ['computeKpis', 2],
      ['estimateEffects', 2],
    ]);
    for (const { lastFailure } of retried) expect(lastFailure).toMatch(/heartbeat/i);
    expect(await snapshot(disturbed.db)).toEqual(expected);
  });
});

describe('an evaluation whose PostgreSQL restarts in the middle of a load', () => {
  let server: PrivatePostgres;
  const opened: Kysely<Database>[] = [];

  beforeAll(async () => {
    server = await startPrivatePostgres();
  });
  afterAll(async () => {
    for (const db of opened) await db.destroy().catch(() => undefined);
    server?.stop();
  });

  async function freshDatabase(name: string): Promise<Kysely<Database>> {
    const url = server.url(name);
    await ensureDatabaseExists(url);
    const db = openDatabase(url, 4);
    opened.push(db);
    await migrateToLatest(db);
    return db;
  }

  /** The outcome file's committed lines, read on a connection of its own (the pool's may be cut). */
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

  it('resumes the load after the restart and loads exactly the rows of an undisturbed run', { timeout: 300_000 }, async () => {
    const batchRows = 2_000;
    const expected = await undisturbedSnapshot(await freshDatabase('undisturbed'), { ingestBatchRows: batchRows });
    const db = await freshDatabase('disturbed');
    const taskQueue = uniqueTaskQueue('chaos-postgres');
    const worker = await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db, workflowBundlePath: inject('workflowBundlePath'), ingestBatchRows: batchRows });
    const handle = await worker.runUntil(async () => {
      const started = await temporal.client.workflow.start(evaluateProgramme, { taskQueue, workflowId: taskQueue, args: [studyInput()] });
      let committed = 0;
      while (committed < 10 * batchRows) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        committed = await committedOutcomeLines(server.url('disturbed'));
      }
      server.restart();
      await started.result();
      return started;
    });
    // The restart failed an ingest attempt (its connection was cut); the retry resumed after the last committed batch.
    const retried = await retriedActivities(handle);
    expect(retried.find(({ activity }) => activity === 'ingestFile')?.lastFailure).toMatch(/connection|terminat/i);
    expect(await snapshot(db)).toEqual(expected);
  });
});
