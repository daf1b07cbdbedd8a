import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApplicantsCsv } from '../bench/applicants-csv.js';
import type { TemporalSession } from '../runtime/temporal.js';
import type { IngestAccount } from '../activities/contracts.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';
import { startWorkerProcess } from './support/worker-process.js';

/**
 * A worker process is killed (SIGKILL) in the middle of ingesting a file inside Temporal. The activity's
 * heartbeats stop, Temporal retries it on another worker, and the retry continues after the last
 * committed batch: every row ends up loaded exactly once and the file's account counts each row once.
 */
const ROWS = 60_000;
const BATCH_ROWS = 2_000;

let temporal: TemporalSession;
let database: TestDatabase;
let scratch: string;
let path: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  temporal = await connectTestTemporal();
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-crash-resume-'));
  path = join(scratch, 'applicants-60k.csv');
  await writeApplicantsCsv(path, ROWS, 11);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await temporal?.close();
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

/** `ebpm worker` as its own process on this test's database, loading in small batches. */
async function startWorker(taskQueue: string): Promise<ChildProcess> {
  const child = await startWorkerProcess({
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    EBPM_TASK_QUEUE: taskQueue,
    EBPM_INGEST_BATCH_ROWS: String(BATCH_ROWS),
  });
  children.push(child);
  return child;
}

async function fileProgress(): Promise<{ status: string; committed_through_line: number; rows_total: number } | undefined> {
  return database.db.selectFrom('raw.input_files').select(['status', 'committed_through_line', 'rows_total']).where('file_name', '=', 'applicants-60k.csv').executeTakeFirst();
}

describe('ingesting inside Temporal when the worker dies', () => {
  it('resumes on another worker after the last committed batch, loading every row exactly once', async () => {
    const taskQueue = uniqueTaskQueue('crash-resume');
    const doomed = await startWorker(taskQueue);
    const handle = await temporal.client.workflow.start('ingestFileWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-ingest`,
      args: [{ file: { programmeId: 'sme-labour-saving', kind: 'applicants', path }, heartbeatTimeout: '10 seconds' }],
    });

    // Kill the worker once some batches are committed and the file is not finished.
    let atKill: Awaited<ReturnType<typeof fileProgress>>;
    for (;;) {
      atKill = await fileProgress();
      if (atKill && atKill.committed_through_line > 1 + 2 * BATCH_ROWS) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    doomed.kill('SIGKILL');
    await once(doomed, 'exit');
    const frozen = (await fileProgress())!;
    expect(frozen.status).toBe('loading');
    expect(frozen.committed_through_line).toBeLessThan(1 + ROWS);
    expect(frozen.rows_total).toBe(frozen.committed_through_line - 1);

    // The retry runs on a fresh worker (in this process) once the dead attempt's heartbeat times out (10 s: under a
    // loaded machine a live attempt can go 3 s between two heartbeats, and would be retried beside itself).
    const rescuer = await createTestWorker(temporal, database.db, taskQueue);
    const account = (await rescuer.runUntil(handle.result())) as IngestAccount;

    expect(account).toMatchObject({ rowsTotal: ROWS, rowsLoaded: ROWS, rowsRejected: 0, skippedDuplicateFile: false });
    const { rows } = await sql<{ rows: number; keys: number }>`
      SELECT count(*)::integer AS rows, count(DISTINCT (corporate_number, call_round))::integer AS keys
        FROM core.applications WHERE source_file_sha256 = ${account.fileSha256}`.execute(database.db);
    expect(rows[0]).toEqual({ rows: ROWS, keys: ROWS });

    // The completed attempt is recorded with its number: the first one died with its worker.
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? []).flatMap((event) => (event.activityTaskStartedEventAttributes ? [event.activityTaskStartedEventAttributes.attempt ?? 0] : []));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toBeGreaterThanOrEqual(2);
  });
});
