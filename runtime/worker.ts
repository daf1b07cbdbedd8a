/**
 * The worker: registers the workflows (bundled from ../workflows) and the activities bound to Postgres.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import type { Database } from '../sql/database.js';
import { codeVersion } from './code-version.js';
import type { EbpmMetrics } from './ebpm-metrics.js';
import type { WorkerLog } from './logging.js';
import { REVIEW_SHEET_ACTIVITY_NAMES, type ReviewSheetActivityName } from '../activities/review-sheet-activity-names.js';

/** The workflow entry point next to this module: compiled .js under dist/, .ts when run from source. */
export function workflowsEntryPoint(): string {
  for (const extension of ['js', 'ts']) {
    const path = fileURLToPath(new URL(`../workflows/index.${extension}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('cannot find workflows/index.(js|ts) beside the runtime folder; run `npm run build` first');
}

const silent = () => undefined;

/** The workflows bundled for a worker's sandbox, with the bundler's chatter silenced (its warnings and errors kept). */
export async function bundleWorkflows(): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: workflowsEntryPoint(),
    logger: { log: silent, trace: silent, debug: silent, info: silent, warn: (message) => console.warn(message), error: (message) => console.error(message) },
  });
  return bundle.code;
}

/** Where `npm run build` writes the workflow bundle: dist/workflow-bundle.js. */
export function prebuiltBundlePath(): string {
  return fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
}

/**
 * The prebuilt bundle when it is newer than every compiled workflow module (so a later `tsc` alone cannot
 * leave a stale one in use); otherwise undefined, and the worker bundles the workflows as it starts.
 */
export function freshPrebuiltBundle(entry = workflowsEntryPoint(), bundle = prebuiltBundlePath()): string | undefined {
  if (!entry.endsWith('.js') || !existsSync(bundle)) return undefined;
  const built = statSync(bundle).mtimeMs;
  const directory = dirname(entry);
  const stale = readdirSync(directory).some((file) => file.endsWith('.js') && statSync(join(directory, file)).mtimeMs > built);
  return stale ? undefined : bundle;
}

export interface EbpmWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly db: Kysely<Database>;
  /** A pre-built workflow bundle (tests build one and share it); else the one `npm run build` wrote, if fresh; else bundled on start. */
  readonly workflowBundlePath?: string;
  /** Rows per committed ingest batch; 50,000 when absent. */
  readonly ingestBatchRows?: number;
  /** Input files must lie under this directory (EBPM_INPUT_DIR); any path is read when absent. */
  readonly inputDir?: string;
  /**
   * Activities this worker runs at once (EBPM_MAX_CONCURRENT_ACTIVITIES; default 4). Each loading, KPI or
   * estimation activity holds at most one programme's data, so this also bounds the worker's memory.
   */
  readonly maxConcurrentActivities?: number;
  /** ebpm's metrics, recorded on the SDK's meter (`ebpm worker --metrics-port`); recorded nowhere when absent. */
  readonly metrics?: EbpmMetrics;
  /** One line per activity attempt; silent when absent. */
  readonly log?: WorkerLog;
  /**
   * How long a stopping worker lets its running activities finish (`ebpm worker`: EBPM_SHUTDOWN_GRACE, default
   * 30 s). Then they are cancelled: each stops at its next safe point (a committed batch, a terminated compute
   * thread), its attempt fails and Temporal retries it on another worker. Absent (a worker inside a command or
   * a test, stopped when its workflow ends), they are cancelled at once.
   */
  readonly shutdownGraceMs?: number;
}

export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 4;
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
/**
 * After the grace time, how long cancelled activities get to reach their safe point before the worker gives
 * up on them (the SDK then fails its run with GracefulShutdownPeriodExpiredError and the process exits 1).
 */
export const SHUTDOWN_CANCELLATION_MS = 30_000;

async function activitiesOf(options: EbpmWorkerOptions): Promise<object> {
  const { db, inputDir, metrics, log } = options;
  const { createActivities } = await import('../activities/index.js');
  return createActivities({ db, codeVersion: codeVersion(), ingestBatchRows: options.ingestBatchRows, inputDir, metrics, log });
}

/**
 * Why a compiled worker bundles its workflows as it starts, or null when it need not: the prebuilt bundle is missing,
 * or older than a compiled workflow module (a `tsc` after `npm run build`). Run from source (.ts), bundling is expected.
 */
export function prebuiltBundleProblem(entry = workflowsEntryPoint(), bundle = prebuiltBundlePath()): string | null {
  if (!entry.endsWith('.js') || freshPrebuiltBundle(entry, bundle)) return null;
  return `${bundle} is ${existsSync(bundle) ? 'older than the compiled workflows' : 'missing'}, so the worker bundles the workflows as it starts (a second or two more); \`npm run build\` writes a fresh one`;
}

/** What every ebpm worker is made with, beside its activities. */
type WorkerBase = Pick<EbpmWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowBundlePath' | 'maxConcurrentActivities' | 'shutdownGraceMs'>;

/**
 * The SDK's way to run workflows in the worker's own thread instead of a thread of their own. Its name is the SDK's.
 * It also lifts the limit on a workflow task's run time, undone here by giving the usual limit again, and (SDK 1.24,
 * workflow/vm-shared.js) it changes the whole process for as long as it runs: promise hooks on this thread (their cost
 * is in the measured gain), its own Error.prepareStackTrace, and an unhandledRejection listener that reports a rejection
 * no workflow owns as "could not be associated to a Workflow Run", with the original error, and ends the process, as
 * Node would have. Used only for a command's own worker, which lives as long as its one workflow.
 */
const WORKFLOWS_IN_THIS_THREAD = { debugMode: true, isolateExecutionTimeout: '5s' } as const;

function makeWorker(options: WorkerBase, activities: object, workflowsInThisThread = false): Promise<Worker> {
  const bundle = options.workflowBundlePath ?? freshPrebuiltBundle();
  if (!bundle) {
    // Said once per worker: the cost is easy to miss, and it lands in every command's time (2026-12-06, bench/README.md).
    const problem = prebuiltBundleProblem();
    if (problem) console.warn(`ebpm: ${problem}.`);
  }
  const grace = options.shutdownGraceMs;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: workflowsEntryPoint() }),
    activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    ...(grace === undefined ? {} : { shutdownGraceTime: grace, shutdownForceTime: grace + SHUTDOWN_CANCELLATION_MS }),
    ...(workflowsInThisThread ? WORKFLOWS_IN_THIS_THREAD : {}),
  });
}

/** A worker of every activity (the study's, the ingest's, the review sheets'), bound to `options.db`. */
export async function createEbpmWorker(options: EbpmWorkerOptions): Promise<Worker> {
  return makeWorker(options, await activitiesOf(options));
}

type ReviewSheetActivity = (...args: never[]) => Promise<unknown>;

export interface ReviewSheetWorkerOptions extends WorkerBase {
  /**
   * The review-sheet load's activities (activities/review-sheet-set.ts), made when the first of them runs. The worker
   * is made before them, from the Temporal SDK alone, while the command loads the activities' code and the database
   * layer and readies the database (bench/README.md, 2026-12-06 (15:08 UTC)).
   */
  readonly activities: () => Promise<Readonly<Record<ReviewSheetActivityName, ReviewSheetActivity>>>;
}

/**
 * The worker of `ebpm review-sheets load`: the review-sheet activities only, bound by name, their code loaded on first
 * use. Its one workflow runs in this thread: a thread of its own cost the load about 0.18 s of CPU to start (its isolate,
 * Node's and the SDK's modules compiled again) on a machine whose two cores the load keeps busy, for a workflow whose
 * every task takes milliseconds, while the activities leave this thread between pieces of work (bench/README.md,
 * "2026-12-07 (09:00 UTC)").
 */
export function createReviewSheetWorker(options: ReviewSheetWorkerOptions): Promise<Worker> {
  let made: ReturnType<ReviewSheetWorkerOptions['activities']> | undefined;
  const bound = Object.fromEntries(
    REVIEW_SHEET_ACTIVITY_NAMES.map((name) => [
      name,
      async (...args: unknown[]) => {
        made ??= options.activities();
        const activity = (await made)[name] as (...args: unknown[]) => Promise<unknown>;
        return activity(...args);
      },
    ]),
  );
  return makeWorker(options, bound, true);
}
