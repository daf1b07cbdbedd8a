/**
 * Temporal Schedules that start the evaluation workflow at fixed times (the scheduled evaluation runs).
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { evaluateProgramme, type EvaluateProgrammeInput } from '../workflows/index.js';

export interface EvaluationScheduleRequest {
  readonly scheduleId: string;
  readonly taskQueue: string;
  readonly input: EvaluateProgrammeInput;
  /** Cron expression (e.g. "0 3 * * 1" = Mondays 03:00) or an interval (e.g. "1 day"); exactly one. */
  readonly cron?: string;
  readonly every?: string;
  readonly note?: string;
}

export interface EvaluationScheduleSummary {
  readonly scheduleId: string;
  readonly programmeId: string | undefined;
  readonly paused: boolean;
  readonly nextRuns: readonly Date[];
  readonly recentRuns: readonly Date[];
  readonly note: string | undefined;
}

export class ScheduleRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleRequestError';
  }
}

export async function createEvaluationSchedule(client: Client, request: EvaluationScheduleRequest): Promise<void> {
  if ((request.cron === undefined) === (request.every === undefined)) {
    throw new ScheduleRequestError('give exactly one of --cron EXPR (e.g. "0 3 * * 1") or --every DURATION (e.g. "1 day")');
  }
  try {
    await client.schedule.create({
      scheduleId: request.scheduleId,
      spec: request.cron !== undefined ? { cronExpressions: [request.cron] } : { intervals: [{ every: request.every as `${number} ${string}` }] },
      action: {
        type: 'startWorkflow',
        workflowType: evaluateProgramme,
        args: [request.input],
        taskQueue: request.taskQueue,
        workflowId: `scheduled-${request.scheduleId}`,
      },
      // Two evaluations of the same programme must not overlap; a late one waits for the one running.
      policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: '1 day' },
      memo: { programmeId: request.input.programmeId, note: request.note ?? '' },
    });
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) {
      throw new ScheduleRequestError(`a schedule with id "${request.scheduleId}" exists already; delete it first or choose another --id`);
    }
    throw error;
  }
}

export async function listEvaluationSchedules(client: Client): Promise<EvaluationScheduleSummary[]> {
  const summaries: EvaluationScheduleSummary[] = [];
  for await (const schedule of client.schedule.list()) {
    const memo = (schedule.memo ?? {}) as { programmeId?: string; note?: string };
    summaries.push({
      scheduleId: schedule.scheduleId,
      programmeId: memo.programmeId,
      paused: schedule.state.paused,
      nextRuns: schedule.info.nextActionTimes,
      recentRuns: schedule.info.recentActions.map((action) => action.takenAt),
      note: memo.note || undefined,
    });
  }
  return summaries.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

async function withSchedule<T>(client: Client, scheduleId: string, action: (handle: ReturnType<Client['schedule']['getHandle']>) => Promise<T>): Promise<T> {
  try {
    return await action(client.schedule.getHandle(scheduleId));
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new ScheduleRequestError(`no schedule with id "${scheduleId}"; \`ebpm schedule list\` shows the ids`);
    throw error;
  }
}

export function deleteEvaluationSchedule(client: Client, scheduleId: string): Promise<void> {
  return withSchedule(client, scheduleId, (handle) => handle.delete());
}

/** Starts the scheduled evaluation now, outside its calendar. */
export function triggerEvaluationSchedule(client: Client, scheduleId: string): Promise<void> {
  return withSchedule(client, scheduleId, (handle) => handle.trigger());
}
