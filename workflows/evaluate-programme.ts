/**
 * One programme's evaluation, durably: ingest the applicant, outcome and (when given) official-statistics files, register the run with its
 * lineage, compute the logic-model KPIs, estimate the effects, and refresh what BI tools read.
 * Deterministic orchestration only; every side effect is an activity.
 */
import { CancellationScope, defineQuery, isCancellation, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { EbpmActivities } from '../activities/index.js';
import type { EffectSummary, IngestAccount, KpiSummary, RegisteredRun } from '../activities/contracts.js';
import { DEFAULT_HEARTBEAT_TIMEOUT } from './heartbeat-timeout.js';

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
  'ingesting the input files',
  'registering run',
  'computing KPIs and estimating effects',
  'refreshing BI views',
  'done',
] as const;

/** The steps of runs started before the input files were loaded side by side, which replay as they ran. */
const SEQUENTIAL_INGEST_STEPS = ['ingesting applicants', 'ingesting outcomes', 'ingesting statistics'] as const;

/**
 * Runs started before this marker load the applicant, outcome and statistics files one after another; later ones
 * load them at once. The files go to different tables and each load keeps its own account, so neither waits for
 * the other: on 2 cores the applicant load's database work fills the time the outcome load's parse leaves free.
 */
const FILES_SIDE_BY_SIDE = 'files-loaded-side-by-side';

/** The steps of runs started before the KPIs and the effects were computed together, which replay as they ran. */
const SEQUENTIAL_ANALYSIS_STEPS = ['computing KPIs', 'estimating effects'] as const;

/** Runs started before this marker compute the KPIs first and then the effects; later ones do both at once (the effects on a compute thread). */
const KPIS_BESIDE_EFFECTS = 'kpis-beside-effects';

/** Runs started before this marker did not register their spec as a step of its own (registerRun still does, if needed). */
const SPEC_REGISTRATION_STEP = 'spec-registration-log';

export interface EvaluationProgress {
  readonly step: (typeof STEPS)[number] | (typeof SEQUENTIAL_INGEST_STEPS)[number] | (typeof SEQUENTIAL_ANALYSIS_STEPS)[number] | 'failed' | 'cancelled';
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
  // A replayed run's steps that are one step of today's: counted as that step.
  const advanceWithin = (today: (typeof STEPS)[number], step: (typeof SEQUENTIAL_INGEST_STEPS)[number] | (typeof SEQUENTIAL_ANALYSIS_STEPS)[number]) => {
    progress = { step, completedSteps: STEPS.indexOf(today), totalSteps };
  };

  const heavy = heavyActivities(input.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT);
  await fast.registerProgramme(input.programmeId);
  // The run starts by recording its spec in the append-only registration log, in database time, if it is not there.
  if (patched(SPEC_REGISTRATION_STEP)) await fast.registerStudySpec({ programmeId: input.programmeId, workflowId: workflowInfo().workflowId });
  const replaces = input.replaces ? { replaces: true } : {};
  const load = (kind: 'applicants' | 'outcomes' | 'statistics', path: string) => heavy.ingestFile({ programmeId: input.programmeId, kind, path, ...replaces });
  let applicants: IngestAccount;
  let outcomes: IngestAccount;
  let statistics: IngestAccount[];
  if (patched(FILES_SIDE_BY_SIDE)) {
    advance('ingesting the input files');
    const statisticsFile = input.statisticsFile;
    [applicants, outcomes, statistics] = await allOrFirstFailure([
      load('applicants', input.applicantsFile),
      load('outcomes', input.outcomesFile),
      statisticsFile ? load('statistics', statisticsFile).then((account) => [account]) : Promise.resolve([]),
    ] as const);
  } else {
    advanceWithin('ingesting the input files', 'ingesting applicants');
    applicants = await load('applicants', input.applicantsFile);
    advanceWithin('ingesting the input files', 'ingesting outcomes');
    outcomes = await load('outcomes', input.outcomesFile);
    advanceWithin('ingesting the input files', 'ingesting statistics');
    statistics = input.statisticsFile ? [await load('statistics', input.statisticsFile)] : [];
  }

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
  const step = { runKey: run.runKey, programmeId: input.programmeId };
  try {
    if (patched(KPIS_BESIDE_EFFECTS)) {
      advance('computing KPIs and estimating effects');
      [kpis, effects] = await allOrFirstFailure([heavy.computeKpis(step), heavy.estimateEffects(step)] as const);
    } else {
      advanceWithin('computing KPIs and estimating effects', 'computing KPIs');
      kpis = await heavy.computeKpis(step);
      advanceWithin('computing KPIs and estimating effects', 'estimating effects');
      effects = await heavy.estimateEffects(step);
    }
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

/**
 * Every result; or, once all have ended, the failure of the first one that failed in argument order (a failed
 * step does not stop the others): the run's end is recorded only when no step can still write to it, and a load
 * that failed is reported after the others have committed what they read.
 */
async function allOrFirstFailure<T extends readonly unknown[]>(steps: { readonly [K in keyof T]: Promise<T[K]> }): Promise<{ -readonly [K in keyof T]: T[K] }> {
  const settled = await Promise.allSettled(steps);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: T[K] };
}
