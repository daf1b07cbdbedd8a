/**
 * A review-sheet load that is cancelled stops and commits nothing of the file it was loading: in the middle of the
 * file's COPY, on the calling thread or on a parse thread, while the file's bytes are still to come, or of a file on
 * disk that its parse thread reads itself; while it waits
 * for another load of the same table and review year; and inside Temporal, when its workflow is cancelled while the
 * worker reads a file that has not finished arriving (a named pipe the test writes part of), the files it had loaded
 * staying in force with their findings written. The chunks a cancellable load has taken are not held.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createWriteStream, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledModule } from '../config/project-root.js';
import { filePieces } from '../review-sheets/file-pieces.js';
import { encodeReviewFileOnThread, idleParseThreads, stopIdleParseThreads } from '../review-sheets/parse-thread.js';
import { sha256Of } from '../review-sheets/read-file.js';
import { storeReviewSheet, type ReviewSheetSource } from '../review-sheets/store-file.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { loadReviewSheetsWorkflow } from '../workflows/index.js';
import { descriptorsOpenOn, processThreads, threadsSettledAt } from './support/process-threads.js';
import { publishedRecordsRepeated, reviewCopyRunning } from './support/review-sheet-copies.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';
import { waitFor } from './support/wait-for.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const PAYEES = readdirSync(FIXTURES).find((name) => name.startsWith('5-1_RS_2024_'))!;
const PROJECTS = readdirSync(FIXTURES).find((name) => name.startsWith('1-2_RS_2024_'))!;
const PIECE_BYTES = 64 * 1024;

let database: TestDatabase;
let temporal: TemporalSession;
let scratch: string;

interface GatedSource extends ReviewSheetSource {
  /** Resolves when the reader has taken half of the file and asks for the rest. */
  readonly halfTaken: Promise<void>;
  /** Lets the rest of the file come. */
  open(): void;
  readonly state: { closed: boolean };
}

/** 5-1's bytes in pieces, the second half held back until open() is called; `size` decides the thread (none: a thread). */
function gatedSource(bytes: Buffer, size?: number): GatedSource {
  let reachHalf: () => void = () => undefined;
  const halfTaken = new Promise<void>((resolve) => {
    reachHalf = resolve;
  });
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const state = { closed: false };
  return {
    label: PAYEES,
    fileName: PAYEES,
    sha256: sha256Of(bytes),
    ...(size === undefined ? {} : { size }),
    halfTaken,
    open: openGate,
    state,
    async *pieces() {
      try {
        for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
          if (at >= bytes.length / 2 && at < bytes.length / 2 + PIECE_BYTES) {
            reachHalf();
            await gate;
          }
          yield bytes.subarray(at, at + PIECE_BYTES);
        }
      } finally {
        state.closed = true;
      }
    },
  };
}

async function storedFor(): Promise<{ files: number; rows: number }> {
  const { rows } = await sql<{ files: number; rows: number }>`
    SELECT (SELECT count(*)::integer FROM raw.review_sheet_files) AS files, (SELECT count(*)::integer FROM core.review_payee_rows) AS rows`.execute(database.db);
  return rows[0];
}

async function registered(): Promise<string[]> {
  const { rows } = await sql<{ file_name: string }>`SELECT file_name FROM raw.review_sheet_files ORDER BY file_name`.execute(database.db);
  return rows.map((row) => row.file_name);
}

/** A COPY into 5-1's table running on this test's database. */
const payeeCopyRunning = () => reviewCopyRunning(database.db, 'core.review_payee_rows ');

beforeAll(async () => {
  database = await createTestDatabase();
  temporal = await connectTestTemporal();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-cancel-'));
}, 60_000);

afterAll(async () => {
  await temporal?.close();
  await database?.drop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the chunks of a load that can be cancelled', () => {
  it('are not held once taken, while the load goes on', () => {
    // In a process of its own, with gc() exposed: 100 chunks taken through untilAborted with a live signal, the
    // iteration not finished; the first 90 must be collectable. (Racing each wait against one promise for the whole
    // file kept every chunk: a national 5-1 load peaked about 40 MB higher.)
    const script = `
      const { untilAborted } = await import(${JSON.stringify(pathToFileURL(compiledModule('review-sheets/until-aborted.js')).href)});
      async function* chunks() { for (let i = 0; i < 100; i++) yield new Uint8Array(1 << 16); }
      const taken = [];
      const iterator = untilAborted(chunks(), new AbortController().signal)[Symbol.asyncIterator]();
      for (let i = 0; i < 100; i++) taken.push(new WeakRef((await iterator.next()).value));
      await new Promise((resolve) => setTimeout(resolve, 0));
      globalThis.gc();
      console.log(taken.slice(0, 90).filter((chunk) => chunk.deref() !== undefined).length);`;
    const output = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(Number(output)).toBe(0);
  });
});

describe('a review-sheet load that is cancelled', () => {
  for (const [where, size] of [
    ['on the calling thread', 1_000],
    ['on a parse thread of its own', undefined],
  ] as const) {
    it(`stops its COPY ${where} while the file's bytes are still to come, and commits nothing`, async () => {
      await stopIdleParseThreads();
      const before = processThreads();
      const source = gatedSource(publishedRecordsRepeated(PAYEES, 40), size);
      const cancel = new AbortController();
      const stored = storeReviewSheet(database.db, source, { signal: cancel.signal });
      stored.catch(() => undefined);
      await source.halfTaken;
      await waitFor(payeeCopyRunning, 'the COPY of the first half to run', 15_000);
      const reason = new Error('cancelled by the test');
      cancel.abort(reason);
      // Rejected with the signal's own reason (not PostgreSQL's error about the failed COPY), though the rest of the
      // file has not come: the gate is still shut.
      await expect(stored).rejects.toBe(reason);
      expect(source.state.closed).toBe(false);
      expect(await storedFor()).toEqual({ files: 0, rows: 0 });
      await waitFor(async () => !(await payeeCopyRunning()), 'the COPY to end', 15_000);
      // The file is closed once its pending piece comes, and no thread is left at work (a thread stopped part-way is
      // never kept for the next file).
      source.open();
      await waitFor(() => source.state.closed, 'the file to be closed', 15_000);
      expect(idleParseThreads()).toBe(0);
      expect(await threadsSettledAt(before)).toBe(before);
      // Nothing of the file is held: the same file then loads whole.
      const again = gatedSource(publishedRecordsRepeated(PAYEES, 40), size);
      again.open();
      const account = await storeReviewSheet(database.db, again);
      expect(account).toMatchObject({ skipped: false, quarantined: 0 });
      expect((await storedFor()).rows).toBe(account.loaded);
      await sql`DELETE FROM core.review_payee_rows`.execute(database.db);
      await sql`DELETE FROM raw.review_sheet_files`.execute(database.db);
      await stopIdleParseThreads();
    }, 60_000);
  }

  it('stops its COPY of a file on disk read by its parse thread, commits nothing, closes the file and stops the thread', async () => {
    await stopIdleParseThreads();
    const before = processThreads();
    // About a national 5-1 file (57 MB): its COPY runs far longer than the test takes to cancel it.
    const path = join(scratch, PAYEES);
    writeFileSync(path, publishedRecordsRepeated(PAYEES, 800));
    const size = statSync(path).size;
    const onThread = encodeReviewFileOnThread(path, PAYEES, { size });
    const source: ReviewSheetSource = { label: PAYEES, fileName: PAYEES, sha256: await onThread.sha256(), size, pieces: () => filePieces(path, 1 << 20) };
    const cancel = new AbortController();
    const stored = storeReviewSheet(database.db, source, { signal: cancel.signal, encoding: onThread.encoding });
    stored.catch(() => undefined);
    await waitFor(payeeCopyRunning, 'the COPY to run', 15_000);
    const reason = new Error('cancelled by the test');
    cancel.abort(reason);
    await expect(stored).rejects.toBe(reason);
    expect(await storedFor()).toEqual({ files: 0, rows: 0 });
    await waitFor(async () => !(await payeeCopyRunning()), 'the COPY to end', 15_000);
    // Stopped part-way, the thread is not kept for the next file, and the file is closed.
    expect(descriptorsOpenOn(path)).toBe(0);
    expect(idleParseThreads()).toBe(0);
    expect(await threadsSettledAt(before)).toBe(before);
    rmSync(path);
  }, 60_000);

  it('stops waiting for another load of the same table and review year, which goes on holding it', async () => {
    const holder = await database.db.connection().execute(async (connection) => {
      await sql`BEGIN`.execute(connection);
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`review-sheets:5-1:2024`}))`.execute(connection);
      const source = gatedSource(publishedRecordsRepeated(PAYEES, 2), 1_000);
      source.open();
      const cancel = new AbortController();
      const stored = storeReviewSheet(database.db, source, { signal: cancel.signal });
      stored.catch(() => undefined);
      // Long enough for the load to have asked for the lock a few times.
      await new Promise((resolve) => setTimeout(resolve, 800));
      const reason = new Error('cancelled while waiting (test)');
      cancel.abort(reason);
      const abortedAt = Date.now();
      await expect(stored).rejects.toBe(reason);
      const waitedAfterAbort = Date.now() - abortedAt;
      // The other load still holds the lock; this one registered nothing.
      const held = await sql<{ held: number }>`SELECT count(*)::integer AS held FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()`.execute(connection);
      await sql`ROLLBACK`.execute(connection);
      return { waitedAfterAbort, held: held.rows[0].held, source };
    });
    expect(holder.held).toBe(1);
    // Given up after at most one more pause between asks (250 ms), not when the other load ends (it never did here);
    // the bound leaves room for a slow machine.
    expect(holder.waitedAfterAbort).toBeLessThan(2_000);
    expect(holder.source.state.closed).toBe(false);
    expect(await storedFor()).toEqual({ files: 0, rows: 0 });
  }, 30_000);

  it('stops the file it is writing when its workflow is cancelled inside Temporal, though the file is still arriving, and writes the findings of the file loaded before', async () => {
    const taskQueue = uniqueTaskQueue('review-cancel');
    const folder = mkdtempSync(join(scratch, 'fifo-'));
    // 1-2 loads beside 5-1 (another lane) and commits; 5-1 is a named pipe the test writes.
    copyFileSync(join(FIXTURES, PROJECTS), join(folder, PROJECTS));
    const pipePath = join(folder, PAYEES);
    execFileSync('mkfifo', [pipePath]);
    const bytes = publishedRecordsRepeated(PAYEES, 40);
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    let rest: WriteStream | undefined;
    try {
      await worker.runUntil(async () => {
        const handle = await temporal.client.workflow.start(loadReviewSheetsWorkflow, {
          taskQueue,
          workflowId: `${taskQueue}-load`,
          // A short heartbeat timeout: the worker hears of the cancellation with its next heartbeat sent (at most one per
          // 80 % of the timeout).
          args: [{ paths: [folder], heartbeatTimeout: '2 seconds' }],
        });
        // The whole file for its digest (the worker's first reading of it); once its COPY has begun, 32 KiB of the file
        // for the load (the second reading), the pipe kept open.
        const whole = createWriteStream(pipePath);
        whole.end(bytes);
        await once(whole, 'close');
        await waitFor(payeeCopyRunning, 'the worker to COPY 5-1', 15_000);
        rest = createWriteStream(pipePath);
        rest.on('error', () => undefined);
        rest.write(bytes.subarray(0, 32 * 1024));
        await waitFor(async () => (await registered()).length === 1, '1-2 to be committed', 15_000);
        const due = await sql<{ years: number }>`SELECT count(*)::integer AS years FROM core.review_findings_due`.execute(database.db);
        expect(due.rows[0].years).toBeGreaterThan(0);
        await handle.cancel();
        const failure: unknown = await handle.result().then(
          () => new Error('the cancelled load completed'),
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
        // The workflow ended after its file under way did: the COPY has ended though the rest of the file has not come,
        // the activity reported itself cancelled, and nothing of 5-1 is committed.
        expect(await payeeCopyRunning()).toBe(false);
        expect(await registered()).toEqual([PROJECTS]);
        expect((await storedFor()).rows).toBe(0);
        // The last step ran after the cancellation: the year 1-2 changed is no longer due.
        const dueAfter = await sql<{ years: number }>`SELECT count(*)::integer AS years FROM core.review_findings_due`.execute(database.db);
        expect(dueAfter.rows[0].years).toBe(0);
        const history = await handle.fetchHistory();
        const events = history.events ?? [];
        expect(events.filter((event) => event.activityTaskCanceledEventAttributes)).toHaveLength(1);
        const refreshed = events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'refreshReviewViews');
        expect(refreshed).toHaveLength(1);
        // The file then ends; the cancelled attempt, already rolled back, commits nothing of what it read.
        rest.end();
        await once(rest, 'close');
        await waitFor(() => worker.getStatus().numInFlightActivities === 0, 'the worker to have no activity running', 15_000);
      });
    } finally {
      if (rest && !rest.closed) {
        rest.end();
        await once(rest, 'close');
      }
    }
    expect(await registered()).toEqual([PROJECTS]);
    expect((await storedFor()).rows).toBe(0);
  }, 120_000);
});
