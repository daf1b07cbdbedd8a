import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
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
import { startWorkerProcess } from './support/worker-process.js';
import { connectTestTemporal, createTestDatabase, uniqueTaskQueue, type TestDatabase } from './support/services.js';

/**
 * Whole evaluations disturbed on real services: the worker process killed while it computes the KPIs and
 * again while it estimates, PostgreSQL restarted in the middle of a load. Each disturbed run must end with
 * exactly the rows and results of an undisturbed run of the same files.
 */
const APPLICANTS = 12_000;
/** Short, so that a killed worker's attempt is given up within seconds rather than minutes. */
const HEARTBEAT_TIMEOUT = '3 seconds';

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

/** Everything a run leaves in the database, without the clock times that differ between any two runs. */
async function snapshot(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const queries: Record<string, string> = {
    input_files: 'SELECT file_sha256, kind, rows_total, rows_loaded, rows_rejected, rows_without_consent, rows_unchanged, rows_retired, status FROM raw.input_files ORDER BY file_sha256',
    rejected_rows: 'SELECT file_sha256, line_number, raw_record, reasons FROM raw.rejected_rows ORDER BY file_sha256, line_number',
    firms: 'SELECT * FROM core.firms ORDER BY corporate_number',
    applications: 'SELECT * FROM core.applications ORDER BY unit_id, call_round',
    outcomes: 'SELECT * FROM core.outcomes ORDER BY unit_id, fiscal_year',
    statistics: 'SELECT * FROM core.official_statistics ORDER BY indicator_id, fiscal_year',
    runs: 'SELECT run_key, status, spec_hash, input_files, notes FROM results.evaluation_runs ORDER BY run_key',
    kpi_values: 'SELECT * FROM results.kpi_values ORDER BY run_key, indicator_id, fiscal_year',
    kpi_progress: 'SELECT * FROM results.kpi_progress ORDER BY run_key, indicator_id',
    effects: 'SELECT * FROM results.effect_estimates ORDER BY run_key, outcome, estimator, term, event_time NULLS FIRST, cohort NULLS FIRST, period NULLS FIRST',
    pretests: 'SELECT * FROM results.pretests ORDER BY run_key, outcome',
  };
  const tables: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(queries)) tables[name] = (await sql.raw(query).execute(db)).rows;
  return tables;
}

async function undisturbedSnapshot(db: Kysely<Database>, options: { ingestBatchRows?: number } = {}): Promise<Record<string, unknown[]>> {
  const taskQueue = uniqueTaskQueue('undisturbed');
  const worker = await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db, workflowBundlePath: inject('workflowBundlePath'), ...options });
  await worker.runUntil(temporal.client.workflow.execute(evaluateProgramme, { taskQueue, workflowId: taskQueue, args: [studyInput()] }));
  return snapshot(db);
}

/**
 * The activities that needed more than one attempt, with the failure that ended the attempt before the last
 * (Temporal records only an activity's last attempt in the history, with the failure before it).
 */
async function retriedActivities(handle: WorkflowHandle): Promise<{ activity: string; attempt: number; lastFailure: string }[]> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const typeOfScheduled = new Map(events.filter((event) => event.activityTaskScheduledEventAttributes).map((event) => [String(event.eventId), event.activityTaskScheduledEventAttributes!.activityType!.name!]));
  return events.flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    if (!started || (started.attempt ?? 1) < 2) return [];
    return [{ activity: typeOfScheduled.get(String(started.scheduledEventId)) ?? '?', attempt: started.attempt!, lastFailure: started.lastFailure?.message ?? '' }];
  });
}

/** Waits until the workflow has an attempt of `activity` running on a worker. */
async function untilRunning(handle: WorkflowHandle, activity: string): Promise<void> {
  for (let waited = 0; waited < 120_000; waited += 25) {
    const { raw } = await handle.describe();
    if ((raw.pendingActivities ?? []).some((pending) => pending.activityType?.name === activity && Number(pending.state) === 2 /* STARTED */)) return;
    if (raw.workflowExecutionInfo?.closeTime) throw new Error(`the workflow ended before ${activity} started`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${activity} did not start within 2 minutes`);
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
