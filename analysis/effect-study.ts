/**
 * Assembles a programme's effect study from firm-level data: who was awarded when (the cohorts),
 * their yearly outcomes, and the pre-registered spec saying which estimators to run on which outcomes.
 */
import type { OutcomeMeasure } from '../schemas/outcome.js';
import type { Estimator, StudySpec } from '../schemas/study-spec.js';
import { buildStaggeredPanel } from '../stats/build-panel.js';
import { fitEventStudyTwfe, fitStaticTwfe, type Coefficient } from '../stats/twfe.js';

export interface FirmCohort {
  readonly corporateNumber: string;
  /** Fiscal year of the firm's first award; null for applicants never awarded (the comparison group). */
  readonly firstAwardFiscalYear: number | null;
}

export interface OutcomePanelColumns {
  readonly corporateNumber: readonly string[];
  readonly fiscalYear: ArrayLike<number>;
  readonly measures: Readonly<Record<OutcomeMeasure, ArrayLike<number>>>;
}

export interface EffectRow {
  readonly outcome: OutcomeMeasure;
  readonly estimator: Estimator;
  /** 'overall' for a single summary effect, 'event_time::e' for event-study terms. */
  readonly term: string;
  readonly eventTime: number | null;
  readonly status: 'estimated' | 'insufficient_data';
  readonly estimate: number | null;
  readonly stdError: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly pValue: number | null;
  readonly confidenceLevel: number;
  readonly treatedUnits: number;
  readonly comparisonUnits: number;
  readonly observations: number;
  readonly note: string | null;
}

/** Cohort per firm from its applications: the earliest awarded round counts; 0 when never awarded. */
export function cohortsFromApplications(
  applications: readonly { corporateNumber: string; awardFiscalYear: number | null }[],
): FirmCohort[] {
  const firstAward = new Map<string, number | null>();
  for (const application of applications) {
    const known = firstAward.get(application.corporateNumber);
    const award = application.awardFiscalYear;
    if (known === undefined) firstAward.set(application.corporateNumber, award);
    else if (award !== null && (known === null || award < known)) firstAward.set(application.corporateNumber, award);
  }
  return [...firstAward].map(([corporateNumber, firstAwardFiscalYear]) => ({ corporateNumber, firstAwardFiscalYear }));
}

export function runEffectStudy(spec: StudySpec, cohorts: readonly FirmCohort[], panel: OutcomePanelColumns): EffectRow[] {
  const cohortByFirm = new Map(cohorts.map((firm) => [firm.corporateNumber, firm.firstAwardFiscalYear ?? 0]));
  const kept: number[] = [];
  for (let i = 0; i < panel.corporateNumber.length; i++) if (cohortByFirm.has(panel.corporateNumber[i])) kept.push(i);
  const unitId = kept.map((i) => panel.corporateNumber[i]);
  const time = Int32Array.from(kept, (i) => panel.fiscalYear[i]);
  const cohort = Int32Array.from(kept, (i) => cohortByFirm.get(panel.corporateNumber[i]) ?? 0);

  const observedFirms = new Set(unitId);
  let treatedUnits = 0;
  let comparisonUnits = 0;
  for (const firm of observedFirms) {
    if ((cohortByFirm.get(firm) ?? 0) > 0) treatedUnits++;
    else comparisonUnits++;
  }
  const sample = { treatedUnits, comparisonUnits, observations: kept.length };
  const shortfall = sampleShortfall(spec, treatedUnits, comparisonUnits);

  const rows: EffectRow[] = [];
  for (const outcome of spec.outcomes) {
    for (const estimator of spec.estimators) {
      if (shortfall) {
        rows.push({ ...emptyEstimate(outcome, estimator, spec.confidenceLevel, sample), note: shortfall });
        continue;
      }
      const outcomeValues = Float64Array.from(kept, (i) => panel.measures[outcome][i]);
      const staggered = buildStaggeredPanel({ unitId, time, cohort, outcome: outcomeValues });
      if (estimator === 'twfe_static') {
        const fit = fitStaticTwfe(staggered, spec.confidenceLevel);
        rows.push(estimatedRow(outcome, estimator, 'overall', null, fit.coefficients[0], spec.confidenceLevel, sample));
      } else {
        const fit = fitEventStudyTwfe(staggered, spec.confidenceLevel);
        for (const coefficient of fit.coefficients) {
          rows.push(estimatedRow(outcome, estimator, coefficient.term, coefficient.eventTime, coefficient, spec.confidenceLevel, sample));
        }
      }
    }
  }
  return rows;
}

function sampleShortfall(spec: StudySpec, treated: number, comparison: number): string | null {
  const problems: string[] = [];
  if (treated < spec.minimumTreatedUnits) problems.push(`${treated} awarded firms with outcomes (the spec needs at least ${spec.minimumTreatedUnits})`);
  if (comparison < spec.minimumComparisonUnits)
    problems.push(`${comparison} comparison firms with outcomes (the spec needs at least ${spec.minimumComparisonUnits})`);
  return problems.length ? `Not estimated: ${problems.join(' and ')}. A number from so few firms would not be credible.` : null;
}

type SampleSize = Pick<EffectRow, 'treatedUnits' | 'comparisonUnits' | 'observations'>;

function emptyEstimate(outcome: OutcomeMeasure, estimator: Estimator, confidenceLevel: number, sample: SampleSize): EffectRow {
  return {
    outcome,
    estimator,
    term: 'overall',
    eventTime: null,
    status: 'insufficient_data',
    estimate: null,
    stdError: null,
    ciLow: null,
    ciHigh: null,
    pValue: null,
    confidenceLevel,
    ...sample,
    note: null,
  };
}

function estimatedRow(
  outcome: OutcomeMeasure,
  estimator: Estimator,
  term: string,
  eventTime: number | null,
  coefficient: Coefficient,
  confidenceLevel: number,
  sample: SampleSize,
): EffectRow {
  return {
    outcome,
    estimator,
    term,
    eventTime,
    status: 'estimated',
    estimate: coefficient.estimate,
    stdError: coefficient.stdError,
    ciLow: coefficient.ciLow,
    ciHigh: coefficient.ciHigh,
    pValue: coefficient.pValue,
    confidenceLevel,
    ...sample,
    note: null,
  };
}
