/**
 * What a whole evaluation left behind, for tests that disturb one and compare it with an undisturbed run:
 * the database's rows, and the activities Temporal had to retry.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../sql/database.js';

/** Everything a run leaves in the database, without the clock times that differ between any two runs. */
export async function snapshot(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const queries: Record<string, string> = {
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
  const tables: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(queries)) tables[name] = (await sql.raw(query).execute(db)).rows;
  return tables;
}

/**
 * The activities that needed more than one attempt, with the failure that ended the attempt before the last
 * (Temporal records only an activity's last attempt in the history, with the failure before it).
 */
export async function retriedActivities(handle: WorkflowHandle): Promise<{ activity: string; attempt: number; lastFailure: string }[]> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const typeOfScheduled = new Map(events.filter((event) => event.activityTaskScheduledEventAttributes).map((event) => [String(event.eventId), event.activityTaskScheduledEventAttributes!.activityType!.name!]));
  return events.flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    if (!started || (started.attempt ?? 1) < 2) return [];
    return [{ activity: typeOfScheduled.get(String(started.scheduledEventId)) ?? '?', attempt: started.attempt!, lastFailure: started.lastFailure?.message ?? '' }];
  });
}

/** Waits until the workflow has an attempt of `activity` running on a worker. */
export async function untilRunning(handle: WorkflowHandle, activity: string): Promise<void> {
  for (let waited = 0; waited < 120_000; waited += 25) {
    const { raw } = await handle.describe();
    if ((raw.pendingActivities ?? []).some((pending) => pending.activityType?.name === activity && Number(pending.state) === 2 /* STARTED */)) return;
    if (raw.workflowExecutionInfo?.closeTime) throw new Error(`the workflow ended before ${activity} started`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${activity} did not start within 2 minutes`);
}
