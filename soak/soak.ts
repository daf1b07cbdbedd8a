/**
 * The soak itself (see run.ts): starts what it needs, drives the load for the given minutes, samples memory and
 * connections, drains, stops everything it started and returns the report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { readEnvironment } from '../config/environment.js';
import { parseAllProgrammesRequest } from '../cli/study-input.js';
import { DEFAULT_POOL_SIZE, dropDatabase, ensureDatabaseExists, openDatabase, withDatabaseName } from '../runtime/database.js';
import { openTemporal, type TemporalSession } from '../runtime/temporal.js';
import { createEvaluationSchedule, deleteEvaluationSchedule, triggerAndAwait } from '../scheduling/evaluation-schedules.js';
import { migrateToLatest } from '../sql/migrate.js';
import { applicantCorporateNumbers, writeProgrammeData, writeReplacementOutcomes, type SoakFile } from './data.js';
import { descendantsOf, residentMegabytes, runCommand, startWorker, type CommandOutcome, type WorkerProcess } from './processes.js';
import { buildReport, type CommandRun, type ConnectionSample, type FileAccount, type RssSample, type WorkflowRun } from './report.js';

/** The programme whose data the ad-hoc studies, replacement files and consent withdrawals work on. */
const PROGRAMME = 'sme-labour-saving';
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
/** Each periodic action: its period, and when it first runs (staggered, so that a short soak has each of them). */
const CADENCE = {
  adhoc: { every: 30 * SECOND, first: 30 * SECOND },
  replacement: { every: 2 * MINUTE, first: 60 * SECOND },
  withdrawal: { every: 5 * MINUTE, first: 90 * SECOND },
} as const;
/** The soak's own connections to its database: the one client that samples and reads the accounts. */
const DRIVER_CONNECTIONS = 1;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
/**
 * A deadline for a race: its timer does not keep the process alive once the race is won. (A plain sleep here
 * kept the soak running two minutes after printing its report, until the timer of a worker that had long
 * stopped ran out.)
 */
const deadline = (ms: number) => new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, ms)).unref());
const log = (line: string) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** The root cause of a failed workflow; a non-retryable application failure is the code's way of stating a data reason. */
async function failureOf(client: Client, workflowId: string, runId: string): Promise<WorkflowRun['failure']> {
  try {
    await client.workflow.getHandle(workflowId, runId).result();
    return undefined;
  } catch (error) {
    let current: unknown = error instanceof WorkflowFailedError ? error.cause : error;
    let root: unknown = current;
    while (current instanceof Error) {
      root = current;
      current = current.cause;
    }
    if (root instanceof ApplicationFailure) return { type: root.type ?? 'ApplicationFailure', message: root.message, dataReason: root.nonRetryable === true && root.message.length > 0 };
    return { type: root instanceof Error ? root.name : 'unknown', message: root instanceof Error ? root.message : String(root), dataReason: false };
  }
}

async function workflowsOn(client: Client, taskQueue: string): Promise<WorkflowRun[]> {
  const runs: WorkflowRun[] = [];
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    const status = execution.status.name;
    runs.push({
      workflowId: execution.workflowId,
      type: execution.type,
      status,
      ...(status === 'FAILED' ? { failure: await failureOf(client, execution.workflowId, execution.runId) } : {}),
    });
  }
  return runs;
}

async function runningOn(client: Client, taskQueue: string): Promise<number> {
  return (await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`)).count;
}

async function fileAccounts(sampler: pg.Client, written: readonly SoakFile[]): Promise<FileAccount[]> {
  const { rows } = await sampler.query<{ programme_id: string; kind: string; file_name: string; content_sha256: string; rows_total: number; rows_loaded: number; rows_rejected: number; quarantined: number }>(
    `SELECT f.programme_id, f.kind, f.file_name, f.content_sha256, f.rows_total, f.rows_loaded, f.rows_rejected,
            (SELECT count(*)::int FROM raw.rejected_rows r WHERE r.file_sha256 = f.file_sha256) AS quarantined
       FROM raw.input_files f ORDER BY f.loaded_at`,
  );
  const bySha = new Map(written.map((file) => [file.contentSha256, file]));
  return rows.map((row) => {
    const file = bySha.get(row.content_sha256);
    return {
      programmeId: row.programme_id,
      kind: row.kind,
      path: file?.path ?? row.file_name,
      records: file?.records ?? null,
      rowsTotal: row.rows_total,
      rowsLoaded: row.rows_loaded,
      rowsRejected: row.rows_rejected,
      quarantinedRows: row.quarantined,
    };
  });
}

function commandRun(kind: string, outcome: CommandOutcome): CommandRun {
  const reason = outcome.code === 0 ? null : (outcome.stderr.trim().split('\n').at(-1) ?? null);
  return { kind, code: outcome.code, signal: outcome.signal, reason };
}

export async function soak(minutes: number): Promise<ReturnType<typeof buildReport>> {
  const environment = readEnvironment();
  const id = `${process.pid}_${Date.now().toString(36)}`;
  const databaseUrl = withDatabaseName(environment.databaseUrl, `ebpm_soak_${id}`);
  const scratch = mkdtempSync(join(tmpdir(), 'ebpm-soak-'));
  const taskQueue = `soak-${id}`;
  const scheduleId = `soak-${id}`;
  const workers: WorkerProcess[] = [];
  const runningCommands = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  const commands: CommandRun[] = [];
  const written: SoakFile[] = [];
  const rss = new Map<string, RssSample[]>();
  const connections: ConnectionSample[] = [];
  const timers: NodeJS.Timeout[] = [];
  let temporal: TemporalSession | undefined;
  let sampler: pg.Client | undefined;
  let scheduleCreated = false;
  /** Whatever is still running or left over: on the way out, whether the soak finished, failed or was interrupted. */
  const cleanUp = async () => {
    for (const timer of timers) clearInterval(timer);
    if (scheduleCreated && temporal) await deleteEvaluationSchedule(temporal.client, scheduleId).catch(() => undefined);
    scheduleCreated = false;
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    for (const pid of runningCommands) process.kill(pid, 'SIGKILL');
    await sampler?.end().catch(() => undefined);
    sampler = undefined;
    await temporal?.close().catch(() => undefined);
    temporal = undefined;
    await dropDatabase(databaseUrl).catch((error: Error) => log(`could not drop the scratch database: ${error.message}`));
    rmSync(scratch, { recursive: true, force: true });
  };
  // Interrupted (Ctrl-C, or a test that gave up): stop everything started and drop the scratch database, then exit.
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the workers and commands, dropping the scratch database`);
    void cleanUp().finally(() => process.exit(1));
  };
  process.once('SIGTERM', interrupted);
  process.once('SIGINT', interrupted);
  try {
    await ensureDatabaseExists(databaseUrl);
    const migrator = openDatabase(databaseUrl, 1);
    await migrateToLatest(migrator);
    await migrator.destroy();
    log(`scratch database ${databaseUrl.replace(/^.*\//, '')} migrated`);
    temporal = await openTemporal({ address: environment.temporalAddress, namespace: environment.temporalNamespace, toolsDir: environment.toolsDir, log });
    const data = writeProgrammeData(join(scratch, 'data'));
    written.push(...data.files);
    log(`synthetic data written for ${new Set(data.files.map((file) => file.path.split('/').at(-2))).size} programmes (${data.files.length} files)`);
    const firms = applicantCorporateNumbers(data.dataDir, PROGRAMME);

    const env = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, EBPM_TASK_QUEUE: taskQueue, EBPM_METRICS_PORT: '', EBPM_INPUT_DIR: '' };
    const starting = ['worker 1', 'worker 2'].map((label) => startWorker(label, env));
    for (const started of await Promise.allSettled(starting)) if (started.status === 'fulfilled') workers.push(started.value);
    for (const started of await Promise.allSettled(starting)) if (started.status === 'rejected') throw started.reason;
    for (const worker of workers) {
      rss.set(worker.label, []);
      log(`${worker.label} (pid ${worker.child.pid}) polls task queue ${taskQueue}`);
    }

    sampler = new pg.Client({ connectionString: databaseUrl });
    await sampler.connect();
    const databaseName = databaseUrl.replace(/^.*\//, '');
    const samplingClient = sampler;
    const sampleRss = () => {
      for (const worker of workers) {
        const megabytes = worker.child.pid === undefined ? undefined : residentMegabytes(worker.child.pid);
        if (megabytes !== undefined) rss.get(worker.label)!.push({ at: Date.now(), megabytes });
      }
    };
    const sampleConnections = async () => {
      // The pools that may be open: read before and after the count, so a command starting or ending meanwhile is allowed for.
      const pools = () => (2 + runningCommands.size) * DEFAULT_POOL_SIZE + DRIVER_CONNECTIONS;
      const before = pools();
      const { rows } = await samplingClient.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [databaseName]);
      connections.push({ at: Date.now(), connections: rows[0].n, limit: Math.max(before, pools()) });
    };
    sampleRss();
    // Every 10 s in a long soak; every 2 s in a short one, so that its short windows hold enough samples.
    timers.push(setInterval(sampleRss, minutes >= 20 ? 10 * SECOND : 2 * SECOND));
    let sampling = false;
    timers.push(
      setInterval(() => {
        if (sampling) return;
        sampling = true;
        sampleConnections()
          .catch((error: Error) => log(`connection sample failed: ${error.message}`))
          .finally(() => (sampling = false));
      }, 2 * SECOND),
    );

    await createEvaluationSchedule(temporal.client, {
      scheduleId,
      taskQueue,
      evaluation: { kind: 'all-programmes', input: parseAllProgrammesRequest(data.dataDir) },
      every: '1 minute',
      note: 'ebpm soak',
    });
    scheduleCreated = true;
    const startedAt = Date.now();
    const endsAt = startedAt + minutes * MINUTE;
    log(`schedule ${scheduleId} runs every programme every minute; soaking until ${new Date(endsAt).toISOString()}`);
    // The first run now rather than at the next minute; the other actions wait until it has loaded the data.
    const client = temporal.client;
    // Until it has finished the workers warm up (modules loaded, caches filled): the memory windows start after it.
    let warmedAt = startedAt;
    const firstRun = triggerAndAwait(client, scheduleId, 10 * MINUTE).then(
      () => {
        warmedAt = Date.now();
        log('first all-programme run finished');
      },
      (error: Error) => log(`first all-programme run failed: ${error.message}`),
    );

    const track = (work: Promise<void>) => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    };
    const command = (kind: string, args: string[]) =>
      track(
        firstRun.then(async () => {
          const outcome = await runCommand(args, env, runningCommands);
          commands.push(commandRun(kind, outcome));
          log(`${kind}: exit ${outcome.code ?? outcome.signal} after ${((outcome.endedAt - outcome.startedAt) / SECOND).toFixed(1)} s`);
        }),
      );
    const events: { at: number; fire: () => void }[] = [];
    const every = (cadence: { every: number; first: number }, fire: (index: number) => void) => {
      for (let at = cadence.first, index = 0; at < minutes * MINUTE; at += cadence.every, index++) events.push({ at: startedAt + at, fire: () => fire(index) });
    };
    every(CADENCE.adhoc, () => command('study adhoc', ['study', 'adhoc', '--programme', PROGRAMME, '--deployed-worker', '--json']));
    every(CADENCE.replacement, (index) => {
      const file = writeReplacementOutcomes(data.dataDir, PROGRAMME, index + 1, join(scratch, 'replacements'));
      written.push(file);
      command('ingest --replaces', ['ingest', file.path, '--programme', PROGRAMME, '--kind', 'outcomes', '--replaces', '--json']);
    });
    every(CADENCE.withdrawal, (index) => command('consent withdraw', ['consent', 'withdraw', '--programme', PROGRAMME, '--corporate-number', firms[index % firms.length], '--reason', 'soak: consent withdrawn']));
    events.sort((a, b) => a.at - b.at);
    for (const event of events) {
      await sleep(event.at - Date.now());
      event.fire();
    }
    await sleep(endsAt - Date.now());
    const endedAt = Date.now();

    log('soak period over: deleting the schedule, waiting for the runs and commands in flight');
    await deleteEvaluationSchedule(client, scheduleId);
    scheduleCreated = false;
    await firstRun;
    while (inFlight.size) await Promise.all([...inFlight]);
    const drainDeadline = Date.now() + Math.max(5 * MINUTE, minutes * MINUTE);
    while ((await runningOn(client, taskQueue)) > 0 && Date.now() < drainDeadline) await sleep(2 * SECOND);
    const workflows = await workflowsOn(client, taskQueue);
    const files = await fileAccounts(sampler, written);
    for (const timer of timers.splice(0)) clearInterval(timer);

    log('stopping the workers (SIGTERM)');
    for (const worker of workers) worker.child.kill('SIGTERM');
    for (const worker of workers) {
      const stopped = await Promise.race([worker.exited, deadline(2 * MINUTE)]);
      if (stopped === null) log(`${worker.label} did not stop within 2 minutes of SIGTERM`);
      else log(`${worker.label} exited (code ${stopped.code}, signal ${stopped.signal})`);
    }
    await sampler.end();
    sampler = undefined;
    await temporal.close();
    temporal = undefined;
    await sleep(SECOND);
    const leftBehind = descendantsOf(process.pid);
    return buildReport({ minutes, startedAt, warmedAt, endedAt, workflows, commands, files, rss, connections, poolSize: DEFAULT_POOL_SIZE, driverConnections: DRIVER_CONNECTIONS, leftBehind });
  } finally {
    process.off('SIGTERM', interrupted);
    process.off('SIGINT', interrupted);
    await cleanUp();
  }
}

