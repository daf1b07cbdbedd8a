/**
 * Confidence sets under Δ^RM(M̄): every post-award change in the trend difference is at most M̄ times the
 * largest pre-award change, as HonestDiD 0.2.6's computeConditionalCS_DeltaRM with its defaults (C-LF
 * hybrid, post-period moments only, tested on the points of its 1,000-point grid over ±20 standard errors
 * of the target around 0), except that the set is searched wherever it lies rather than cut off at that
 * grid's ends (HonestDiD issues #52, #62; stata-honestdid #11): see intervalInOwnRange.
 *
 * Δ^RM is a union over which pre-award change is the largest (s) and its sign; the set for θ is the union
 * of the C-LF sets for each piece. Its ends are the first accepted grid point from either end, found by
 * scanning inwards, which is what HonestDiD's min and max over its full grid return.
 */
import { invertSquare, matrix, multiply, transpose, type Matrix } from '../small-matrix.js';
import { HONESTDID_HYBRID, NoNuisanceHybridTest, NuisanceHybridTest, type HybridSettings, type ThetaRange, type ThetaTest } from './conditional-test.js';
import { targetEstimate, type EventStudy } from './event-study.js';

export interface GridSettings {
  /** Points of HonestDiD's grid; their spacing is the resolution of the search everywhere. */
  readonly points: number;
  /** Half-width of HonestDiD's grid around zero, in standard errors of the target: its default is 20. */
  readonly halfWidthInSe: number;
  /** The search stops this many standard errors of the target from the estimate (an end still accepted there is open). */
  readonly searchLimitInSe: number;
  /** The most points scanned across a range before it is scanned coarsely and its ends refined. */
  readonly maxScanPoints: number;
}

export const HONESTDID_GRID: GridSettings = { points: 1000, halfWidthInSe: 20, searchLimitInSe: 1000, maxScanPoints: 4000 };

/**
 * Why a robust set is empty: `rejected_outright`, every θ fails the least-favourable first stage;
 * `rejected_everywhere`, the conditional test rejects every point left; `beyond_search_limit`, the
 * first stage leaves only θ farther from the estimate than the search goes.
 */
export type EmptySetReason = 'rejected_outright' | 'rejected_everywhere' | 'beyond_search_limit';

export interface RobustInterval {
  /** The lowest accepted θ; null when the set is empty. When `lowerOpen`, only how far down the set was searched, not a bound. */
  readonly lb: number | null;
  readonly ub: number | null;
  /** The set was still accepted at the lower search limit: its true lower end lies beyond lb. */
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  /** Null unless the set is empty. */
  readonly emptyReason: EmptySetReason | null;
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

/**
 * θ at index i of the lattice that extends HonestDiD's grid with its own step: i = 0 … points − 1 are
 * HonestDiD's points exactly (as R's seq(): interior points from the lower end, both ends exact), and
 * the same step carries on beyond either end.
 */
function latticeOf(study: EventStudy, target: Float64Array, grid: GridSettings): { low: number; step: number; point(i: number): number } {
  const { se } = targetEstimate(study, target);
  const low = -grid.halfWidthInSe * se;
  const high = grid.halfWidthInSe * se;
  const step = (high - low) / (grid.points - 1);
  return { low, step, point: (i) => (i === grid.points - 1 ? high : low + i * step) };
}

/** HonestDiD's own grid: ±halfWidthInSe standard errors of the target around zero. */
export function thetaGrid(study: EventStudy, target: Float64Array, grid: GridSettings = HONESTDID_GRID): Float64Array {
  const lattice = latticeOf(study, target, grid);
  return Float64Array.from({ length: grid.points }, (_, i) => lattice.point(i));
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
 * The indices of the first and last grid points that some test accepts, scanning inwards from each end;
 * null when none is. Points outside a test's first-stage run are rejected by it without the second
 * stage, which is what keeps a thousand-point grid cheap.
 */
export function acceptedEnds(tests: readonly ThetaTest[], grid: Float64Array): [number, number] | null {
  const runs = tests.map((test) => firstStageRun(test, grid));
  const live = runs.filter((run): run is [number, number] => run !== null);
  if (live.length === 0) return null;
  const acceptedAt = (i: number) => tests.some((test, t) => {
    const run = runs[t];
    return run !== null && run[0] <= i && i <= run[1] && !test.rejects(grid[i]);
  });
  const from = Math.min(...live.map((run) => run[0]));
  const to = Math.max(...live.map((run) => run[1]));
  let first = -1;
  for (let i = from; i <= to && first < 0; i++) if (acceptedAt(i)) first = i;
  if (first < 0) return null;
  let last = first;
  for (let i = to; i > first; i--)
    if (acceptedAt(i)) {
      last = i;
      break;
    }
  return [first, last];
}

/** The ends of the union of accepted grid points on a fixed grid (HonestDiD's procedure), open where a grid end is accepted. */
export function intervalOnGrid(tests: readonly ThetaTest[], grid: Float64Array): RobustInterval {
  const ends = acceptedEnds(tests, grid);
  if (!ends) return { lb: null, ub: null, lowerOpen: false, upperOpen: false, emptyReason: 'rejected_everywhere' };
  return { lb: grid[ends[0]], ub: grid[ends[1]], lowerOpen: ends[0] === 0, upperOpen: ends[1] === grid.length - 1, emptyReason: null };
}

/** The span of the tests' least-favourable intervals, which holds every θ any of them accepts; null when all are empty. */
export function leastFavourableSpan(tests: readonly ThetaTest[]): ThetaRange | null {
  let lower = Infinity;
  let upper = -Infinity;
  for (const test of tests) {
    const range = test.leastFavourableRange();
    if (!range) continue;
    lower = Math.min(lower, range.lower);
    upper = Math.max(upper, range.upper);
  }
  return lower <= upper ? { lower, upper } : null;
}

/**
 * The C-LF set found in its own range rather than on a fixed grid. Its tests reject outright every θ
 * outside their least-favourable intervals, so the set lies inside the span of those intervals: the
 * search covers that span (cut at searchLimitInSe standard errors of the target from the estimate) on
 * HonestDiD's lattice, one step beyond each end. Where HonestDiD's interval lies inside its grid, the
 * same lattice points are tested and the same ends found; where its grid cuts the set off, the search
 * goes on past the cut. Only an end still accepted at the search limit is open.
 *
 * A span wider than `maxScanPoints` lattice steps is scanned every k-th point, and each end then refined
 * on the lattice points between the outermost accepted coarse point and its rejected neighbour.
 */
export function intervalInOwnRange(tests: readonly ThetaTest[], study: EventStudy, target: Float64Array, grid: GridSettings = HONESTDID_GRID): RobustInterval {
  const span = leastFavourableSpan(tests);
  if (!span) return { lb: null, ub: null, lowerOpen: false, upperOpen: false, emptyReason: 'rejected_outright' };
  const lattice = latticeOf(study, target, grid);
  const { estimate, se } = targetEstimate(study, target);
  const limitLow = Math.min(lattice.low, estimate - grid.searchLimitInSe * se);
  const limitHigh = Math.max(-lattice.low, estimate + grid.searchLimitInSe * se);
  const from = Math.max(span.lower, limitLow);
  const to = Math.min(span.upper, limitHigh);
  if (!(from <= to)) return { lb: null, ub: null, lowerOpen: false, upperOpen: false, emptyReason: 'beyond_search_limit' };
  const firstIndex = Math.floor((from - lattice.low) / lattice.step) - 1;
  const lastIndex = Math.ceil((to - lattice.low) / lattice.step) + 1;
  const stride = Math.max(1, Math.ceil((lastIndex - firstIndex + 1) / grid.maxScanPoints));
  const indices: number[] = [];
  for (let i = firstIndex; i < lastIndex; i += stride) indices.push(i);
  indices.push(lastIndex);
  const coarse = Float64Array.from(indices, (i) => lattice.point(i));
  const ends = acceptedEnds(tests, coarse);
  if (!ends) return { lb: null, ub: null, lowerOpen: false, upperOpen: false, emptyReason: 'rejected_everywhere' };
  const accepts = (theta: number) => tests.some((test) => !test.rejects(theta));
  let lb = coarse[ends[0]];
  let ub = coarse[ends[1]];
  if (ends[0] > 0)
    for (let i = indices[ends[0] - 1] + 1; i < indices[ends[0]]; i++)
      if (accepts(lattice.point(i))) {
        lb = lattice.point(i);
        break;
      }
  if (ends[1] < indices.length - 1)
    for (let i = indices[ends[1] + 1] - 1; i > indices[ends[1]]; i--)
      if (accepts(lattice.point(i))) {
        ub = lattice.point(i);
        break;
      }
  return { lb, ub, lowerOpen: ends[0] === 0, upperOpen: ends[1] === indices.length - 1, emptyReason: null };
}

export function relativeMagnitudesInterval(
  study: EventStudy,
  target: Float64Array,
  mbar: number,
  settings: HybridSettings = HONESTDID_HYBRID,
  grid: GridSettings = HONESTDID_GRID,
): RobustInterval {
  return intervalInOwnRange(relativeMagnitudeTests(study, target, mbar, settings), study, target, grid);
}
