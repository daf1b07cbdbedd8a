/**
 * Two-way fixed-effects regressions (unit and period effects) with standard errors clustered by unit,
 * following fixest's defaults so that numbers can be compared with R:
 * small-sample factor (n-1)/(n-K) · G/(G-1), where K counts the slopes and every period effect
 * (unit effects are nested in the unit clusters and are not counted), and t(G-1) inference.
 */
import { inverseSymmetric, multiplyMatrixVector, sandwich } from './linear-algebra.js';
import { studentTQuantile, twoSidedPValue } from './distributions.js';
import { assertPanelShape, PanelShapeError, type StaggeredPanel } from './panel.js';

export interface Coefficient {
  readonly term: string;
  readonly estimate: number;
  readonly stdError: number;
  readonly pValue: number;
  readonly ciLow: number;
  readonly ciHigh: number;
}

export interface TwfeFit {
  readonly coefficients: readonly Coefficient[];
  readonly observations: number;
  readonly clusters: number;
  readonly confidenceLevel: number;
}

export interface EventStudyCoefficient extends Coefficient {
  readonly eventTime: number;
}

export interface TwfeEventStudyFit extends Omit<TwfeFit, 'coefficients'> {
  readonly coefficients: readonly EventStudyCoefficient[];
  readonly referenceEventTime: number;
}

const DEMEANING_TOLERANCE = 1e-13;
const DEMEANING_MAX_SWEEPS = 5_000;

/**
 * Removes unit and period means by alternating projections. On a balanced panel one sweep is exact;
 * on an unbalanced one the sweeps converge to the two-way within transformation.
 */
export function demeanTwoWay(values: Float64Array, panel: StaggeredPanel): Float64Array {
  const result = Float64Array.from(values);
  const periodCount = panel.periods.length;
  const unitSums = new Float64Array(panel.unitCount);
  const unitCounts = new Float64Array(panel.unitCount);
  const periodSums = new Float64Array(periodCount);
  const periodCounts = new Float64Array(periodCount);
  for (let i = 0; i < result.length; i++) {
    unitCounts[panel.unit[i]]++;
    periodCounts[panel.period[i]]++;
  }
  let scale = 0;
  for (let i = 0; i < result.length; i++) scale = Math.max(scale, Math.abs(result[i]));
  const tolerance = DEMEANING_TOLERANCE * Math.max(scale, 1);
  for (let sweep = 0; sweep < DEMEANING_MAX_SWEEPS; sweep++) {
    unitSums.fill(0);
    for (let i = 0; i < result.length; i++) unitSums[panel.unit[i]] += result[i];
    for (let i = 0; i < result.length; i++) result[i] -= unitSums[panel.unit[i]] / unitCounts[panel.unit[i]];
    periodSums.fill(0);
    for (let i = 0; i < result.length; i++) periodSums[panel.period[i]] += result[i];
    let largestPeriodMean = 0;
    for (let t = 0; t < periodCount; t++) {
      if (periodCounts[t] > 0) largestPeriodMean = Math.max(largestPeriodMean, Math.abs(periodSums[t] / periodCounts[t]));
    }
    for (let i = 0; i < result.length; i++) result[i] -= periodSums[panel.period[i]] / periodCounts[panel.period[i]];
    if (largestPeriodMean < tolerance) return result;
  }
  return result;
}

/** OLS of the outcome on the given regressors after removing unit and period effects. */
export function fitTwfe(
  panel: StaggeredPanel,
  regressors: readonly { readonly term: string; readonly values: Float64Array }[],
  confidenceLevel = 0.95,
): TwfeFit {
  assertPanelShape(panel);
  const n = panel.outcome.length;
  const p = regressors.length;
  if (p === 0) throw new PanelShapeError('a TWFE regression needs at least one regressor');
  const y = demeanTwoWay(panel.outcome, panel);
  const x = regressors.map((regressor) => demeanTwoWay(regressor.values, panel));

  const crossProduct = new Float64Array(p * p);
  const xy = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    const xa = x[a];
    for (let b = 0; b <= a; b++) {
      const xb = x[b];
      let sum = 0;
      for (let i = 0; i < n; i++) sum += xa[i] * xb[i];
      crossProduct[a * p + b] = sum;
      crossProduct[b * p + a] = sum;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += xa[i] * y[i];
    xy[a] = sum;
  }
  const bread = inverseSymmetric(crossProduct, p, `TWFE regressors (${regressors.map((r) => r.term).join(', ')})`);
  const beta = multiplyMatrixVector(bread, p, xy);

  // Score sums per cluster: s_g = Σ_{i in g} x_i e_i.
  const scores = new Float64Array(panel.unitCount * p);
  for (let i = 0; i < n; i++) {
    let residual = y[i];
    for (let a = 0; a < p; a++) residual -= x[a][i] * beta[a];
    const offset = panel.unit[i] * p;
    for (let a = 0; a < p; a++) scores[offset + a] += x[a][i] * residual;
  }
  const unitSeen = new Uint8Array(panel.unitCount);
  for (let i = 0; i < n; i++) unitSeen[panel.unit[i]] = 1;
  let clusters = 0;
  for (let g = 0; g < panel.unitCount; g++) clusters += unitSeen[g];
  const meat = new Float64Array(p * p);
  for (let g = 0; g < panel.unitCount; g++) {
    const offset = g * p;
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) meat[a * p + b] += scores[offset + a] * scores[offset + b];
  }
  const periodsObserved = new Set<number>();
  for (let i = 0; i < n; i++) periodsObserved.add(panel.period[i]);
  // fixest drops the unit effects (nested in the clusters) whole, so all period effects count.
  const parameters = p + periodsObserved.size;
  const smallSample = ((n - 1) / (n - parameters)) * (clusters / (clusters - 1));
  const variance = sandwich(bread, meat, p);

  const degreesOfFreedom = clusters - 1;
  const critical = studentTQuantile(1 - (1 - confidenceLevel) / 2, degreesOfFreedom);
  const coefficients = regressors.map((regressor, a) => {
    const stdError = Math.sqrt(variance[a * p + a] * smallSample);
    const estimate = beta[a];
    return {
      term: regressor.term,
      estimate,
      stdError,
      pValue: twoSidedPValue(estimate / stdError, degreesOfFreedom),
      ciLow: estimate - critical * stdError,
      ciHigh: estimate + critical * stdError,
    };
  });
  return { coefficients, observations: n, clusters, confidenceLevel };
}

function treatedIndicator(panel: StaggeredPanel): Float64Array {
  const values = new Float64Array(panel.outcome.length);
  for (let i = 0; i < values.length; i++) {
    const cohort = panel.cohortOfUnit[panel.unit[i]];
    values[i] = cohort !== 0 && panel.periods[panel.period[i]] >= cohort ? 1 : 0;
  }
  return values;
}

/** Static TWFE: y_it = α_i + λ_t + β·D_it + ε_it, D_it = 1 once unit i is treated. */
export function fitStaticTwfe(panel: StaggeredPanel, confidenceLevel = 0.95): TwfeFit {
  return fitTwfe(panel, [{ term: 'treated', values: treatedIndicator(panel) }], confidenceLevel);
}

/**
 * Event-study TWFE: one dummy per event time e = t - g of ever-treated units, e = -1 omitted;
 * never-treated units carry no event dummies (the convention of fixest's i(rel_time, ref = -1)).
 */
export function fitEventStudyTwfe(panel: StaggeredPanel, confidenceLevel = 0.95, referenceEventTime = -1): TwfeEventStudyFit {
  const n = panel.outcome.length;
  const eventTimeOf = new Int32Array(n);
  const present = new Set<number>();
  for (let i = 0; i < n; i++) {
    const cohort = panel.cohortOfUnit[panel.unit[i]];
    if (cohort === 0) continue;
    const eventTime = panel.periods[panel.period[i]] - cohort;
    eventTimeOf[i] = eventTime;
    if (eventTime !== referenceEventTime) present.add(eventTime);
  }
  const eventTimes = [...present].sort((a, b) => a - b);
  if (eventTimes.length === 0) throw new PanelShapeError('no treated unit is observed outside the reference event time');
  const regressors = eventTimes.map((eventTime) => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (panel.cohortOfUnit[panel.unit[i]] !== 0 && eventTimeOf[i] === eventTime) values[i] = 1;
    }
    return { term: `event_time::${eventTime}`, values };
  });
  const fit = fitTwfe(panel, regressors, confidenceLevel);
  return {
    ...fit,
    referenceEventTime,
    coefficients: fit.coefficients.map((coefficient, k) => ({ ...coefficient, eventTime: eventTimes[k] })),
  };
}
