/**
 * CPU-heavy jobs on worker threads, so that a worker process uses its other cores and its event loop stays
 * free for heartbeats, database I/O and the steps it runs beside them (a run's KPIs are computed while its
 * effects are estimated). Both sides live here, so the message protocol is in one place: the activity's
 * side is `ComputeThreads`, the thread's side `serveThreadJobs`.
 *
 * Jobs are queued and run one per thread; a thread that has been idle a while is stopped (it holds the last
 * job's heap). A job whose signal aborts is dropped from the queue, or its thread is terminated mid-job.
 */
import { existsSync } from 'node:fs';
import { parentPort, Worker } from 'node:worker_threads';

/** What a job that failed in its thread reports: enough to rebuild the error and to decide whether a retry can help. */
export interface ThreadJobFailure {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The job's own classification: true when the data or the spec is at fault, so retrying cannot help. */
  readonly dataProblem: boolean;
}

type Request<Input> = { readonly id: number; readonly input: Input };
type Reply<Result, Progress> =
  | { readonly id: number; readonly progress: Progress }
  | { readonly id: number; readonly result: Result }
  | { readonly id: number; readonly failure: ThreadJobFailure };

/** A job's error as thrown inside its thread, carried across with its name, message and stack. */
export class ThreadJobError extends Error {
  constructor(readonly failure: ThreadJobFailure) {
    super(failure.message);
    this.name = failure.name;
    if (failure.stack) this.stack = failure.stack;
  }
}

/** The thread died mid-job (out of memory, a crash in native code): the job may well succeed when retried. */
export class ComputeThreadExitedError extends Error {
  constructor(readonly exitCode: number) {
    super(`the compute thread running this job exited with code ${exitCode} before finishing it; if it ran out of memory, give the worker more (NODE_OPTIONS=--max-old-space-size=…)`);
    this.name = 'ComputeThreadExitedError';
  }
}

export class MissingThreadEntryError extends Error {
  constructor(readonly entry: string) {
    super(`the compute thread's module ${entry} does not exist; build the project first (npm run build)`);
    this.name = 'MissingThreadEntryError';
  }
}

export interface ThreadJobOptions<Progress> {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
}

interface Job<Input, Result, Progress> {
  readonly id: number;
  readonly input: Input;
  readonly options: ThreadJobOptions<Progress>;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
}

interface Slot<Input, Result, Progress> {
  readonly worker: Worker;
  job: Job<Input, Result, Progress> | null;
  idleTimer: NodeJS.Timeout | null;
}

export interface ComputeThreadsOptions {
  /** How long a thread with no job is kept before it is stopped; 5 minutes when absent. */
  readonly idleMilliseconds?: number;
  /** Told the number of jobs waiting for a thread whenever it changes (the worker's metrics show it). */
  readonly onQueueLength?: (waiting: number) => void;
}

export class ComputeThreads<Input, Result, Progress> {
  private readonly slots: Slot<Input, Result, Progress>[] = [];
  private readonly queue: Job<Input, Result, Progress>[] = [];
  private nextId = 1;
  private readonly idleMilliseconds: number;
  private readonly onQueueLength: (waiting: number) => void;

  /**
   * @param entry the compiled module that calls `serveThreadJobs`
   * @param size threads at most, each running one job at a time
   */
  constructor(
    private readonly entry: string,
    private readonly size: number,
    options: ComputeThreadsOptions = {},
  ) {
    if (!existsSync(entry)) throw new MissingThreadEntryError(entry);
    this.idleMilliseconds = options.idleMilliseconds ?? 5 * 60_000;
    this.onQueueLength = options.onQueueLength ?? (() => undefined);
  }

  /** Jobs waiting for a thread. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Starts the threads ahead of the first jobs, so that their start-up (loading modules, preparing tables) is not on those jobs' path. */
  warm(): void {
    while (this.slots.length < this.size) this.idle(this.spawn());
  }

  run(input: Input, options: ThreadJobOptions<Progress> = {}): Promise<Result> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Result>((resolve, reject) => {
      const onAbort = () => this.abort(job, signal?.reason);
      const job: Job<Input, Result, Progress> = {
        id: this.nextId++,
        input,
        options,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.onQueueLength(this.queue.length);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((candidate) => candidate.job === null) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) return;
      const job = this.queue.shift() as Job<Input, Result, Progress>;
      this.onQueueLength(this.queue.length);
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
      slot.job = job;
      // A running job keeps the process alive, as any pending I/O would; an idle thread does not.
      slot.worker.ref();
      const request: Request<Input> = { id: job.id, input: job.input };
      slot.worker.postMessage(request);
    }
  }

  private spawn(): Slot<Input, Result, Progress> {
    const worker = new Worker(this.entry);
    const slot: Slot<Input, Result, Progress> = { worker, job: null, idleTimer: null };
    worker.on('message', (reply: Reply<Result, Progress>) => {
      const job = slot.job;
      if (!job || reply.id !== job.id) return;
      if ('progress' in reply) {
        job.options.onProgress?.(reply.progress);
        return;
      }
      this.finish(slot);
      if ('result' in reply) job.resolve(reply.result);
      else job.reject(new ThreadJobError(reply.failure));
    });
    // An uncaught error ends the thread: its job fails with it, and the exit that follows finds no job.
    worker.on('error', (error) => this.lose(slot, error));
    worker.on('exit', (code) => this.lose(slot, new ComputeThreadExitedError(code)));
    this.slots.push(slot);
    return slot;
  }

  private finish(slot: Slot<Input, Result, Progress>): void {
    slot.job?.detach();
    slot.job = null;
    this.idle(slot);
    this.dispatch();
  }

  private idle(slot: Slot<Input, Result, Progress>): void {
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => this.stop(slot), this.idleMilliseconds);
    slot.idleTimer.unref();
  }

  /** The thread is gone (or going): its job, if any, fails with `error`, and queued jobs move to other threads. */
  private lose(slot: Slot<Input, Result, Progress>, error: unknown): void {
    const job = slot.job;
    this.stop(slot);
    if (job) {
      job.detach();
      job.reject(error);
    }
    this.dispatch();
  }

  private stop(slot: Slot<Input, Result, Progress>): void {
    const at = this.slots.indexOf(slot);
    if (at === -1) return;
    this.slots.splice(at, 1);
    slot.job = null;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    void slot.worker.terminate();
  }

  private abort(job: Job<Input, Result, Progress>, reason: unknown): void {
    const queued = this.queue.indexOf(job);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      this.onQueueLength(this.queue.length);
    }
    const slot = this.slots.find((candidate) => candidate.job === job);
    // Computation cannot be interrupted inside a thread: the thread goes, and a fresh one takes the next job.
    if (slot) this.stop(slot);
    job.detach();
    job.reject(reason);
    this.dispatch();
  }
}

/**
 * The thread's side: runs each job it is sent with `run`, posting progress as it goes. `isDataProblem`
 * classifies a failure before its error's class is lost in crossing.
 */
export function serveThreadJobs<Input, Result, Progress>(run: (input: Input, onProgress: (progress: Progress) => void) => Result, isDataProblem: (error: unknown) => boolean): void {
  const port = parentPort;
  if (!port) throw new Error('serveThreadJobs must run in a worker thread (it was loaded as a main module)');
  port.on('message', ({ id, input }: Request<Input>) => {
    let reply: Reply<Result, Progress>;
    try {
      reply = { id, result: run(input, (progress) => port.postMessage({ id, progress } satisfies Reply<Result, Progress>)) };
    } catch (error) {
      const failed = error instanceof Error ? error : new Error(String(error));
      reply = { id, failure: { name: failed.name, message: failed.message, stack: failed.stack, dataProblem: isDataProblem(error) } };
    }
    port.postMessage(reply);
  });
}
