/**
 * What the chaos and restart tests compare and look for: everything an evaluation leaves in the database, the
 * activities that needed another attempt, and a wait for an activity to be running.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { loadKindOf } from '../../bench/load-kind.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../sql/database.js';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** The 11 tables a run writes, each as an ordered query without the clock times that differ between any two runs. */
export const RESULT_TABLE_QUERIES: Readonly<Record<string, string>> = {
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

/** Everything a run leaves in the database, without the clock times that differ between any two runs. */
export async function snapshot(db: Kysely<Database>, extra: Readonly<Record<string, string>> = {}): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries({ ...RESULT_TABLE_QUERIES, ...extra })) tables[name] = (await sql.raw(query).execute(db)).rows;
  return tables;
}

/**
 * The activities that needed more than one attempt, with the failure that ended the attempt before the last
 * (Temporal records only an activity's last attempt in the history, with the failure before it).
 */
export async function retriedActivities(handle: WorkflowHandle): Promise<{ activity: string; attempt: number; lastFailure: string; kind: string | null }[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = scheduledActivities(events);
  return events.flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    if (!started || (started.attempt ?? 1) < 2) return [];
    const activity = scheduled.get(String(started.scheduledEventId));
    return [{ activity: activity?.type ?? '?', attempt: started.attempt!, lastFailure: started.lastFailure?.message ?? '', kind: activity?.kind ?? null }];
  });
}

/**
 * The workflow's scheduled activities by event id: their type, their activity id, and for a load the kind of file
 * its input names (the loads run side by side, so the order they were scheduled in does not tell which is which).
 */
function scheduledActivities(events: readonly HistoryEvent[]): Map<string, { type: string; activityId: string; kind: string | null }> {
  return new Map(
    events.flatMap((event) => {
      const attributes = event.activityTaskScheduledEventAttributes;
      if (!attributes) return [];
      return [[String(event.eventId), { type: attributes.activityType?.name ?? '?', activityId: attributes.activityId ?? '', kind: loadKindOf(attributes.input?.payloads?.[0]?.data) }]];
    }),
  );
}

/** The identity of the worker running the workflow's load of `kind` now (pid@host), or undefined when none runs. */
export async function workerRunningLoad(handle: WorkflowHandle, kind: string): Promise<string | undefined> {
  const loads = [...scheduledActivities((await handle.fetchHistory()).events ?? []).values()].filter((activity) => activity.type === 'ingestFile' && activity.kind === kind);
  const { raw } = await handle.describe();
  const pending = (raw.pendingActivities ?? []).find((activity) => loads.some((load) => load.activityId === activity.activityId) && Number(activity.state) === 2 /* STARTED */);
  return pending?.lastWorkerIdentity ?? undefined;
}

/** Waits until the workflow has an attempt of `activity` (or, given several, of any of them) running on a worker; returns which. */
export async function untilRunning(handle: WorkflowHandle, activity: string | readonly string[], pollMs = 25): Promise<string> {
  const wanted = typeof activity === 'string' ? [activity] : activity;
  for (let waited = 0; waited < 120_000; waited += pollMs) {
    const { raw } = await handle.describe();
    const running = (raw.pendingActivities ?? []).find((pending) => wanted.includes(pending.activityType?.name ?? '') && Number(pending.state) === 2 /* STARTED */);
    if (running) return running.activityType!.name!;
    if (raw.workflowExecutionInfo?.closeTime) throw new Error(`the workflow ended before ${wanted.join(' or ')} started`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`${wanted.join(' or ')} did not start within 2 minutes`);
}
