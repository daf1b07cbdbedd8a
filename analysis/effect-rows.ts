/** An effect estimate as stored, for every design, and the helpers the designs share to make one. */
import type { StudySpec } from '../schemas/study-spec.js';
import { normalCdf, normalQuantile } from '../stats/distributions.js';

/**
 * Estimators as stored. Staggered DiD: cs_attgt (one row per cohort and year), cs_simple, cs_dynamic (overall
 * and by event time), cs_group (overall and by cohort), cs_calendar (overall and by year), twfe_static,
 * twfe_event_study. Synthetic DiD: sdid, sc and did_block (overall and by cohort). Regression
 * discontinuity: rd_conventional, rd_bias_corrected, rd_robust.
 */
export type StoredEstimator =
  | 'cs_attgt'
  | 'cs_simple'
  | 'cs_dynamic'
  | 'cs_group'
  | 'cs_calendar'
  | 'twfe_static'
  | 'twfe_event_study'
  | 'sdid'
  | 'sc'
  | 'did_block'
  | 'rd_conventional'
  | 'rd_bias_corrected'
  | 'rd_robust';

/** The estimate to quote first for each design: staggered DiD's overall ATT, synthetic DiD's, and the robust RD estimate. */
export const HEADLINE_ESTIMATORS: readonly StoredEstimator[] = ['cs_simple', 'sdid', 'rd_robust'];

export function isHeadline(estimator: string): boolean {
  return (HEADLINE_ESTIMATORS as readonly string[]).includes(estimator);
}

export interface EffectRow {
  readonly outcome: string;
  readonly estimator: StoredEstimator;
  /** 'overall', or the element: 'e=…', 'cohort=…', 'year=…', 'cohort=…,year=…'. */
  readonly term: string;
  readonly eventTime: number | null;
  readonly cohort: number | null;
  readonly period: number | null;
  readonly status: 'estimated' | 'insufficient_data';
  readonly estimate: number | null;
  readonly stdError: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly pValue: number | null;
  readonly confidenceLevel: number;
  /** Bootstrap standard error and uniform band (simultaneous over the estimator's elements). */
  readonly bootstrapStdError: number | null;
  readonly bandLow: number | null;
  readonly bandHigh: number | null;
  readonly bandCriticalValue: number | null;
  readonly treatedUnits: number;
  readonly comparisonUnits: number;
  readonly observations: number;
  /** Treated units behind this estimate (its cohort, or the cohorts it averages), for disclosure control. */
  readonly cellUnits: number | null;
  /**
   * Distinct firms behind those treated units (applicants, lead applicants, consortium members, site operators):
   * what the disclosure rule counts. Null when the firms are not known (ad-hoc studies, comparison fits).
   */
  readonly cellFirms: number | null;
  /** Distinct firms behind the comparison units; null when not known. */
  readonly comparisonFirms: number | null;
  readonly note: string | null;
  /** How the standard error was computed where the design chooses between methods (synthetic DiD: jackknife or placebo). */
  readonly seMethod?: 'jackknife' | 'placebo' | null;
}

export type SampleSize = Pick<EffectRow, 'treatedUnits' | 'comparisonUnits' | 'observations'> & Partial<Pick<EffectRow, 'comparisonFirms'>>;

export const NO_BAND = { bootstrapStdError: null, bandLow: null, bandHigh: null, bandCriticalValue: null } as const;

export function sampleShortfall(spec: StudySpec, treated: number, comparison: number): string | null {
  const problems: string[] = [];
  if (treated < spec.minimumTreatedUnits) problems.push(`${treated} awarded units with outcomes (the spec needs at least ${spec.minimumTreatedUnits})`);
  if (comparison < spec.minimumComparisonUnits)
    problems.push(`${comparison} comparison units with outcomes (the spec needs at least ${spec.minimumComparisonUnits})`);
  return problems.length ? `Not estimated: ${problems.join(' and ')}. A number from so few units would not be credible.` : null;
}

export function notEstimated(outcome: string, estimator: StoredEstimator, confidenceLevel: number, sample: SampleSize, note: string): EffectRow {
  return {
    outcome,
    estimator,
    term: 'overall',
    eventTime: null,
    cohort: null,
    period: null,
    status: 'insufficient_data',
    estimate: null,
    stdError: null,
    ciLow: null,
    ciHigh: null,
    pValue: null,
    confidenceLevel,
    ...NO_BAND,
    comparisonFirms: null,
    ...sample,
    cellUnits: null,
    cellFirms: null,
    note,
  };
}

/** An estimated row with a normal interval and p-value from its standard error (null when there is none). */
export function normalRow(
  base: Pick<EffectRow, 'outcome' | 'estimator' | 'term' | 'confidenceLevel' | 'treatedUnits' | 'comparisonUnits' | 'observations' | 'cellUnits' | 'cellFirms'> &
    Partial<Pick<EffectRow, 'eventTime' | 'cohort' | 'period' | 'comparisonFirms'>>,
  estimate: number,
  stdError: number | null,
  interval?: readonly [number, number],
): EffectRow {
  const z = normalQuantile(1 - (1 - base.confidenceLevel) / 2);
  const withError = stdError !== null && Number.isFinite(stdError);
  return {
    eventTime: null,
    cohort: null,
    period: null,
    comparisonFirms: null,
    ...base,
    status: 'estimated',
    estimate,
    stdError: withError ? stdError : null,
    ciLow: interval ? interval[0] : withError ? estimate - z * (stdError as number) : null,
    ciHigh: interval ? interval[1] : withError ? estimate + z * (stdError as number) : null,
    pValue: withError && (stdError as number) > 0 ? 2 * normalCdf(-Math.abs(estimate / (stdError as number))) : null,
    ...NO_BAND,
    note: null,
  };
}
