import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/** Heartbeats when running inside a Temporal activity; a no-op when an activity is called directly (scripts, tests). */
export function reportProgress(details: unknown): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return;
  }
  context.heartbeat(details);
}

/** Aborts when Temporal cancels the running activity (or its worker shuts down); undefined when an activity is called directly. */
export function activityCancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/**
 * The same for every attempt of one activity in one workflow run ("RUN_ID/ACTIVITY_ID"), so a retry can tell its
 * own earlier attempt's work from another run's; undefined when an activity is called directly.
 */
export function currentAttemptKey(): string | undefined {
  try {
    const { info } = Context.current();
    // A standalone activity (no workflow) has no run to name: its attempts are not told apart.
    return info.workflowExecution ? `${info.workflowExecution.runId}/${info.activityId}` : undefined;
  } catch {
    return undefined;
  }
}

/** How often a long activity tells Temporal it is alive; the SDK passes the latest on every 80 % of the heartbeat timeout, or every minute if that comes sooner. */
const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Runs `work` while heartbeating on a timer, so that a worker that dies during a long computation is noticed
 * within the heartbeat timeout and the activity retried elsewhere. Outside an activity it just runs `work`.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** An error retrying cannot fix: the workflow sees it at once, with its type and the fix in the message. */
export function permanentFailure(type: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? [] : [details] });
}
