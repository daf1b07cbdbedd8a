/**
 * Following a workflow from the command line through a restart of its Temporal server. The workflow lives on
 * the server, not in the command that follows it: when the server stops answering (killed, restarted,
 * unreachable) the follower says so, keeps trying with backoff for a bounded time (EBPM_RECONNECT_SECONDS),
 * says when the server answers again and goes on following. If it does not come back in time the command
 * ends with exit code 3 and says how to follow the run later, never with an "unexpected error".
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition, Workflow, WorkflowResultType } from '@temporalio/common';
import { connectFollower } from '../runtime/temporal.js';
import { CommandFailure } from './errors.js';

/** How long a follower waits for a server that stopped answering, unless EBPM_RECONNECT_SECONDS says otherwise. */
export const DEFAULT_RECONNECT_SECONDS = 300;

/** The exit code of a command that stopped following a run it could no longer reach (the run itself goes on). */
export const EXIT_RUN_CONTINUES = 3;

/** gRPC status codes that say the server is away or overloaded, not that the request was wrong. */
const TRANSIENT_GRPC_CODES = new Set([
  1, // CANCELLED: the connection was cut under the call
  2, // UNKNOWN: a stream reset while the server went down
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  10, // ABORTED
  13, // INTERNAL: an HTTP/2 stream reset by a dying server
  14, // UNAVAILABLE: connection refused or dropped
]);

const TRANSIENT_MESSAGES = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|No connection established|Connection dropped|Failed to connect to Temporal server|socket hang up/i;

function grpcCode(error: object): number | undefined {
  const code = (error as { code?: unknown }).code;
  // A gRPC ServiceError carries a numeric status code and its details; Node system errors carry string codes.
  return typeof code === 'number' && 'details' in error ? code : undefined;
}

/**
 * Whether an error from a Temporal call means the server could not be reached (so the call may succeed later),
 * as opposed to an answer: a failed workflow, an unknown workflow id, a refused request.
 */
export function isTransientTemporalError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    const code = grpcCode(current);
    if (code !== undefined) return TRANSIENT_GRPC_CODES.has(code);
    if (current.name === 'WorkflowFailedError' || current.name === 'WorkflowNotFoundError' || current.name === 'NamespaceNotFoundError') return false;
    if (TRANSIENT_MESSAGES.test(current.message)) return true;
  }
  return false;
}

/** What went wrong with the connection, in a few words: the gRPC details, or the first line of the message. */
function connectionProblem(error: unknown): string {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    const code = grpcCode(current);
    if (code === 4) return 'no answer in time';
    if (code !== undefined) return String((current as { details?: unknown }).details || current.message).split('\n')[0];
  }
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** The command stopped following because Temporal did not answer within the bounded wait; the run goes on without it. */
export class RunContinuesOnServer extends CommandFailure {
  constructor(
    readonly workflowId: string,
    readonly address: string,
    readonly waitedSeconds: number,
    workerInThisCommand: boolean,
  ) {
    super(
      `Temporal at ${address} has not answered for ${waitedSeconds} s (EBPM_RECONNECT_SECONDS), so this command stops following workflow ${workflowId}; ` +
        (workerInThisCommand
          ? 'the run stays on the server, but its worker was this command: run the study again, or cancel the run with `ebpm runs cancel RUN`'
          : `the run continues on the server: follow it with \`ebpm runs watch ${workflowId}\` once the server answers`),
      EXIT_RUN_CONTINUES,
    );
    this.name = 'RunContinuesOnServer';
  }
}

export interface FollowOptions {
  /** host:port of the server, for the messages. */
  readonly address: string;
  readonly log: (line: string) => void;
  /** How long to wait for a server that stopped answering; DEFAULT_RECONNECT_SECONDS when absent. */
  readonly reconnectSeconds?: number;
  /** True when this command runs the workflow's worker itself: the run cannot go on once it ends. */
  readonly workerInThisCommand?: boolean;
  /** Milliseconds between checks of the server (and of the workflow's progress); 250 when absent. */
  readonly pollMilliseconds?: number;
}

/** Resolves after `ms`, or at once when `signal` is aborted. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The state of one command's connection to the server: prints one line when it drops and one when it is back,
 * and gives up (RunContinuesOnServer, through `abandoned`) once the server has been silent for the bounded wait,
 * by the clock rather than by the calls, which may hang on a dead server for their own retries and deadlines.
 */
export class ConnectionWatch {
  private lostAt: number | undefined;
  private giveUpTimer: NodeJS.Timeout | undefined;
  private readonly reconnectMs: number;
  private readonly abandon = new AbortController();
  private readonly abandonment: Promise<never>;

  constructor(
    private readonly workflowId: string,
    private readonly options: FollowOptions,
  ) {
    this.reconnectMs = (options.reconnectSeconds ?? DEFAULT_RECONNECT_SECONDS) * 1000;
    this.abandonment = new Promise<never>((_resolve, reject) => this.abandon.signal.addEventListener('abort', () => reject(this.abandon.signal.reason as Error), { once: true }));
    this.abandonment.catch(() => undefined);
  }

  /** Aborted when the follower gives up: calls still waiting on the server should end then. */
  get abandoned(): AbortSignal {
    return this.abandon.signal;
  }

  /** Notes a call that failed for want of the server; the first such failure starts the bounded wait. */
  lost(error: unknown): void {
    if (this.lostAt !== undefined || this.abandon.signal.aborted) return;
    this.lostAt = Date.now();
    this.options.log(
      `Lost the connection to Temporal at ${this.options.address} (${connectionProblem(error)}); reconnecting for up to ${Math.round(this.reconnectMs / 1000)} s. ` +
        (this.options.workerInThisCommand ? 'The run is kept on the server.' : 'The run continues on the server.'),
    );
    this.giveUpTimer = setTimeout(() => {
      const waited = Math.round((Date.now() - (this.lostAt ?? Date.now())) / 1000);
      this.abandon.abort(new RunContinuesOnServer(this.workflowId, this.options.address, waited, this.options.workerInThisCommand === true));
    }, this.reconnectMs);
  }

  /** Notes a call that went through. */
  answered(): void {
    if (this.lostAt === undefined || this.abandon.signal.aborted) return;
    clearTimeout(this.giveUpTimer);
    this.options.log(`Reconnected to Temporal at ${this.options.address} after ${((Date.now() - this.lostAt) / 1000).toFixed(0)} s; following workflow ${this.workflowId} again.`);
    this.lostAt = undefined;
  }

  /** Throws the reason for giving up, if the follower has given up. */
  throwIfAbandoned(): void {
    if (this.abandon.signal.aborted) throw this.abandon.signal.reason;
  }

  /** Stops the clock of the bounded wait (the command is done with the server). */
  close(): void {
    clearTimeout(this.giveUpTimer);
  }

  /**
   * Runs `call` until it goes through, retrying (after 1, 2, 4, then every 5 s) while the server is away; an
   * answer that is not about the connection (a failed workflow, an unknown id) is thrown at once, and giving up
   * ends a call still waiting on the server.
   */
  async retrying<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.throwIfAbandoned();
      try {
        const value = await Promise.race([call(), this.abandonment]);
        this.answered();
        return value;
      } catch (error) {
        this.throwIfAbandoned();
        if (!isTransientTemporalError(error)) throw error;
        this.lost(error);
        await delay(Math.min(5_000, 1_000 * 2 ** attempt), this.abandon.signal);
      }
    }
  }
}

/**
 * Waits for a workflow's result, reporting each new step of its progress query (when given) as it is reached,
 * and riding out a restart of the server (see the module's comment).
 */
export async function followWorkflow<W extends Workflow, Progress extends { readonly step: string }>(
  handle: WorkflowHandle<W>,
  options: FollowOptions & { readonly query?: QueryDefinition<Progress>; readonly onProgress?: (progress: Progress) => void },
): Promise<WorkflowResultType<W>> {
  const follower = await connectFollower(options.address, handle.client.options.namespace);
  try {
    return await followOn(follower.client.workflow.getHandle<W>(handle.workflowId, undefined, { firstExecutionRunId: firstRunOf(handle) }), options);
  } finally {
    await follower.close();
  }
}

function firstRunOf(handle: WorkflowHandle): string | undefined {
  return 'firstExecutionRunId' in handle && typeof handle.firstExecutionRunId === 'string' ? handle.firstExecutionRunId : undefined;
}

async function followOn<W extends Workflow, Progress extends { readonly step: string }>(
  handle: WorkflowHandle<W>,
  options: FollowOptions & { readonly query?: QueryDefinition<Progress>; readonly onProgress?: (progress: Progress) => void },
): Promise<WorkflowResultType<W>> {
  const watch = new ConnectionWatch(handle.workflowId, options);
  options.log(`Following workflow ${handle.workflowId} on Temporal at ${options.address}.`);
  const connection = handle.client.connection;
  const pollMilliseconds = options.pollMilliseconds ?? 250;
  // Ends the checks' pauses once the result is in (or the follower gave up); their calls end by their deadline.
  const stopChecks = new AbortController();
  watch.abandoned.addEventListener('abort', () => stopChecks.abort(), { once: true });
  // A short deadline per check, so that a server that hangs is noticed within seconds.
  const checked = <T>(call: () => Promise<T>) => connection.withDeadline(Date.now() + 2_000, call);
  const checkServer = async () => {
    while (!stopChecks.signal.aborted) {
      try {
        // Describe is answered by the server alone; a query also needs a worker, which may still be reconnecting.
        await checked(() => handle.describe());
        watch.answered();
      } catch (error) {
        if (!stopChecks.signal.aborted && isTransientTemporalError(error)) watch.lost(error);
      }
      await delay(pollMilliseconds, stopChecks.signal);
    }
  };
  let lastStep = '';
  const reportProgress = async () => {
    while (!stopChecks.signal.aborted) {
      try {
        const progress = await checked(() => handle.query(options.query!));
        if (progress.step !== lastStep) {
          lastStep = progress.step;
          options.onProgress!(progress);
        }
      } catch {
        // The first query can race the first workflow task, and a query needs a worker: the next poll will answer.
      }
      await delay(pollMilliseconds, stopChecks.signal);
    }
  };
  const checks = Promise.all([checkServer(), options.query && options.onProgress ? reportProgress() : undefined]);
  try {
    return await watch.retrying(() => connection.withAbortSignal(watch.abandoned, () => handle.result()));
  } finally {
    stopChecks.abort();
    watch.close();
    await checks;
  }
}
