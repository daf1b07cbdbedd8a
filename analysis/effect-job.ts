/**
 * A pre-registered effect study as one job over columns: the cohorts, the study, each event study's
 * sensitivity and the baseline moments, from data shaped to cross to a worker thread cheaply (typed
 * arrays, and every unit id once, with rows pointing at it by index). Pure: no I/O, no clock.
 */
import type { StudySpec } from '../schemas/study-spec.js';
import { baselineMoments, type BaselineMoments } from './baseline-moments.js';
import type { SensitivityBoundRow, SensitivitySummaryRow } from './effect-sensitivity.js';
import { cohortsOfIndexedApplications, runEffectStudy, type EffectStudy } from './effect-study.js';
import { unpackUnitFirms, type PackedUnitFirms } from './firm-counts.js';

export interface CallRoundOfJob {
  readonly round: number;
  readonly awardFiscalYear: number;
  readonly reviewCutoff?: number;
}

/** Consenting applications, one row each; numbers are NaN where the application has none. */
export interface ApplicationColumnsOfJob {
  /** Index into the job's `units`. */
  readonly unit: Int32Array;
  readonly awardFiscalYear: Float64Array;
  readonly callRound: Int32Array;
  readonly reviewScore: Float64Array;
  /** The applicant characteristics a spec may condition on, by applicant-file field name. */
  readonly characteristics: Readonly<Record<string, Float64Array>>;
}

/** Outcome rows in unit and year order; measures are NaN where not reported. */
export interface OutcomeColumnsOfJob {
  readonly unit: Int32Array;
  readonly fiscalYear: Int32Array;
  readonly measures: Readonly<Record<string, Float64Array>>;
}

export interface EffectJobInput {
  readonly spec: StudySpec;
  readonly callRounds: readonly CallRoundOfJob[];
  /** Every unit id the rows refer to, once. */
  readonly units: readonly string[];
  readonly applications: ApplicationColumnsOfJob;
  readonly outcomes: OutcomeColumnsOfJob;
  /** The firms behind each unit (absent: cells record no firm counts). */
  readonly unitFirms?: PackedUnitFirms;
}

export interface EffectJobResult {
  readonly study: Omit<EffectStudy, 'sensitivityTasks'>;
  readonly sensitivity: { readonly summaries: readonly SensitivitySummaryRow[]; readonly bounds: readonly SensitivityBoundRow[] };
  /** Each outcome's spread and year-to-year correlation before the first award. */
  readonly moments: readonly (BaselineMoments & { readonly outcome: string })[];
}

export type EffectJobProgress = { readonly step: 'estimating'; readonly units: number; readonly observations: number } | { readonly step: 'sensitivity'; readonly outcome: string };

export function runEffectJob(input: EffectJobInput, onProgress: (progress: EffectJobProgress) => void): EffectJobResult {
  const { spec, units, applications, outcomes } = input;
  onProgress({ step: 'estimating', units: applications.unit.length, observations: outcomes.fiscalYear.length });
  const { cohorts, entryOfUnit } = cohortsOfIndexedApplications(applications, units);
  const unitId: string[] = new Array(outcomes.unit.length);
  for (let row = 0; row < unitId.length; row++) unitId[row] = units[outcomes.unit[row]];
  const panel = { unitId, fiscalYear: outcomes.fiscalYear, measures: outcomes.measures };
  const { sensitivityTasks, ...study } = runEffectStudy(spec, cohorts, panel, {
    callRounds: input.callRounds,
    ...(input.unitFirms ? { firmsOfUnit: unpackUnitFirms(units, input.unitFirms), unitFirmsByIndex: input.unitFirms } : {}),
    unitsByIndex: { ofRow: outcomes.unit, entryOfUnit },
  });
  const summaries: SensitivitySummaryRow[] = [];
  const bounds: SensitivityBoundRow[] = [];
  for (const task of sensitivityTasks) {
    onProgress({ step: 'sensitivity', outcome: task.outcome });
    const result = task.run();
    summaries.push(...result.summaries);
    bounds.push(...result.bounds);
  }
  // Before the first award no unit is treated: the outcomes' spread and correlation there are what the next call's MDE needs.
  const firstAward = Math.min(...input.callRounds.map((round) => round.awardFiscalYear));
  const moments = spec.outcomes.flatMap((outcome) => {
    const values = outcomes.measures[outcome];
    const measured = values ? baselineMoments({ unitId, fiscalYear: outcomes.fiscalYear, values }, firstAward) : null;
    return measured ? [{ outcome, ...measured }] : [];
  });
  return { study, sensitivity: { summaries, bounds }, moments };
}

/**
 * The job as `parts` jobs over consecutive groups of its outcomes, so that separate threads estimate them
 * at once: a study's outcomes share the units and cohorts but nothing estimated. Each part rebuilds the
 * cohorts and the panel rows, so a job is split only into as many parts as there are threads to run them. A
 * part carries only its own measures (all of them when the spec names one the panel lacks, so that the error
 * can list what there is).
 */
export function splitOutcomes(input: EffectJobInput, parts: number): EffectJobInput[] {
  const outcomes = input.spec.outcomes;
  const count = Math.max(1, Math.min(parts, outcomes.length));
  if (count === 1) return [input];
  const measures = input.outcomes.measures;
  const perPart = Math.ceil(outcomes.length / count);
  const groups = Array.from({ length: Math.ceil(outcomes.length / perPart) }, (_, part) => outcomes.slice(part * perPart, (part + 1) * perPart));
  return groups.map((group) => ({
    ...input,
    spec: { ...input.spec, outcomes: group },
    outcomes: {
      ...input.outcomes,
      measures: group.every((outcome) => outcome in measures) ? Object.fromEntries(group.map((outcome) => [outcome, measures[outcome]])) : measures,
    },
  }));
}

/** The parts' results as the whole study's, in the spec's order of outcomes (as one job would list them). */
export function mergeParts(results: readonly EffectJobResult[]): EffectJobResult {
  const all = <Row>(rows: (result: EffectJobResult) => readonly Row[]) => results.flatMap(rows);
  return {
    study: {
      effects: all((result) => result.study.effects),
      pretests: all((result) => result.study.pretests),
      samples: all((result) => result.study.samples),
      notes: all((result) => result.study.notes),
      designs: all((result) => result.study.designs),
      trajectories: all((result) => result.study.trajectories),
      unitWeights: all((result) => result.study.unitWeights),
      rdSummaries: all((result) => result.study.rdSummaries),
      rdBins: all((result) => result.study.rdBins),
      rdCovariateBalance: all((result) => result.study.rdCovariateBalance),
    },
    sensitivity: { summaries: all((result) => result.sensitivity.summaries), bounds: all((result) => result.sensitivity.bounds) },
    moments: all((result) => result.moments),
  };
}
