import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewFileAccount } from '../review-sheets/store-file.js';
import { parseReviewSheet } from '../review-sheets/index.js';
import { nationalReviewYear } from '../review-sheets/synthetic/national-year.js';
import { writeReviewYear } from '../review-sheets/synthetic/write-review-year.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { loadReviewSheetsWorkflow } from '../workflows/index.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';
import { reviewCopyRunning } from './support/review-sheet-copies.js';
import { startWorkerProcess } from './support/worker-process.js';

/**
 * A worker process is killed (SIGKILL) while it COPYs a review-sheet file inside Temporal. The file's transaction
 * dies with the connection; the activity's heartbeats stop, Temporal retries it on another worker, and the load ends
 * with every record of every file loaded or quarantined exactly once.
 */
const PROJECTS = 1_500;
const REVIEW_YEAR = 2024;
const STORED_TABLE: Record<string, string> = {
  '1-2': 'core.review_projects',
  '2-1': 'core.review_budget',
  '3-1': 'core.review_indicator_rows',
  '3-2': 'core.review_edges',
  '4-1': 'core.review_checks',
  '5-1': 'core.review_payee_rows',
};

let temporal: TemporalSession;
let database: TestDatabase;
let scratch: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  temporal = await connectTestTemporal();
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-crash-'));
  writeReviewYear(scratch, REVIEW_YEAR, nationalReviewYear({ projects: PROJECTS, seed: 5, reviewYear: REVIEW_YEAR }));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await temporal?.close();
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('loading review sheets inside Temporal when the worker dies', () => {
  it('retries the file it was writing on another worker once its heartbeats stop, and loads every record exactly once', async () => {
    const taskQueue = uniqueTaskQueue('review-crash');
    const doomed = await startWorkerProcess({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, EBPM_TASK_QUEUE: taskQueue });
    children.push(doomed);
    const handle = await temporal.client.workflow.start(loadReviewSheetsWorkflow, {
      taskQueue,
      workflowId: `${taskQueue}-load`,
      args: [{ paths: [scratch], heartbeatTimeout: '5 seconds' }],
    });

    const deadline = Date.now() + 60_000;
    // A COPY into one of the review tables, as the worker writes a file.
    while (!(await reviewCopyRunning(database.db, 'core.review'))) {
      if (Date.now() > deadline) throw new Error('the worker never started a COPY into a review table');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    doomed.kill('SIGKILL');
    await once(doomed, 'exit');

    const rescuer = await createTestWorker(temporal, database.db, taskQueue);
    const result = await rescuer.runUntil(handle.result());

    // Each file's account is that of an independent reading of the file, and so are the rows stored for it.
    const files = readdirSync(scratch).sort();
    expect(files).toHaveLength(6);
    const expected = files.map((name) => {
      const read = parseReviewSheet(name, readFileSync(join(scratch, name)));
      return { file: name, table: read.table, records: read.rows.length + read.quarantined.length, loaded: read.rows.length, quarantined: read.quarantined.length };
    });
    const accounts = (result.files as ReviewFileAccount[]).map(({ file, table, records, loaded, quarantined }) => ({ file, table, records, loaded, quarantined }));
    expect(accounts).toEqual(expected);
    for (const { table, loaded } of expected) {
      const { rows } = await sql<{ stored: number }>`SELECT count(*)::integer AS stored FROM ${sql.table(STORED_TABLE[table])}`.execute(database.db);
      expect(rows[0].stored, table).toBe(loaded);
    }
    const { rows: registered } = await sql<{ file_name: string; status: string; records: number; loaded: number }>`
      SELECT file_name, status, records, loaded FROM raw.review_sheet_files ORDER BY file_name`.execute(database.db);
    expect(registered).toEqual(expected.map(({ file, records, loaded }) => ({ file_name: file, status: 'loaded', records, loaded })));

    // The file being written when the worker died was loaded by a later attempt, after its heartbeat timed out.
    const history = await handle.fetchHistory();
    const retried = (history.events ?? []).flatMap((event) => {
      const started = event.activityTaskStartedEventAttributes;
      return started && (started.attempt ?? 1) >= 2 ? [started.lastFailure?.message ?? ''] : [];
    });
    expect(retried).toContainEqual(expect.stringMatching(/heartbeat/i));
  }, 180_000);
});
