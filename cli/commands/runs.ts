/**
 * `ebpm runs list | show | watch | cancel`: the evaluation runs (scheduled and pre-registered) and the
 * analysts' exploratory studies, from the lineage tables, followed or cancelled through Temporal. The Temporal SDK is
 * loaded only where a subcommand talks to the server (show of a running run, watch, cancel): `runs list` reads the
 * database alone, and loading the SDK took about as long again as the rest of it.
 */
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod/v3';
import { readEnvironment, type EbpmEnvironment } from '../../config/environment.js';
import type { Client } from '@temporalio/client';
import type { TemporalSession } from '../../runtime/temporal.js';
import type { Database } from '../../sql/database.js';
import { UsageError } from '../errors.js';
import type { ConnectionWatch } from '../follow-workflow.js';
import { formatTable } from '../format.js';
import { openDatabaseReady } from '../services.js';

export const RUN_KINDS = ['scheduled', 'pre-registered', 'exploratory'] as const;
type RunKind = (typeof RUN_KINDS)[number];

export interface RunRecord {
  readonly runKey: string;
  readonly kind: RunKind;
  readonly programmeId: string;
  readonly status: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly workflowId: string;
  readonly workflowRunId: string;
  readonly specHash: string;
  readonly requestedBy: string | null;
  readonly note: string | null;
  readonly baseRunKey: string | null;
  readonly overrides: unknown;
  readonly notes: unknown;
}

/** A row of both run tables as one, as PostgreSQL returns it. */
interface RunRow {
  readonly run_key: string;
  readonly kind: RunKind;
  readonly programme_id: string;
  readonly status: string;
  readonly started_at: Date;
  readonly finished_at: Date | null;
  readonly workflow_id: string;
  readonly workflow_run_id: string;
  readonly spec_hash: string;
  readonly requested_by: string | null;
  readonly note: string | null;
  readonly base_run_key: string | null;
  readonly overrides: unknown;
  readonly notes: unknown;
}

/** Both run tables as one: scheduled runs are those a Temporal Schedule started (workflow id scheduled-…). */
function allRuns() {
  return sql<RunRow>`(
    SELECT run_key, CASE WHEN workflow_id LIKE 'scheduled-%' THEN 'scheduled' ELSE 'pre-registered' END AS kind, programme_id, status,
           started_at, finished_at, workflow_id, workflow_run_id, spec_hash, NULL::text AS requested_by, NULL::text AS note,
           NULL::text AS base_run_key, NULL::jsonb AS overrides, notes
      FROM results.evaluation_runs
    UNION ALL
    SELECT run_key, 'exploratory', programme_id, status, started_at, finished_at, workflow_id, workflow_run_id, spec_hash,
           requested_by, note, base_run_key, overrides, notes
      FROM results.exploratory_runs)`;
}

export async function listRuns(db: Kysely<Database>, filter: { programmeId?: string; kind?: RunKind; limit?: number }): Promise<RunRecord[]> {
  const { rows } = await sql<RunRow>`
    SELECT * FROM ${allRuns()} AS runs
     WHERE (${filter.programmeId ?? null}::text IS NULL OR programme_id = ${filter.programmeId ?? null})
       AND (${filter.kind ?? null}::text IS NULL OR kind = ${filter.kind ?? null})
     ORDER BY started_at DESC
     LIMIT ${filter.limit ?? 50}`.execute(db);
  return rows.map(mapRow);
}

function mapRow(row: RunRow): RunRecord {
  return {
    runKey: row.run_key,
    kind: row.kind,
    programmeId: row.programme_id,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    workflowId: row.workflow_id,
    workflowRunId: row.workflow_run_id,
    specHash: row.spec_hash,
    requestedBy: row.requested_by,
    note: row.note,
    baseRunKey: row.base_run_key,
    overrides: row.overrides,
    notes: row.notes,
  };
}

const RUN_KEY = /^[0-9a-f]{6,64}$/;
/** Workflow ids as ebpm makes them (study-…, adhoc-…, scheduled-…, review-sheets-…). */
const WORKFLOW_ID = /^[A-Za-z][\w.:@+-]*$/;

/** The latest run a workflow recorded, if it has recorded one yet (a study registers its run after loading its files). */
async function runOfWorkflow(db: Kysely<Database>, workflowId: string): Promise<RunRecord | undefined> {
  const { rows } = await sql<RunRow>`SELECT * FROM ${allRuns()} AS runs WHERE workflow_id = ${workflowId} ORDER BY started_at DESC LIMIT 1`.execute(db);
  return rows[0] ? mapRow(rows[0]) : undefined;
}

/** The run a key or a prefix of at least six characters names, or the run a workflow id recorded; refuses an unknown or ambiguous one. */
export async function findRun(db: Kysely<Database>, key: string): Promise<RunRecord> {
  if (!RUN_KEY.test(key) && WORKFLOW_ID.test(key)) {
    const run = await runOfWorkflow(db, key);
    if (!run) throw new UsageError(`workflow ${key} has recorded no run (yet); ebpm runs list shows the runs, and ebpm runs watch ${key} follows the workflow itself`);
    return run;
  }
  if (!RUN_KEY.test(key)) throw new UsageError(`"${key}" is not a run key: give the key or its first six or more hex characters (ebpm runs list shows them), or a workflow id`);
  const { rows } = await sql<RunRow>`SELECT * FROM ${allRuns()} AS runs WHERE run_key LIKE ${`${key}%`} LIMIT 5`.execute(db);
  if (rows.length === 0) throw new UsageError(`no run has a key starting "${key}"; ebpm runs list shows the runs`);
  if (rows.length > 1) throw new UsageError(`"${key}" starts ${rows.length === 5 ? 'several' : rows.length} run keys (${rows.map((row) => row.run_key.slice(0, 12)).join(', ')}); give more of it`);
  return mapRow(rows[0]);
}

interface LiveProgress {
  readonly step: string | null;
  readonly completedSteps: number | null;
  readonly totalSteps: number | null;
  readonly workflowStatus: string;
  /** The heartbeat details of the activities running now (rows loaded, groups estimated, …). */
  readonly activities: readonly { readonly type: string; readonly details: unknown }[];
}

async function liveProgress(client: Client, run: { readonly workflowId: string; readonly workflowRunId?: string }): Promise<LiveProgress> {
  const { defaultPayloadConverter } = await import('@temporalio/common');
  const handle = client.workflow.getHandle(run.workflowId, run.workflowRunId);
  const description = await handle.describe();
  let step: string | null = null;
  let completedSteps: number | null = null;
  let totalSteps: number | null = null;
  try {
    const progress = (await handle.query<{ step: string; completedSteps: number; totalSteps: number }>('progress')) ?? null;
    if (progress) ({ step, completedSteps, totalSteps } = progress);
  } catch {
    // A closed workflow may no longer answer queries; its status says how it ended.
  }
  const activities = (description.raw.pendingActivities ?? []).map((activity) => {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    return { type: activity.activityType?.name ?? 'activity', details: payload ? defaultPayloadConverter.fromPayload(payload) : null };
  });
  return { step, completedSteps, totalSteps, workflowStatus: description.status.name, activities };
}

function describeProgress(progress: LiveProgress): string {
  const step = progress.step ? `${progress.step} (${progress.completedSteps}/${progress.totalSteps})` : progress.workflowStatus.toLowerCase();
  const details = progress.activities
    .filter((activity) => activity.details !== null && activity.details !== undefined)
    .map((activity) => `${activity.type}: ${JSON.stringify(activity.details)}`);
  return details.length ? `${step} · ${details.join(' · ')}` : step;
}

function runServerAddress(environment: EbpmEnvironment, command: string): string {
  if (!environment.temporalAddress) {
    throw new UsageError(`ebpm runs ${command} needs the Temporal server the run is on: set TEMPORAL_ADDRESS (e.g. 127.0.0.1:7233)`);
  }
  return environment.temporalAddress;
}

async function connectToRunServer(environment: EbpmEnvironment, command: string): Promise<TemporalSession> {
  const address = runServerAddress(environment, command);
  const { openTemporal } = await import('../../runtime/temporal.js');
  return openTemporal({ address, namespace: environment.temporalNamespace, toolsDir: environment.toolsDir, log: () => {} });
}

const listArgumentsSchema = z.object({
  programme: z.string().min(1).optional(),
  kind: z.enum(RUN_KINDS, { errorMap: () => ({ message: `--kind must be ${RUN_KINDS.join(', ')}` }) }).optional(),
  limit: z.string().regex(/^[1-9]\d*$/, '--limit must be a whole number').transform(Number).optional(),
  json: z.boolean().default(false),
});

const formatTime = (time: Date | null) => (time ? time.toISOString().replace('T', ' ').slice(0, 19) : '—');

export async function runsCommand(args: string[]): Promise<void> {
  const [subcommand, ...rest] = args;
  const environment = readEnvironment();
  if (subcommand === 'list') {
    const { values } = parseArgs({ args: rest, options: { programme: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } } });
    const parsed = listArgumentsSchema.safeParse(values);
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
    await withDatabase(environment, async (db) => {
      const runs = await listRuns(db, { programmeId: parsed.data.programme, kind: parsed.data.kind, limit: parsed.data.limit });
      if (parsed.data.json) {
        console.log(JSON.stringify(runs, null, 2));
        return;
      }
      if (runs.length === 0) {
        console.log('No runs yet.');
        return;
      }
      console.log(
        formatTable(
          ['run', 'kind', 'programme', 'status', 'started (UTC)', 'finished (UTC)', 'requested by / note'],
          runs.map((run) => [run.runKey.slice(0, 12), run.kind, run.programmeId, run.status, formatTime(run.startedAt), formatTime(run.finishedAt), [run.requestedBy, run.note].filter(Boolean).join(': ')]),
        ),
      );
    });
    return;
  }
  if (subcommand !== 'show' && subcommand !== 'watch' && subcommand !== 'cancel') {
    throw new UsageError(`unknown subcommand "${subcommand ?? ''}"; use list, show, watch or cancel`);
  }
  const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError(`ebpm runs ${subcommand} takes one run key (or its first six or more characters) or workflow id`);
  await withDatabase(environment, async (db) => {
    if (subcommand === 'watch') {
      const target = await watchTarget(db, positionals[0]);
      const address = runServerAddress(environment, subcommand);
      const { connectFollower } = await import('../../runtime/temporal.js');
      const follower = await connectFollower(address, environment.temporalNamespace);
      try {
        await watchWorkflow(db, follower.client, address, target, environment.reconnectSeconds);
      } finally {
        await follower.close();
      }
      return;
    }
    const run = await findRun(db, positionals[0]);
    if (subcommand === 'show') return showRun(environment, run, values.json === true);
    const temporal = await connectToRunServer(environment, subcommand);
    try {
      await cancelRun(db, temporal, run);
    } finally {
      await temporal.close();
    }
  });
}

/** What `runs watch` follows: a run's workflow, or a workflow by its id, which may have recorded no run yet (or never: a review-sheets load). */
interface WatchTarget {
  readonly workflowId: string;
  readonly workflowRunId?: string;
  readonly runKey?: string;
}

async function watchTarget(db: Kysely<Database>, argument: string): Promise<WatchTarget> {
  if (RUN_KEY.test(argument) || !WORKFLOW_ID.test(argument)) {
    const run = await findRun(db, argument);
    return { workflowId: run.workflowId, workflowRunId: run.workflowRunId, runKey: run.runKey };
  }
  const run = await runOfWorkflow(db, argument);
  return run ? { workflowId: run.workflowId, workflowRunId: run.workflowRunId, runKey: run.runKey } : { workflowId: argument };
}

async function withDatabase(environment: EbpmEnvironment, work: (db: Kysely<Database>) => Promise<void>): Promise<void> {
  const db = await openDatabaseReady(environment, () => {});
  try {
    await work(db);
  } finally {
    await db.destroy();
  }
}

async function showRun(environment: EbpmEnvironment, run: RunRecord, json: boolean): Promise<void> {
  let live: LiveProgress | null = null;
  if (run.status === 'running' && environment.temporalAddress) {
    const temporal = await connectToRunServer(environment, 'show');
    try {
      live = await liveProgress(temporal.client, run).catch(() => null);
    } finally {
      await temporal.close();
    }
  }
  if (json) {
    console.log(JSON.stringify({ ...run, live }, null, 2));
    return;
  }
  const lines: [string, string][] = [
    ['run', run.runKey],
    ['kind', run.kind === 'exploratory' ? 'exploratory (not pre-registered)' : run.kind],
    ['programme', run.programmeId],
    ['status', run.status],
    ['started', formatTime(run.startedAt)],
    ['finished', formatTime(run.finishedAt)],
    ['workflow', `${run.workflowId} (${run.workflowRunId})`],
    ['spec hash', run.specHash],
  ];
  if (run.kind === 'exploratory') {
    lines.push(['requested by', run.requestedBy ?? '—'], ['note', run.note ?? '—'], ['starts from run', run.baseRunKey ?? '(none)'], ['overrides', JSON.stringify(run.overrides)]);
  }
  if (live) lines.push(['progress', describeProgress(live)]);
  const notes = Array.isArray(run.notes) ? (run.notes as string[]) : [];
  console.log(lines.map(([label, value]) => `${label.padEnd(16)}${value}`).join('\n') + (notes.length ? `\nnotes\n${notes.map((note) => `  - ${note}`).join('\n')}` : ''));
}

async function currentStatus(db: Kysely<Database>, runKey: string): Promise<string> {
  return (await findRun(db, runKey)).status;
}

const stamped = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/**
 * Prints the workflow's step and its activities' progress until it ends, riding out a restart of the server;
 * then the run's recorded status (or, for a workflow that records no run, how it ended).
 */
async function watchWorkflow(db: Kysely<Database>, client: Client, address: string, target: WatchTarget, reconnectSeconds: number | undefined): Promise<void> {
  const { ConnectionWatch } = await import('../follow-workflow.js');
  const watch = new ConnectionWatch(target.workflowId, { address, log: stamped, reconnectSeconds });
  try {
    await watchUntilClosed(db, client, address, target, watch);
  } finally {
    watch.close();
  }
}

async function watchUntilClosed(db: Kysely<Database>, client: Client, address: string, target: WatchTarget, watch: ConnectionWatch): Promise<void> {
  const connection = client.connection;
  let last = '';
  for (;;) {
    let progress: LiveProgress;
    try {
      progress = await watch.retrying(() => connection.withDeadline(Date.now() + 5_000, () => liveProgress(client, target)));
    } catch (error) {
      if (error instanceof Error && error.name === 'WorkflowNotFoundError') {
        throw new UsageError(`no workflow ${target.workflowId} on Temporal at ${address} (namespace ${client.options.namespace}); ebpm runs list shows the runs`);
      }
      throw error;
    }
    const line = describeProgress(progress);
    if (line !== last) {
      stamped(line);
      last = line;
    }
    if (progress.workflowStatus !== 'RUNNING') {
      const runKey = target.runKey ?? (await runOfWorkflow(db, target.workflowId))?.runKey;
      if (runKey === undefined) {
        console.log(`workflow ${target.workflowId}: ${progress.workflowStatus.toLowerCase()}`);
        if (progress.workflowStatus !== 'COMPLETED') process.exitCode = 1;
        return;
      }
      const status = await currentStatus(db, runKey);
      console.log(`run ${runKey.slice(0, 12)}: ${status}`);
      if (status !== 'succeeded') process.exitCode = 1;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function cancelRun(db: Kysely<Database>, temporal: TemporalSession, run: RunRecord): Promise<void> {
  if (run.status !== 'running') throw new UsageError(`run ${run.runKey.slice(0, 12)} is not running (it ${run.status}); only a running run can be cancelled`);
  await temporal.client.workflow.getHandle(run.workflowId, run.workflowRunId).cancel();
  // The workflow records the cancellation itself; wait until it has.
  const deadline = Date.now() + 60_000;
  let status = run.status;
  while (Date.now() < deadline) {
    status = await currentStatus(db, run.runKey);
    if (status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log(`run ${run.runKey.slice(0, 12)}: ${status === 'running' ? 'cancellation requested; the workflow has not recorded it yet' : status}`);
  if (status !== 'cancelled') process.exitCode = 1;
}
