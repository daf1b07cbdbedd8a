/**
 * One programme's evaluation, durably: ingest the applicant, outcome and (when given) official-statistics files, register the run with its
 * lineage, compute the logic-model KPIs, estimate the effects, and refresh what BI tools read.
 * Deterministic orchestration only; every side effect is an activity.
 */
import { CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { EbpmActivities } from '../activities/index.js';
import type { EffectSummary, IngestAccount, KpiSummary, RegisteredRun } from '../activities/contracts.js';

export interface EvaluateProgrammeInput {
  readonly programmeId: string;
  readonly applicantsFile: string;
  readonly outcomesFile: string;
  /** Official statistics for the indicators the programme reads from them (indicator, fiscal_year, value, source, provenance). */
  readonly statisticsFile?: string;
  /**
   * The files supersede the programme's earlier files of their kinds (applicants: in the call rounds they
   * hold): earlier rows they no longer hold are retired. Without it, files add to what is loaded.
   */
  readonly replaces?: boolean;
  /** How long a loading, KPI or estimation attempt may stay silent before it counts as dead; default '2 minutes'. */
  readonly heartbeatTimeout?: string;
}

const STEPS = [
  'registering programme',
  'ingesting applicants',
  'ingesting outcomes',
  'ingesting statistics',
  'registering run',
  'computing KPIs',
  'estimating effects',
  'refreshing BI views',
  'done',
] as const;

export interface EvaluationProgress {
  readonly step: (typeof STEPS)[number] | 'failed' | 'cancelled';
  readonly completedSteps: number;
  readonly totalSteps: number;
}

export interface EvaluationResult {
  readonly programmeId: string;
  readonly run: RegisteredRun;
  readonly ingest: readonly IngestAccount[];
  readonly kpis: KpiSummary;
  readonly effects: EffectSummary;
  readonly refreshedViews: readonly string[];
}

export const progressQuery = defineQuery<EvaluationProgress>('progress');

const fast = proxyActivities<EbpmActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2 },
});

/** Activities that heartbeat: an attempt silent for `heartbeatTimeout` counts as dead and is retried on any worker. */
function heavyActivities(heartbeatTimeout: string) {
  return proxyActivities<EbpmActivities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout,
    retry: { maximumAttempts: 3, initialInterval: '5 seconds', backoffCoefficient: 2 },
  });
}

export async function evaluateProgramme(input: EvaluateProgrammeInput): Promise<EvaluationResult> {
  const totalSteps = STEPS.length - 1;
  let progress: EvaluationProgress = { step: STEPS[0], completedSteps: 0, totalSteps };
  setHandler(progressQuery, () => progress);
  const advance = (step: (typeof STEPS)[number]) => {
    progress = { step, completedSteps: STEPS.indexOf(step), totalSteps };
  };

  const heavy = heavyActivities(input.heartbeatTimeout ?? '2 minutes');
  await fast.registerProgramme(input.programmeId);
  const replaces = input.replaces ? { replaces: true } : {};
  advance('ingesting applicants');
  const applicants = await heavy.ingestFile({ programmeId: input.programmeId, kind: 'applicants', path: input.applicantsFile, ...replaces });
  advance('ingesting outcomes');
  const outcomes = await heavy.ingestFile({ programmeId: input.programmeId, kind: 'outcomes', path: input.outcomesFile, ...replaces });
  advance('ingesting statistics');
  const statistics = input.statisticsFile ? [await heavy.ingestFile({ programmeId: input.programmeId, kind: 'statistics', path: input.statisticsFile, ...replaces })] : [];

  advance('registering run');
  const info = workflowInfo();
  const run = await fast.registerRun({
    programmeId: input.programmeId,
    inputFiles: [
      { kind: 'applicants', sha256: applicants.fileSha256 },
      { kind: 'outcomes', sha256: outcomes.fileSha256 },
      ...statistics.map((file) => ({ kind: 'statistics' as const, sha256: file.fileSha256 })),
    ],
    workflowId: info.workflowId,
    workflowRunId: info.runId,
  });

  let kpis: KpiSummary;
  let effects: EffectSummary;
  try {
    advance('computing KPIs');
    kpis = await heavy.computeKpis({ runKey: run.runKey, programmeId: input.programmeId });
    advance('estimating effects');
    effects = await heavy.estimateEffects({ runKey: run.runKey, programmeId: input.programmeId });
    await fast.finishRun({ runKey: run.runKey, status: 'succeeded' });
  } catch (error) {
    const cancelled = isCancellation(error);
    progress = { ...progress, step: cancelled ? 'cancelled' : 'failed' };
    // Recording the end must happen even though the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(() => fast.finishRun({ runKey: run.runKey, status: cancelled ? 'cancelled' : 'failed' }));
    throw error;
  }
  advance('refreshing BI views');
  const refreshedViews = await fast.refreshBiViews();
  advance('done');
  return { programmeId: input.programmeId, run, ingest: [applicants, outcomes, ...statistics], kpis, effects, refreshedViews };
}
