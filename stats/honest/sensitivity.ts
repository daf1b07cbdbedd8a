/**
 * Rambachan–Roth sensitivity of an event study's effects to violations of parallel trends, for the two
 * targets a report states: the effect in the award year (e = 0) and the average over post-award years.
 * For each: the original interval, the Δ^RM(M̄) C-LF sets, the Δ^SD(M) FLCIs, and the breakdown values,
 * the smallest M̄ and M at which the set includes zero.
 */
import { normalQuantile } from '../distributions.js';
import { HONESTDID_HYBRID, type HybridSettings } from './conditional-test.js';
import { targetEstimate, type EventStudy } from './event-study.js';
import { HONESTDID_GRID, relativeMagnitudesAccept, relativeMagnitudesInterval, type EmptySetReason, type GridSettings } from './relative-magnitudes.js';
import { smoothnessInterval } from './smoothness.js';

export const DEFAULT_MBAR = [0, 0.5, 1, 1.5, 2] as const;

/** The breakdown M̄ is found to within this (it is read to two digits); each step builds every piece's test. */
const MBAR_BREAKDOWN_TOLERANCE = 0.005;

export interface Bounds {
  readonly lb: number | null;
  readonly ub: number | null;
}

export interface TargetSensitivity {
  readonly l_vec: number[];
  readonly estimate: number;
  readonly se: number;
  readonly original: Bounds;
  /**
   * Δ^RM(M̄) C-LF sets, searched in their own range: lb/ub are bounds unless lower_open/upper_open says
   * the set was still accepted at the search limit there; both null with empty_reason when the set is empty.
   */
  readonly relative_magnitudes: (Bounds & { readonly Mbar: number; readonly lower_open: boolean; readonly upper_open: boolean; readonly empty_reason: EmptySetReason | null })[];
  readonly smoothness: (Bounds & { readonly M: number })[];
  /** Null when the set still excludes zero at the largest value searched (`breakdown_search_limit`). */
  readonly breakdown: { readonly Mbar: number | null; readonly M: number | null };
  readonly breakdown_search_limit: { readonly Mbar: number; readonly M: number };
}

export interface SensitivityResult {
  readonly num_pre_periods: number;
  readonly num_post_periods: number;
  readonly alpha: number;
  readonly effect_at_0: TargetSensitivity;
  readonly average_post: TargetSensitivity;
}

export interface SensitivityOptions {
  readonly mbar?: readonly number[];
  /** Omitted: HonestDiD's default, ten values from 0 to the pre-period upper bound of M. */
  readonly m?: readonly number[];
  readonly alpha?: number;
  readonly grid?: GridSettings;
}

/** HonestDiD's default M grid: ten points on [0, DeltaSD_upperBound_Mpre] (or on [0, se(β₁)] with one pre-period). */
export function defaultSmoothnessGrid(study: EventStudy, alpha = 0.05): number[] {
  const { betahat, sigma, prePeriods: pre } = study;
  const size = sigma.rows;
  let upper: number;
  if (pre === 1) upper = Math.sqrt(sigma.values[0]);
  else {
    // Second differences of (β_pre, 0): the reference period closes the sequence.
    upper = -Infinity;
    const coefficient = (i: number) => (i < pre ? betahat[i] : 0);
    for (let r = 0; r + 2 <= pre; r++) {
      const weights = [1, -2, 1];
      let difference = 0;
      let variance = 0;
      for (let a = 0; a < 3; a++) {
        difference += weights[a] * coefficient(r + a);
        for (let b = 0; b < 3; b++)
          if (r + a < pre && r + b < pre) variance += weights[a] * weights[b] * sigma.values[(r + a) * size + r + b];
      }
      for (const sign of [1, -1]) upper = Math.max(upper, sign * difference + normalQuantile(1 - alpha) * Math.sqrt(variance));
    }
  }
  const step = upper / 9;
  return Array.from({ length: 10 }, (_, i) => (i === 9 ? upper : i * step));
}

export function postAverageTarget(post: number): Float64Array {
  return new Float64Array(post).fill(1 / post);
}

export function awardYearTarget(post: number): Float64Array {
  const target = new Float64Array(post);
  target[0] = 1;
  return target;
}

export function sensitivityAnalysis(study: EventStudy, options: SensitivityOptions = {}): SensitivityResult {
  const alpha = options.alpha ?? 0.05;
  const settings: HybridSettings = { ...HONESTDID_HYBRID, alpha, kappa: alpha / 10 };
  const grid = options.grid ?? HONESTDID_GRID;
  const mbar = options.mbar ?? DEFAULT_MBAR;
  const m = options.m ?? defaultSmoothnessGrid(study, alpha);
  const forTarget = (target: Float64Array): TargetSensitivity => {
    const { estimate, se } = targetEstimate(study, target);
    const z = normalQuantile(1 - alpha / 2);
    const mbarLimit = 64;
    const mLimit = se * 2 ** 20;
    return {
      l_vec: Array.from(target),
      estimate,
      se,
      original: { lb: estimate - z * se, ub: estimate + z * se },
      relative_magnitudes: mbar.map((value) => {
        const interval = relativeMagnitudesInterval(study, target, value, settings, grid);
        return { Mbar: value, lb: interval.lb, ub: interval.ub, lower_open: interval.lowerOpen, upper_open: interval.upperOpen, empty_reason: interval.emptyReason };
      }),
      smoothness: m.map((value) => {
        const interval = smoothnessInterval(study, target, value, alpha);
        return { M: value, lb: interval.lb, ub: interval.ub };
      }),
      breakdown: {
        Mbar: smallestIncludingZero((value) => relativeMagnitudesAccept(study, target, value, 0, settings), 1, mbarLimit, MBAR_BREAKDOWN_TOLERANCE),
        M: smallestIncludingZero(
          (value) => {
            const interval = smoothnessInterval(study, target, value, alpha);
            return interval.lb <= 0 && interval.ub >= 0;
          },
          se,
          mLimit,
          1e-4 * se,
        ),
      },
      breakdown_search_limit: { Mbar: mbarLimit, M: mLimit },
    };
  };
  return {
    num_pre_periods: study.prePeriods,
    num_post_periods: study.postPeriods,
    alpha,
    effect_at_0: forTarget(awardYearTarget(study.postPeriods)),
    average_post: forTarget(postAverageTarget(study.postPeriods)),
  };
}

/**
 * The smallest bound at which the set includes zero, by doubling from `start` and then bisection to
 * `tolerance`; 0 when it already does at 0, null when it still does not at `limit`. Assumes the sets grow
 * with the bound, as Δ^RM(M̄) and Δ^SD(M) do.
 */
function smallestIncludingZero(includesZero: (bound: number) => boolean, start: number, limit: number, tolerance: number): number | null {
  if (includesZero(0)) return 0;
  let excluded = 0;
  let included = start;
  while (!includesZero(included)) {
    excluded = included;
    if (included >= limit) return null;
    included = Math.min(included * 2, limit);
  }
  while (included - excluded > tolerance) {
    const middle = (included + excluded) / 2;
    if (includesZero(middle)) included = middle;
    else excluded = middle;
  }
  return included;
}
