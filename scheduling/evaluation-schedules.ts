/**
 * Temporal Schedules that start the evaluation workflow at fixed times (the scheduled evaluation runs).
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { evaluateAllProgrammes, evaluateProgramme, type EvaluateAllProgrammesInput, type EvaluateProgrammeInput } from '../workflows/index.js';

/** What a schedule runs: one programme, or every programme of the catalogue (the scheduled evaluation run). */
export type ScheduledEvaluation =
  | { readonly kind: 'programme'; readonly input: EvaluateProgrammeInput }
  | { readonly kind: 'all-programmes'; readonly input: EvaluateAllProgrammesInput };

export interface EvaluationScheduleRequest {
  readonly scheduleId: string;
  readonly taskQueue: string;
  readonly evaluation: ScheduledEvaluation;
  /** Cron expression (e.g. "0 3 * * 1" = Mondays 03:00) or an interval (e.g. "1 day"); exactly one. */
  readonly cron?: string;
  readonly every?: string;
  readonly note?: string;
}

export interface EvaluationScheduleSummary {
  readonly scheduleId: string;
  /** The programme evaluated, or "all programmes". */
  readonly programmeId: string | undefined;
  readonly paused: boolean;
  readonly nextRuns: readonly Date[];
  readonly recentRuns: readonly Date[];
  readonly note: string | undefined;
}

/** The schedules' overlap policy, which triggers follow as well. */
const SCHEDULE_OVERLAP = ScheduleOverlapPolicy.BUFFER_ONE;

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
  const common = {
    scheduleId: request.scheduleId,
    spec: request.cron !== undefined ? { cronExpressions: [request.cron] } : { intervals: [{ every: request.every as `${number} ${string}` }] },
    // Two evaluations of the same programme must not overlap; a late one waits for the one running (triggers too).
    policies: { overlap: SCHEDULE_OVERLAP, catchupWindow: '1 day' as const },
    memo: { programmeId: request.evaluation.kind === 'programme' ? request.evaluation.input.programmeId : 'all programmes', note: request.note ?? '' },
  };
  const target = { type: 'startWorkflow' as const, taskQueue: request.taskQueue, workflowId: `scheduled-${request.scheduleId}` };
  try {
    if (request.evaluation.kind === 'programme') {
      await client.schedule.create({ ...common, action: { ...target, workflowType: evaluateProgramme, args: [request.evaluation.input] } });
    } else {
      await client.schedule.create({ ...common, action: { ...target, workflowType: evaluateAllProgrammes, args: [request.evaluation.input] } });
    }
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

/**
 * Starts the scheduled evaluation now, outside its calendar, under the schedule's own overlap policy: a trigger's
 * default (the SDK's) is to allow all, and in `npm run soak` a triggered all-programme run and the scheduled one
 * four seconds later loaded the same files at once, which doubled four files' row accounts.
 */
export function triggerEvaluationSchedule(client: Client, scheduleId: string): Promise<void> {
  return withSchedule(client, scheduleId, (handle) => handle.trigger(SCHEDULE_OVERLAP));
}

/** Triggers the schedule and waits for the workflow it starts to finish, returning its result. */
export async function triggerAndAwait<Result>(client: Client, scheduleId: string, timeoutMs = 30_000): Promise<{ workflowId: string; result: Result }> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = new Set((await handle.describe()).info.recentActions.map((action) => action.action.workflow.workflowId));
  await triggerEvaluationSchedule(client, scheduleId);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const started = (await handle.describe()).info.recentActions.map((action) => action.action.workflow).find((workflow) => !before.has(workflow.workflowId));
    if (started) {
      const result = (await client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result()) as Result;
      return { workflowId: started.workflowId, result };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new ScheduleRequestError(`schedule "${scheduleId}" started no workflow within ${timeoutMs / 1000} s of being triggered; is a worker polling its task queue?`);
}
