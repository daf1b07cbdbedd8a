/**
 * Confidence sets under Δ^RM(M̄): every post-award change in the trend difference is at most M̄ times the
 * largest pre-award change, as HonestDiD 0.2.6's computeConditionalCS_DeltaRM with its defaults (C-LF
 * hybrid, post-period moments only, 1,000 grid points on ±20 standard errors of the target around 0).
 *
 * Δ^RM is a union over which pre-award change is the largest (s) and its sign; the set for θ is the union
 * of the C-LF sets for each piece. Its ends are the first accepted grid point from either end, found by
 * scanning inwards, which is what HonestDiD's min and max over its full grid return.
 */
import { invertSquare, matrix, multiply, transpose, type Matrix } from '../small-matrix.js';
import { HONESTDID_HYBRID, NoNuisanceHybridTest, NuisanceHybridTest, type HybridSettings, type ThetaTest } from './conditional-test.js';
import { targetEstimate, type EventStudy } from './event-study.js';

export interface GridSettings {
  readonly points: number;
  /** Half-width of the grid, in standard errors of the target: HonestDiD's default is 20. */
  readonly halfWidthInSe: number;
}

export const HONESTDID_GRID: GridSettings = { points: 1000, halfWidthInSe: 20 };

export interface RobustInterval {
  /** Null when no grid point is accepted (the set is empty at this bound). */
  readonly lb: number | null;
  readonly ub: number | null;
  /** True when an end of the grid is accepted, so the set may extend beyond it. */
  readonly openAtGridEnd: boolean;
}

/**
 * Rows A with Δ^RM_{s,±}(M̄) = {δ : Aδ ≤ 0}, columns over the pre- and post-award coefficients (the
 * reference period, δ = 0, removed), as HonestDiD's .create_A_RM.
 */
export function relativeMagnitudeConstraints(pre: number, post: number, mbar: number, s: number, maxPositive: boolean): Matrix {
  const width = pre + post + 1;
  const largest = new Float64Array(width);
  // The change from period s − 1 to s, where column `pre` is the reference period.
  largest[pre + s - 1] = maxPositive ? -1 : 1;
  largest[pre + s] = maxPositive ? 1 : -1;
  const rows: Float64Array[] = [];
  for (const sign of [1, -1])
    for (let r = 0; r < pre + post; r++) {
      const row = new Float64Array(width);
      row[r] = -sign;
      row[r + 1] = sign;
      const bound = r < pre ? 1 : mbar;
      for (let j = 0; j < width; j++) row[j] -= bound * largest[j];
      let norm = 0;
      for (const value of row) norm += value * value;
      if (norm > 1e-10) rows.push(row);
    }
  const result = matrix(rows.length, pre + post);
  rows.forEach((row, i) => {
    let column = 0;
    for (let j = 0; j < width; j++) if (j !== pre) result.values[i * (pre + post) + column++] = row[j];
  });
  return result;
}

/**
 * HonestDiD's .construct_Gamma: an invertible matrix whose first row is lᵀ, completed by the unit vectors
 * that reduced row echelon form of [l I] picks as pivots (all but the one at l's last non-zero entry).
 */
export function basisWithTargetFirst(target: Float64Array): Matrix {
  const n = target.length;
  let lastNonZero = -1;
  for (let i = 0; i < n; i++) if (target[i] !== 0) lastNonZero = i;
  if (lastNonZero < 0) throw new RangeError('the target combination l is zero');
  const gamma = matrix(n, n);
  gamma.values.set(target, 0);
  let row = 1;
  for (let j = 0; j < n; j++) if (j !== lastNonZero) gamma.values[row++ * n + j] = 1;
  return gamma;
}

/** The C-LF test of θ = lᵀτ for one piece (s, sign) of Δ^RM(M̄). */
export function pieceTest(study: EventStudy, target: Float64Array, constraints: Matrix, settings: HybridSettings): ThetaTest {
  const { betahat, sigma, prePeriods: pre, postPeriods: post } = study;
  const width = pre + post;
  const touchesPost = (i: number) => {
    for (let j = pre; j < width; j++) if (constraints.values[i * width + j] !== 0) return true;
    return false;
  };
  const rows = Array.from({ length: constraints.rows }, (_, i) => i).filter(touchesPost);
  const reduced = matrix(rows.length, width);
  rows.forEach((row, r) => reduced.values.set(constraints.values.subarray(row * width, (row + 1) * width), r * width));
  if (post === 1) return new NoNuisanceHybridTest(reduced, betahat, sigma, pre, settings);

  const gammaInverse = invertSquare(basisWithTargetFirst(target));
  if (!gammaInverse) throw new RangeError('the basis built from l is singular');
  const intercept = new Float64Array(rows.length);
  const slope = new Float64Array(rows.length);
  const nuisance = matrix(rows.length, post - 1);
  for (let r = 0; r < rows.length; r++) {
    let y = 0;
    for (let j = 0; j < width; j++) y += reduced.values[r * width + j] * betahat[j];
    intercept[r] = y;
    for (let c = 0; c < post; c++) {
      let entry = 0;
      for (let j = 0; j < post; j++) entry += reduced.values[r * width + pre + j] * gammaInverse.values[j * post + c];
      if (c === 0) slope[r] = entry;
      else nuisance.values[r * (post - 1) + c - 1] = entry;
    }
  }
  return new NuisanceHybridTest({ intercept, slope, nuisance, covariance: multiply(multiply(reduced, sigma), transpose(reduced)) }, settings);
}

/** The tests of the pieces (s, sign) of Δ^RM(M̄), one per choice of the largest pre-award change and its sign, built as they are asked for. */
function* pieceTests(study: EventStudy, target: Float64Array, mbar: number, settings: HybridSettings): Generator<ThetaTest> {
  for (let s = -(study.prePeriods - 1); s <= 0; s++)
    for (const maxPositive of [true, false]) yield pieceTest(study, target, relativeMagnitudeConstraints(study.prePeriods, study.postPeriods, mbar, s, maxPositive), settings);
}

/** The tests of every piece of Δ^RM(M̄): θ is in the set when any of them accepts it. */
export function relativeMagnitudeTests(study: EventStudy, target: Float64Array, mbar: number, settings: HybridSettings = HONESTDID_HYBRID): ThetaTest[] {
  return [...pieceTests(study, target, mbar, settings)];
}

/** Whether the Δ^RM(M̄) set holds θ, building each piece's test only until one accepts. */
export function relativeMagnitudesAccept(study: EventStudy, target: Float64Array, mbar: number, theta: number, settings: HybridSettings = HONESTDID_HYBRID): boolean {
  for (const test of pieceTests(study, target, mbar, settings)) if (!test.rejects(theta)) return true;
  return false;
}

export function thetaGrid(study: EventStudy, target: Float64Array, grid: GridSettings = HONESTDID_GRID): Float64Array {
  const { se } = targetEstimate(study, target);
  const low = -grid.halfWidthInSe * se;
  const high = grid.halfWidthInSe * se;
  const step = (high - low) / (grid.points - 1);
  // As R's seq(): interior points from the lower end, both ends exact.
  return Float64Array.from({ length: grid.points }, (_, i) => (i === grid.points - 1 ? high : low + i * step));
}

/**
 * The grid points that a test's first stage does not reject outright: its statistic is convex in θ, so
 * they are a run of consecutive points, found by a ternary search for the minimum and a binary search for
 * each end. Null when the first stage rejects every point.
 */
function firstStageRun(test: ThetaTest, grid: Float64Array): [number, number] | null {
  const critical = test.leastFavourableCriticalValue;
  if (Number.isNaN(critical)) return [0, grid.length - 1];
  const known = new Map<number, number>();
  const excess = (i: number) => {
    let value = known.get(i);
    if (value === undefined) {
      value = test.firstStageStatistic(grid[i]) - critical;
      known.set(i, value);
    }
    return value;
  };
  let low = 0;
  let high = grid.length - 1;
  while (high - low > 2) {
    const third = Math.floor((high - low) / 3);
    const left = low + third;
    const right = high - third;
    if (excess(left) < excess(right)) high = right - 1;
    else if (excess(left) > excess(right)) low = left + 1;
    else [low, high] = [left, right];
  }
  let minimum = low;
  for (let i = low + 1; i <= high; i++) if (excess(i) < excess(minimum)) minimum = i;
  if (excess(minimum) > 0) return null;
  // Non-increasing up to the minimum, non-decreasing after it.
  let first = 0;
  let last = minimum;
  while (first < last) {
    const middle = (first + last) >>> 1;
    if (excess(middle) <= 0) last = middle;
    else first = middle + 1;
  }
  let end = grid.length - 1;
  let start = minimum;
  while (start < end) {
    const middle = (start + end + 1) >>> 1;
    if (excess(middle) <= 0) start = middle;
    else end = middle - 1;
  }
  return [first, start];
}

/**
 * The ends of the union of accepted grid points. Points outside a test's first-stage run are rejected by
 * it without the second stage, which is what keeps a thousand-point grid cheap.
 */
export function intervalOnGrid(tests: readonly ThetaTest[], grid: Float64Array): RobustInterval {
  const runs = tests.map((test) => firstStageRun(test, grid));
  const acceptedAt = (i: number) => tests.some((test, t) => {
    const run = runs[t];
    return run !== null && run[0] <= i && i <= run[1] && !test.rejects(grid[i]);
  });
  const live = runs.filter((run): run is [number, number] => run !== null);
  if (live.length === 0) return { lb: null, ub: null, openAtGridEnd: false };
  const from = Math.min(...live.map((run) => run[0]));
  const to = Math.max(...live.map((run) => run[1]));
  let first = -1;
  for (let i = from; i <= to && first < 0; i++) if (acceptedAt(i)) first = i;
  if (first < 0) return { lb: null, ub: null, openAtGridEnd: false };
  let last = first;
  for (let i = to; i > first; i--)
    if (acceptedAt(i)) {
      last = i;
      break;
    }
  return { lb: grid[first], ub: grid[last], openAtGridEnd: first === 0 || last === grid.length - 1 };
}

export function relativeMagnitudesInterval(
  study: EventStudy,
  target: Float64Array,
  mbar: number,
  settings: HybridSettings = HONESTDID_HYBRID,
  grid: GridSettings = HONESTDID_GRID,
): RobustInterval {
  return intervalOnGrid(relativeMagnitudeTests(study, target, mbar, settings), thetaGrid(study, target, grid));
}
