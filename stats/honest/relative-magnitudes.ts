/**
 * Confidence sets under Δ^RM(M̄): every post-award change in the trend difference is at most M̄ times the
 * largest pre-award change, as HonestDiD 0.2.6's computeConditionalCS_DeltaRM with its defaults (C-LF
 * hybrid, post-period moments only, 1,000 grid points on ±20 standard errors of the target around 0).
 *
 * Δ^RM is a union over which pre-award change is the largest (s) and its sign; the set for θ is the union
 * of the C-LF sets for each piece. Its ends are the first accepted grid point from either end, found by
 * scanning inwards, which is what HonestDiD's min and max over its full grid return.
 */
import { invertSquare, matrix, type Matrix } from '../small-matrix.js';
import { HONESTDID_HYBRID, NoNuisanceHybridTest, NuisanceHybridTest, sandwichRows, type HybridSettings, type ThetaTest } from './conditional-test.js';
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
  return new NuisanceHybridTest({ intercept, slope, nuisance, covariance: sandwichRows(reduced, sigma) }, settings);
}

/** The tests of every piece of Δ^RM(M̄): θ is in the set when any of them accepts it. */
export function relativeMagnitudeTests(study: EventStudy, target: Float64Array, mbar: number, settings: HybridSettings = HONESTDID_HYBRID): ThetaTest[] {
  const tests: ThetaTest[] = [];
  for (let s = -(study.prePeriods - 1); s <= 0; s++)
    for (const maxPositive of [true, false])
      tests.push(pieceTest(study, target, relativeMagnitudeConstraints(study.prePeriods, study.postPeriods, mbar, s, maxPositive), settings));
  return tests;
}

export function thetaGrid(study: EventStudy, target: Float64Array, grid: GridSettings = HONESTDID_GRID): Float64Array {
  const { se } = targetEstimate(study, target);
  const low = -grid.halfWidthInSe * se;
  const high = grid.halfWidthInSe * se;
  const step = (high - low) / (grid.points - 1);
  // As R's seq(): interior points from the lower end, both ends exact.
  return Float64Array.from({ length: grid.points }, (_, i) => (i === grid.points - 1 ? high : low + i * step));
}

export function acceptedByAny(tests: readonly ThetaTest[], theta: number): boolean {
  return tests.some((test) => !test.rejects(theta));
}

/** The ends of the union of accepted grid points. */
export function intervalOnGrid(tests: readonly ThetaTest[], grid: Float64Array): RobustInterval {
  let first = -1;
  for (let i = 0; i < grid.length && first < 0; i++) if (acceptedByAny(tests, grid[i])) first = i;
  if (first < 0) return { lb: null, ub: null, openAtGridEnd: false };
  let last = first;
  for (let i = grid.length - 1; i > first; i--)
    if (acceptedByAny(tests, grid[i])) {
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
