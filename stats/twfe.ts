/**
 * Two-way fixed-effects regressions (unit and period effects) with standard errors clustered by unit,
 * following fixest's defaults so that numbers can be compared with R:
 * small-sample factor (n-1)/(n-K) · G/(G-1), where K counts the slopes and every period effect
 * (unit effects are nested in the unit clusters and are not counted), and t(G-1) inference.
 */
import { inverseSymmetric, multiplyMatrixVector, sandwich, SingularMatrixError } from './linear-algebra.js';
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
 * The two-way within transformation (residuals on unit and period fixed effects), exactly and in two passes:
 * demean within units, then partial out the within-unit-demeaned period dummies (Frisch–Waugh–Lovell), whose
 * (T−1)² Gram matrix depends only on which periods each unit is observed in. Falls back to alternating
 * projections when a unit's periods do not fit a bit mask or the period design is singular.
 */
export function demeanTwoWay(values: Float64Array, panel: StaggeredPanel): Float64Array {
  const design = periodDesignOf(panel);
  if (!design) return demeanTwoWayIteratively(values, panel);
  const n = values.length;
  const T = panel.periods.length;
  const result = Float64Array.from(values);
  const unitSums = new Float64Array(panel.unitCount);
  for (let i = 0; i < n; i++) unitSums[panel.unit[i]] += result[i];
  for (let i = 0; i < n; i++) result[i] -= unitSums[panel.unit[i]] / design.unitCounts[panel.unit[i]];
  // D̃'x̃: the within-unit-demeaned dummies' products reduce to period sums, as x̃ sums to 0 within units.
  const periodSums = new Float64Array(T);
  for (let i = 0; i < n; i++) periodSums[panel.period[i]] += result[i];
  const gamma = new Float64Array(T);
  for (let t = 1; t < T; t++) {
    let sum = 0;
    for (let s = 1; s < T; s++) sum += design.gramInverse[(t - 1) * (T - 1) + (s - 1)] * periodSums[s];
    gamma[t] = sum;
  }
  // ẍ_i = x̃_i − Σ_t d̃_t,i γ_t, with d̃_t,i = 1{t_i = t} − 1{u observed in t}/n_u.
  const unitShift = new Float64Array(panel.unitCount);
  for (let i = 0; i < n; i++) unitShift[panel.unit[i]] += gamma[panel.period[i]];
  for (let i = 0; i < n; i++) {
    const u = panel.unit[i];
    result[i] += unitShift[u] / design.unitCounts[u] - gamma[panel.period[i]];
  }
  return result;
}

interface PeriodDesign {
  readonly unitCounts: Float64Array;
  /** Each unit's observed periods, bit t for period index t. */
  readonly masks: Int32Array;
  /** Inverse of the Gram matrix of the within-unit-demeaned dummies of periods 1…T−1. */
  readonly gramInverse: Float64Array;
}

/** By the panel's unit and period columns: the design depends on nothing else, so panels that share them (one per outcome) share it. */
const periodDesigns = new WeakMap<Int32Array, WeakMap<Int32Array, PeriodDesign | null>>();

function periodDesignOf(panel: StaggeredPanel): PeriodDesign | null {
  let byPeriod = periodDesigns.get(panel.unit);
  if (!byPeriod) periodDesigns.set(panel.unit, (byPeriod = new WeakMap()));
  if (byPeriod.has(panel.period)) return byPeriod.get(panel.period) as PeriodDesign | null;
  const design = buildPeriodDesign(panel);
  byPeriod.set(panel.period, design);
  return design;
}

function buildPeriodDesign(panel: StaggeredPanel): PeriodDesign | null {
  const T = panel.periods.length;
  if (T < 2 || T > 30) return null;
  const unitCounts = new Float64Array(panel.unitCount);
  const masks = new Int32Array(panel.unitCount);
  const periodCounts = new Float64Array(T);
  for (let i = 0; i < panel.unit.length; i++) {
    unitCounts[panel.unit[i]]++;
    masks[panel.unit[i]] |= 1 << panel.period[i];
    periodCounts[panel.period[i]]++;
  }
  // Units with the same observed periods contribute alike: G = diag(n_t) − Σ_masks (units/|mask|)·1_mask 1_mask'.
  const weightOfMask = new Map<number, number>();
  for (let u = 0; u < panel.unitCount; u++) if (unitCounts[u] > 0) weightOfMask.set(masks[u], (weightOfMask.get(masks[u]) ?? 0) + 1 / unitCounts[u]);
  const size = T - 1;
  const gram = new Float64Array(size * size);
  for (let t = 1; t < T; t++) gram[(t - 1) * size + (t - 1)] = periodCounts[t];
  for (const [mask, weight] of weightOfMask) {
    for (let t = 1; t < T; t++) {
      if (!(mask & (1 << t))) continue;
      for (let s = 1; s < T; s++) if (mask & (1 << s)) gram[(t - 1) * size + (s - 1)] -= weight;
    }
  }
  try {
    return { unitCounts, masks, gramInverse: inverseSymmetric(gram, size, 'period fixed effects') };
  } catch (error) {
    if (error instanceof SingularMatrixError) return null;
    throw error;
  }
}

/**
 * Removes unit and period means by alternating projections. On a balanced panel one sweep is exact;
 * on an unbalanced one the sweeps converge to the two-way within transformation.
 */
export function demeanTwoWayIteratively(values: Float64Array, panel: StaggeredPanel): Float64Array {
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

/** What inference needs from a TWFE design: X̃'X̃, X̃'ỹ, and the per-unit scores Σ_t x̃_it e_it for given β. */
interface TwfeMoments {
  readonly crossProduct: Float64Array;
  readonly xy: Float64Array;
  unitScores(beta: Float64Array): Float64Array;
  readonly observations: number;
  readonly periodsObserved: number;
}

/** Coefficients, cluster-robust SEs (fixest's small-sample factor) and t(G−1) intervals from the moments. */
function inference(panel: StaggeredPanel, terms: readonly string[], moments: TwfeMoments, confidenceLevel: number): TwfeFit {
  const p = terms.length;
  const bread = inverseSymmetric(moments.crossProduct, p, `TWFE regressors (${terms.join(', ')})`);
  const beta = multiplyMatrixVector(bread, p, moments.xy);
  const scores = moments.unitScores(beta);
  const unitSeen = new Uint8Array(panel.unitCount);
  for (let i = 0; i < panel.unit.length; i++) unitSeen[panel.unit[i]] = 1;
  let clusters = 0;
  for (let g = 0; g < panel.unitCount; g++) clusters += unitSeen[g];
  const meat = new Float64Array(p * p);
  for (let g = 0; g < panel.unitCount; g++) {
    const offset = g * p;
    for (let a = 0; a < p; a++) {
      const sa = scores[offset + a];
      if (sa === 0) continue;
      for (let b = 0; b < p; b++) meat[a * p + b] += sa * scores[offset + b];
    }
  }
  const n = moments.observations;
  // fixest drops the unit effects (nested in the clusters) whole, so all period effects count.
  const parameters = p + moments.periodsObserved;
  const smallSample = ((n - 1) / (n - parameters)) * (clusters / (clusters - 1));
  const variance = sandwich(bread, meat, p);
  const degreesOfFreedom = clusters - 1;
  const critical = studentTQuantile(1 - (1 - confidenceLevel) / 2, degreesOfFreedom);
  const coefficients = terms.map((term, a) => {
    const stdError = Math.sqrt(variance[a * p + a] * smallSample);
    const estimate = beta[a];
    return {
      term,
      estimate,
      stdError,
      pValue: twoSidedPValue(estimate / stdError, degreesOfFreedom),
      ciLow: estimate - critical * stdError,
      ciHigh: estimate + critical * stdError,
    };
  });
  return { coefficients, observations: n, clusters, confidenceLevel };
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
  const periodsObserved = new Set<number>();
  for (let i = 0; i < n; i++) periodsObserved.add(panel.period[i]);
  return inference(
    panel,
    regressors.map((regressor) => regressor.term),
    {
      crossProduct,
      xy,
      observations: n,
      periodsObserved: periodsObserved.size,
      unitScores(beta) {
        // Score sums per cluster: s_g = Σ_{i in g} x_i e_i.
        const scores = new Float64Array(panel.unitCount * p);
        for (let i = 0; i < n; i++) {
          let residual = y[i];
          for (let a = 0; a < p; a++) residual -= x[a][i] * beta[a];
          const offset = panel.unit[i] * p;
          for (let a = 0; a < p; a++) scores[offset + a] += x[a][i] * residual;
        }
        return scores;
      },
    },
    confidenceLevel,
  );
}

/** Every unit observed once in every period. */
function isBalanced(panel: StaggeredPanel): boolean {
  const T = panel.periods.length;
  if (panel.outcome.length !== panel.unitCount * T) return false;
  const counts = new Int32Array(panel.unitCount);
  for (let i = 0; i < panel.unit.length; i++) counts[panel.unit[i]]++;
  return counts.every((count) => count === T);
}

/**
 * TWFE on a balanced panel whose regressors depend only on the unit's cohort and the period (the treated
 * indicator, event-time dummies). Then the two-way demeaned regressor is x_ct − x̄_c − x̄_t + x̄ exactly,
 * and X̃'X̃ and X̃'ỹ need only cohort-period sums of the outcome: one pass over the data instead of a
 * demeaning per regressor. Gives the same numbers as fitTwfe.
 */
function fitTwfeByCohortPeriod(
  panel: StaggeredPanel,
  terms: readonly string[],
  regressorsOf: (cohort: number, periodIndex: number) => Float64Array,
  confidenceLevel: number,
): TwfeFit {
  assertPanelShape(panel);
  const n = panel.outcome.length;
  const U = panel.unitCount;
  const T = panel.periods.length;
  const p = terms.length;
  const cohorts = [...new Set(panel.cohortOfUnit)].sort((a, b) => a - b);
  const C = cohorts.length;
  const cohortIndexOf = new Map(cohorts.map((cohort, index) => [cohort, index]));
  const cohortOfUnit = Int32Array.from(panel.cohortOfUnit, (cohort) => cohortIndexOf.get(cohort) as number);
  const cohortSize = new Float64Array(C);
  for (let u = 0; u < U; u++) cohortSize[cohortOfUnit[u]]++;

  // Demeaned regressors per cohort and period: x̃_ct = x_ct − x̄_c· − x̄_·t + x̄.
  const raw = new Float64Array(C * T * p);
  cohorts.forEach((cohort, c) => {
    for (let t = 0; t < T; t++) raw.set(regressorsOf(cohort, t), (c * T + t) * p);
  });
  const demeaned = new Float64Array(C * T * p);
  for (let a = 0; a < p; a++) {
    const periodMean = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) periodMean[t] += cohortSize[c] * raw[(c * T + t) * p + a];
      periodMean[t] /= U;
    }
    let grandMean = 0;
    for (let t = 0; t < T; t++) grandMean += periodMean[t] / T;
    for (let c = 0; c < C; c++) {
      let cohortMean = 0;
      for (let t = 0; t < T; t++) cohortMean += raw[(c * T + t) * p + a] / T;
      for (let t = 0; t < T; t++) demeaned[(c * T + t) * p + a] = raw[(c * T + t) * p + a] - cohortMean - periodMean[t] + grandMean;
    }
  }

  // Outcome: ỹ_it = y_it − ȳ_i − ȳ_t + ȳ, and its cohort-period sums.
  const unitMean = new Float64Array(U);
  const periodMean = new Float64Array(T);
  for (let i = 0; i < n; i++) {
    unitMean[panel.unit[i]] += panel.outcome[i] / T;
    periodMean[panel.period[i]] += panel.outcome[i] / U;
  }
  let grandMean = 0;
  for (let t = 0; t < T; t++) grandMean += periodMean[t] / T;
  const demeanedY = new Float64Array(n);
  const cellSums = new Float64Array(C * T);
  for (let i = 0; i < n; i++) {
    const value = panel.outcome[i] - unitMean[panel.unit[i]] - periodMean[panel.period[i]] + grandMean;
    demeanedY[i] = value;
    cellSums[cohortOfUnit[panel.unit[i]] * T + panel.period[i]] += value;
  }

  return inference(panel, terms, cellMoments(panel, cohortOfUnit, cohortSize, demeaned, demeanedY, cellSums, T), confidenceLevel);
}

/** Units that share a cohort and a set of observed periods, with the period design of the panel. */
interface UnitGroups {
  readonly design: PeriodDesign;
  readonly groupOfUnit: Int32Array;
  readonly cohort: readonly number[];
  readonly mask: readonly number[];
  /** Units in each group. */
  readonly size: Float64Array;
}

function bitCount(mask: number): number {
  let count = 0;
  for (let bits = mask; bits !== 0; bits &= bits - 1) count++;
  return count;
}

/**
 * The units grouped by cohort and observed periods, when the panel has a period design and no unit is
 * observed twice in a period (its row count is then the size of its mask); otherwise null.
 */
function unitGroupsOf(panel: StaggeredPanel): UnitGroups | null {
  const design = periodDesignOf(panel);
  if (!design) return null;
  const groupOfUnit = new Int32Array(panel.unitCount);
  const groupOfKey = new Map<number, number>();
  const cohort: number[] = [];
  const mask: number[] = [];
  const sizes: number[] = [];
  for (let u = 0; u < panel.unitCount; u++) {
    const unitMask = design.masks[u];
    if (design.unitCounts[u] !== bitCount(unitMask)) return null;
    // Masks fit in 30 bits (at most 30 periods), so cohort and mask make one exact number.
    const key = panel.cohortOfUnit[u] * 2 ** 31 + unitMask;
    let group = groupOfKey.get(key);
    if (group === undefined) {
      group = cohort.length;
      groupOfKey.set(key, group);
      cohort.push(panel.cohortOfUnit[u]);
      mask.push(unitMask);
      sizes.push(0);
    }
    groupOfUnit[u] = group;
    sizes[group]++;
  }
  return { design, groupOfUnit, cohort, mask, size: Float64Array.from(sizes) };
}

/**
 * TWFE on an unbalanced panel whose regressors depend only on the unit's cohort and the period. Units with
 * the same cohort and observed periods have the same two-way demeaned regressors (demeanTwoWay's within
 * transformation, done once per group and period), so X̃'X̃ and X̃'ỹ need only group-period sums of the
 * demeaned outcome. On a national panel this replaces a demeaned copy of every event-time dummy per row
 * (13 × 8,000,000 doubles, and as many again before demeaning) with a few hundred cells. Gives the same
 * numbers as fitTwfe.
 */
function fitTwfeByGroupPeriod(
  panel: StaggeredPanel,
  groups: UnitGroups,
  terms: readonly string[],
  regressorsOf: (cohort: number, periodIndex: number) => Float64Array,
  confidenceLevel: number,
): TwfeFit {
  assertPanelShape(panel);
  const n = panel.outcome.length;
  const T = panel.periods.length;
  const p = terms.length;
  const G = groups.cohort.length;
  const { gramInverse } = groups.design;
  const observedIn = (g: number, t: number) => (groups.mask[g] & (1 << t)) !== 0;

  const demeaned = new Float64Array(G * T * p);
  for (let g = 0; g < G; g++) {
    for (let t = 0; t < T; t++) if (observedIn(g, t)) demeaned.set(regressorsOf(groups.cohort[g], t), (g * T + t) * p);
  }
  for (let a = 0; a < p; a++) {
    // Within the group's units: x̃_gt = x_gt − mean of x over the periods they are observed in.
    const periodSums = new Float64Array(T);
    for (let g = 0; g < G; g++) {
      let sum = 0;
      for (let t = 0; t < T; t++) if (observedIn(g, t)) sum += demeaned[(g * T + t) * p + a];
      const mean = sum / bitCount(groups.mask[g]);
      for (let t = 0; t < T; t++) {
        if (!observedIn(g, t)) continue;
        demeaned[(g * T + t) * p + a] -= mean;
        periodSums[t] += groups.size[g] * demeaned[(g * T + t) * p + a];
      }
    }
    // Then the period effects partialled out, as in demeanTwoWay: ẍ_gt = x̃_gt + Σ_{s observed} γ_s / n_g − γ_t.
    const gamma = new Float64Array(T);
    for (let t = 1; t < T; t++) {
      let sum = 0;
      for (let s = 1; s < T; s++) sum += gramInverse[(t - 1) * (T - 1) + (s - 1)] * periodSums[s];
      gamma[t] = sum;
    }
    for (let g = 0; g < G; g++) {
      let shift = 0;
      for (let t = 0; t < T; t++) if (observedIn(g, t)) shift += gamma[t];
      shift /= bitCount(groups.mask[g]);
      for (let t = 0; t < T; t++) if (observedIn(g, t)) demeaned[(g * T + t) * p + a] += shift - gamma[t];
    }
  }

  const demeanedY = demeanTwoWay(panel.outcome, panel);
  const cellSums = new Float64Array(G * T);
  for (let i = 0; i < n; i++) cellSums[groups.groupOfUnit[panel.unit[i]] * T + panel.period[i]] += demeanedY[i];
  return inference(panel, terms, cellMoments(panel, groups.groupOfUnit, groups.size, demeaned, demeanedY, cellSums, T), confidenceLevel);
}

/**
 * The moments of a TWFE fit whose demeaned regressors are the same for every row of a cell (a kind of unit —
 * a cohort, or a cohort and its observed periods — in a period): X̃'X̃ weighted by each kind's units, X̃'ỹ
 * from the cells' sums of the demeaned outcome, and the unit scores from the rows' residuals. Cells where no
 * row falls hold zeros and add nothing.
 */
function cellMoments(
  panel: StaggeredPanel,
  kindOfUnit: Int32Array,
  unitsOfKind: Float64Array,
  demeaned: Float64Array,
  demeanedY: Float64Array,
  cellSums: Float64Array,
  T: number,
): TwfeMoments {
  const n = panel.outcome.length;
  const cells = cellSums.length;
  const p = demeaned.length / cells;
  const crossProduct = new Float64Array(p * p);
  const xy = new Float64Array(p);
  let periodsSeen = 0;
  for (let cell = 0; cell < cells; cell++) {
    const offset = cell * p;
    const weight = unitsOfKind[Math.floor(cell / T)];
    for (let a = 0; a < p; a++) {
      const xa = demeaned[offset + a];
      xy[a] += xa * cellSums[cell];
      for (let b = 0; b <= a; b++) crossProduct[a * p + b] += weight * xa * demeaned[offset + b];
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) crossProduct[b * p + a] = crossProduct[a * p + b];
  const periodSeen = new Uint8Array(T);
  for (let i = 0; i < n; i++) periodSeen[panel.period[i]] = 1;
  for (let t = 0; t < T; t++) periodsSeen += periodSeen[t];
  return {
    crossProduct,
    xy,
    observations: n,
    periodsObserved: periodsSeen,
    unitScores(beta) {
      const fitted = new Float64Array(cells);
      for (let cell = 0; cell < cells; cell++) {
        let sum = 0;
        for (let a = 0; a < p; a++) sum += demeaned[cell * p + a] * beta[a];
        fitted[cell] = sum;
      }
      const scores = new Float64Array(panel.unitCount * p);
      for (let i = 0; i < n; i++) {
        const u = panel.unit[i];
        const cell = kindOfUnit[u] * T + panel.period[i];
        const residual = demeanedY[i] - fitted[cell];
        const offset = u * p;
        for (let a = 0; a < p; a++) {
          const xa = demeaned[cell * p + a];
          if (xa !== 0) scores[offset + a] += xa * residual;
        }
      }
      return scores;
    },
  };
}

/** D = 1 from the unit's cohort (first treated period) on; never-treated units (cohort 0) are never treated. */
const treated = (cohort: number, period: number): number => (cohort !== 0 && period >= cohort ? 1 : 0);

function treatedIndicator(panel: StaggeredPanel): Float64Array {
  const values = new Float64Array(panel.outcome.length);
  for (let i = 0; i < values.length; i++) values[i] = treated(panel.cohortOfUnit[panel.unit[i]], panel.periods[panel.period[i]]);
  return values;
}

/** Static TWFE: y_it = α_i + λ_t + β·D_it + ε_it, D_it = 1 once unit i is treated. */
export function fitStaticTwfe(panel: StaggeredPanel, confidenceLevel = 0.95, method: TwfeMethod = 'auto'): TwfeFit {
  const regressorsOf = (cohort: number, t: number) => Float64Array.of(treated(cohort, panel.periods[t]));
  if (method === 'auto') {
    if (isBalanced(panel)) return fitTwfeByCohortPeriod(panel, ['treated'], regressorsOf, confidenceLevel);
    const groups = unitGroupsOf(panel);
    if (groups) return fitTwfeByGroupPeriod(panel, groups, ['treated'], regressorsOf, confidenceLevel);
  }
  return fitTwfe(panel, [{ term: 'treated', values: treatedIndicator(panel) }], confidenceLevel);
}

/**
 * auto: the cohort-period shortcut on balanced panels and the group-period one on unbalanced panels with a
 * period design; alternating-projections: always demean each regressor, row by row.
 */
export type TwfeMethod = 'auto' | 'alternating-projections';

/**
 * Event-study TWFE: one dummy per event time e = t - g of ever-treated units, e = -1 omitted;
 * never-treated units carry no event dummies (the convention of fixest's i(rel_time, ref = -1)).
 */
export function fitEventStudyTwfe(panel: StaggeredPanel, confidenceLevel = 0.95, referenceEventTime = -1, method: TwfeMethod = 'auto'): TwfeEventStudyFit {
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
  const terms = eventTimes.map((eventTime) => `event_time::${eventTime}`);
  const withEventTimes = (fit: TwfeFit): TwfeEventStudyFit => ({
    ...fit,
    referenceEventTime,
    coefficients: fit.coefficients.map((coefficient, k) => ({ ...coefficient, eventTime: eventTimes[k] })),
  });
  if (method === 'auto') {
    const column = new Map(eventTimes.map((eventTime, k) => [eventTime, k]));
    const regressorsOf = (cohort: number, t: number) => {
      const values = new Float64Array(eventTimes.length);
      const k = cohort === 0 ? undefined : column.get(panel.periods[t] - cohort);
      if (k !== undefined) values[k] = 1;
      return values;
    };
    if (isBalanced(panel)) return withEventTimes(fitTwfeByCohortPeriod(panel, terms, regressorsOf, confidenceLevel));
    const groups = unitGroupsOf(panel);
    if (groups) return withEventTimes(fitTwfeByGroupPeriod(panel, groups, terms, regressorsOf, confidenceLevel));
  }
  const regressors = eventTimes.map((eventTime, k) => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (panel.cohortOfUnit[panel.unit[i]] !== 0 && eventTimeOf[i] === eventTime) values[i] = 1;
    }
    return { term: terms[k], values };
  });
  return withEventTimes(fitTwfe(panel, regressors, confidenceLevel));
}
