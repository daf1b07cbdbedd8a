/**
 * An analyst's ad-hoc study on the data already loaded: register it (refusing a field, value, outcome or
 * covariate the programme does not offer), estimate, and record how it ended. Cancelling it records the run
 * as cancelled; the estimate activity stores nothing for a run that is no longer running.
 */
import { CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AdhocOverrides } from '../analysis/adhoc-study.js';
import type { EbpmActivities } from '../activities/index.js';
import type { ExploratorySummary, RegisteredExploratoryRun } from '../activities/contracts.js';
import { DEFAULT_HEARTBEAT_TIMEOUT } from './heartbeat-timeout.js';

export interface ExploratoryStudyInput {
  readonly programmeId: string;
  readonly overrides: AdhocOverrides;
  readonly requestedBy: string;
  readonly note?: string;
  /** How long the estimation may stay silent before the attempt counts as dead; default '2 minutes'. */
  readonly heartbeatTimeout?: string;
}

const STEPS = ['checking the request', 'estimating', 'recording the result', 'done'] as const;

export interface ExploratoryProgress {
  readonly step: (typeof STEPS)[number] | 'failed' | 'cancelled';
  readonly completedSteps: number;
  readonly totalSteps: number;
  readonly runKey: string | null;
}

export interface ExploratoryResult {
  readonly programmeId: string;
  readonly run: RegisteredExploratoryRun;
  readonly estimates: ExploratorySummary;
}

/** Same name as the evaluation workflow's progress query, so `ebpm runs watch` follows either. */
export const exploratoryProgressQuery = defineQuery<ExploratoryProgress>('progress');

const fast = proxyActivities<EbpmActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2 },
});

export async function exploratoryStudy(input: ExploratoryStudyInput): Promise<ExploratoryResult> {
  const totalSteps = STEPS.length - 1;
  let progress: ExploratoryProgress = { step: STEPS[0], completedSteps: 0, totalSteps, runKey: null };
  setHandler(exploratoryProgressQuery, () => progress);
  const advance = (step: (typeof STEPS)[number]) => {
    progress = { ...progress, step, completedSteps: STEPS.indexOf(step) };
  };
  const heavy = proxyActivities<EbpmActivities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: input.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT,
    retry: { maximumAttempts: 3, initialInterval: '5 seconds', backoffCoefficient: 2 },
  });

  const info = workflowInfo();
  const run = await fast.registerExploratoryRun({
    programmeId: input.programmeId,
    overrides: input.overrides,
    requestedBy: input.requestedBy,
    ...(input.note ? { note: input.note } : {}),
    workflowId: info.workflowId,
    workflowRunId: info.runId,
  });
  progress = { ...progress, runKey: run.runKey };
  try {
    advance('estimating');
    const estimates = await heavy.estimateExploratory({ runKey: run.runKey, programmeId: input.programmeId });
    advance('recording the result');
    await fast.finishExploratoryRun({ runKey: run.runKey, status: 'succeeded' });
    advance('done');
    return { programmeId: input.programmeId, run, estimates };
  } catch (error) {
    const cancelled = isCancellation(error);
    progress = { ...progress, step: cancelled ? 'cancelled' : 'failed' };
    // Recording the end must happen even though the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(() => fast.finishExploratoryRun({ runKey: run.runKey, status: cancelled ? 'cancelled' : 'failed' }));
    throw error;
  }
}
