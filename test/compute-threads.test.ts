import { describe, expect, it } from 'vitest';
import { compiledModule } from '../config/project-root.js';
import { ComputeThreadExitedError, ComputeThreads, MissingThreadEntryError, ThreadJobError } from '../runtime/compute-threads.js';
import type { TestThreadJob, TestThreadResult } from './support/test-thread.js';

const entry = compiledModule('test/support/test-thread.js');
const pool = (size: number) => new ComputeThreads<TestThreadJob, TestThreadResult, number>(entry, size, { idleMilliseconds: 60_000 });

describe('compute threads', () => {
  it('returns each job result from a thread other than the caller, with the progress the job posted on the way', async () => {
    const threads = pool(1);
    const progress: number[] = [];
    const result = await threads.run({ kind: 'echo', value: 42, progressSteps: 3 }, { onProgress: (step) => progress.push(step) });
    expect(result.value).toBe(42);
    expect(result.threadId).toBeGreaterThan(0);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('carries a failed job back with its name, message and whether the data is at fault', async () => {
    const threads = pool(1);
    const dataProblem = await threads.run({ kind: 'fail', dataProblem: true }).catch((error: unknown) => error);
    expect(dataProblem).toBeInstanceOf(ThreadJobError);
    expect((dataProblem as ThreadJobError).failure).toMatchObject({ name: 'TestDataProblem', message: 'the test job says its data is wrong', dataProblem: true });
    const machine = await threads.run({ kind: 'fail', dataProblem: false }).catch((error: unknown) => error);
    expect((machine as ThreadJobError).failure).toMatchObject({ name: 'RangeError', dataProblem: false });
    // The thread survives its jobs' errors.
    expect((await threads.run({ kind: 'echo', value: 1 })).value).toBe(1);
  });

  it('runs jobs at once on separate threads, up to its size, and queues the rest', async () => {
    const threads = pool(2);
    const results = await Promise.all([200, 200, 10].map((milliseconds) => threads.run({ kind: 'spin', milliseconds })));
    expect(results.map((result) => result.value)).toEqual([200, 200, 10]);
    expect(new Set(results.slice(0, 2).map((result) => result.threadId)).size).toBe(2);
  });

  it('stops a running job when its signal aborts, failing it with the reason, and runs the next job on a fresh thread', async () => {
    const threads = pool(1);
    const abort = new AbortController();
    const endless = threads.run({ kind: 'spin', milliseconds: 60_000 }, { signal: abort.signal });
    const queued = threads.run({ kind: 'echo', value: 7 });
    const dropped = new AbortController();
    const neverStarted = threads.run({ kind: 'echo', value: 8 }, { signal: dropped.signal });
    dropped.abort(new Error('not wanted any more'));
    await expect(neverStarted).rejects.toThrow('not wanted any more');
    setTimeout(() => abort.abort(new Error('cancelled by the test')), 100);
    await expect(endless).rejects.toThrow('cancelled by the test');
    const next = await queued;
    expect(next.value).toBe(7);
  });

  it('fails a job whose thread exits mid-job as retryable, naming the exit code, and carries on with a new thread', async () => {
    const threads = pool(1);
    const error = await threads.run({ kind: 'exit', code: 3 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComputeThreadExitedError);
    expect((error as ComputeThreadExitedError).exitCode).toBe(3);
    expect((await threads.run({ kind: 'echo', value: 5 })).value).toBe(5);
  });

  it('refuses an entry module that was not built, saying how to build it', () => {
    expect(() => new ComputeThreads(compiledModule('runtime/no-such-thread.js'), 1)).toThrow(MissingThreadEntryError);
    expect(() => new ComputeThreads(compiledModule('runtime/no-such-thread.js'), 1)).toThrow(/npm run build/);
  });
});
