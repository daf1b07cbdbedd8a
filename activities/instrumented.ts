/**
 * Every activity timed, counted and logged the same way, around its own code: the step's duration by
 * programme, a failure by its cause, and one log line per attempt with the run key, the workflow and the
 * activity it ran in.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { EbpmMetrics } from '../runtime/ebpm-metrics.js';
import { activityFields, type WorkerLog } from '../runtime/logging.js';

type Activity = (...args: never[]) => Promise<unknown>;

/** What a failure is called in ebpm_failures_total: an ApplicationFailure's type, a cancellation, else the error's class. */
export function failureCause(error: unknown): string {
  if (error instanceof ApplicationFailure && error.type) return error.type;
  if (error instanceof CancelledFailure) return 'Cancelled';
  if (error instanceof Error) return error.name;
  return typeof error;
}

function field(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null || !(name in value)) return undefined;
  const found = (value as Record<string, unknown>)[name];
  return typeof found === 'string' ? found : undefined;
}

/** The programme and run an activity works on, from its input (or, for registerRun, from its result). */
function subject(name: string, input: unknown, result?: unknown): { programmeId: string | undefined; runKey: string | undefined } {
  const programmeId = field(input, 'programmeId') ?? (name === 'registerProgramme' && typeof input === 'string' ? input : undefined);
  return { programmeId, runKey: field(input, 'runKey') ?? field(result, 'runKey') };
}

function seconds(startedAt: bigint): number {
  return Number(process.hrtime.bigint() - startedAt) / 1e9;
}

export function instrumentActivities<Activities extends Record<string, Activity>>(activities: Activities, metrics: EbpmMetrics, log: WorkerLog): Activities {
  const wrapped = Object.entries(activities).map(([name, activity]) => {
    const instrumented = async (...args: Parameters<typeof activity>) => {
      const startedAt = process.hrtime.bigint();
      try {
        const result = await activity(...args);
        const elapsed = seconds(startedAt);
        const { programmeId, runKey } = subject(name, args[0], result);
        metrics.stepEnded(programmeId ?? '', name, elapsed, 'completed');
        log.info(`${name} completed in ${elapsed.toFixed(1)} s`, { ...activityFields(), programmeId, runKey, durationSeconds: Number(elapsed.toFixed(3)) });
        return result;
      } catch (error) {
        const elapsed = seconds(startedAt);
        const { programmeId, runKey } = subject(name, args[0]);
        const cause = failureCause(error);
        metrics.stepEnded(programmeId ?? '', name, elapsed, 'failed');
        metrics.stepFailed(name, cause);
        log.warn(`${name} failed after ${elapsed.toFixed(1)} s: ${error instanceof Error ? error.message : String(error)}`, {
          ...activityFields(),
          programmeId,
          runKey,
          cause,
          durationSeconds: Number(elapsed.toFixed(3)),
        });
        throw error;
      }
    };
    return [name, instrumented] as const;
  });
  return Object.fromEntries(wrapped) as Activities;
}
