/**
 * The manipulation test of a review score's density at the cut-off (Cattaneo, Jansson & Ma 2020), as R
 * rddensity 3.0 computes it by default: local polynomial density estimators either side (order q = p + 1
 * on the empirical distribution function, unrestricted fit), jackknife variance, bandwidths by its
 * "comb" rule (the median of the side's own, the difference's and the sum's MSE-optimal bandwidths, with
 * its regularisation), and the mass-point adjustment for repeated scores. Awarded-by-score programmes
 * would show bunching just above the cut-off if applicants could steer their scores; the test's p-value
 * says whether the density jumps there.
 */
import { normalCdf } from '../distributions.js';
import { crossProduct, invertSquare, matrix } from '../small-matrix.js';
import type { RdKernel } from './kernel.js';

export interface DensityTestOptions {
  readonly cutoff: number;
  /** Order of the bandwidth selection's fit; the test's fit is p + 1 (rddensity's q). Default 2. */
  readonly p?: number;
  readonly kernel?: RdKernel;
  /** rddensity's massPoints: adjust for repeated values (default true). */
  readonly massPoints?: boolean;
}

export interface DensityTestResult {
  /** Jackknife t statistic of the density difference (right − left) and its two-sided p-value. */
  readonly test: { readonly t_jackknife: number; readonly p_jackknife: number };
  readonly density: { readonly left: number; readonly right: number };
  readonly se: { readonly left: number | null; readonly right: number | null };
  readonly bandwidth: { readonly left: number; readonly right: number };
  readonly n: { readonly left: number; readonly right: number; readonly effective_left: number; readonly effective_right: number };
  readonly p: number;
  readonly q: number;
  readonly mass_points: boolean;
}

export class DensityTestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DensityTestError';
  }
}

/** ∫ x^m K(x) dx over [0, 1] for rddensity's kernels. */
function kernelMoment(m: number, kernel: RdKernel): number {
  if (kernel === 'uniform') return 0.5 / (m + 1);
  if (kernel === 'epanechnikov') return 0.75 * (1 / (m + 1) - 1 / (m + 3));
  return 1 / (m + 1) - 1 / (m + 2);
}

function kernelWeight(u: number, kernel: RdKernel): number {
  if (kernel === 'uniform') return 0.5;
  if (kernel === 'epanechnikov') return 0.75 * (1 - u * u);
  return 1 - Math.abs(u);
}

/** Standardised Hermite polynomials He_p, for the normal-reference pilot bandwidths. */
function hermite(x: number, p: number): number {
  let previous = 1;
  let current = x;
  if (p === 0) return 1;
  for (let k = 1; k < p; k++) [previous, current] = [current, x * current - k * previous];
  return current;
}

// rddensity's constants of the pilot bandwidths (its Cb and Cc, for p = 1 … 7).
const PILOT_B = [25884.444444494150957, 3430865.4551236177795, 845007948.04262602329, 330631733667.03808594, 187774809656037.3125, 145729502641999264, 146013502974449876992];
const PILOT_C = [4.8000000000000246914, 548.57142857155463389, 100800.00000020420703, 29558225.458100609481, 12896196859.612621307, 7890871468221.609375, 6467911284037581];

interface Sample {
  /** Sorted, centred at the cut-off. */
  readonly x: Float64Array;
  /** The empirical distribution function at each point ((rank − 1)/(N − 1); a tie takes its group's last rank). */
  readonly y: Float64Array;
  readonly massPoints: boolean;
  readonly n: number;
  readonly nLeft: number;
  readonly nRight: number;
  readonly unique: Float64Array;
}

/** rows l, r, diff, sum of rddensity_fV: the estimate, its jackknife variance, and coefficient s. */
interface SideEstimates {
  readonly hat: readonly [number, number, number, number];
  readonly variance: readonly (number | null)[];
  readonly coefficient: readonly [number, number, number, number];
}

/** rddensity_fV, unrestricted, jackknife: local polynomial fits of the distribution function either side. */
function localDensity(sample: Sample, inWindow: (x: number) => boolean, hLeft: number, hRight: number, p: number, s: number, kernel: RdKernel): SideEstimates | null {
  const rows: number[] = [];
  for (let i = 0; i < sample.x.length; i++) if (inWindow(sample.x[i])) rows.push(i);
  const nh = rows.length;
  const width = 2 * p + 2;
  const xp = new Float64Array(nh * width);
  const xpw = new Float64Array(nh * width);
  const scale = Float64Array.from({ length: width }, (_, j) => (j % 2 === 0 ? hLeft ** (j / 2) : hRight ** ((j - 1) / 2)));
  rows.forEach((row, r) => {
    const x = sample.x[row];
    const left = x < 0;
    const u = left ? x / hLeft : x / hRight;
    const weight = kernelWeight(u, kernel) / (left ? hLeft : hRight);
    // Left rows fill the even columns with 1, u, u², …; right rows the odd ones.
    let power = 1;
    for (let j = left ? 0 : 1; j < width; j += 2) {
      xp[r * width + j] = power;
      xpw[r * width + j] = power * weight;
      power *= u;
    }
  });
  const design = matrix(nh, width, xp);
  const weighted = matrix(nh, width, xpw);
  const inverse = invertSquare(crossProduct(weighted, design), 0);
  if (!inverse) return null;
  const xwy = crossProduct(weighted, matrix(nh, 1, Float64Array.from(rows, (row) => sample.y[row]))).values;
  const coefficients = Float64Array.from({ length: width }, (_, a) => {
    let sum = 0;
    for (let b = 0; b < width; b++) sum += inverse.values[a * width + b] * xwy[b];
    return sum / scale[a];
  });
  // Jackknife: L_i = Σ_{k > i} XpW_k / (N − 1), constant within a tie group (its first member's value).
  const l = new Float64Array(nh * width);
  const tail = new Float64Array(width);
  for (let r = nh - 1; r >= 0; r--) {
    for (let j = 0; j < width; j++) l[r * width + j] = tail[j] / (sample.n - 1);
    for (let j = 0; j < width; j++) tail[j] += xpw[r * width + j];
  }
  if (sample.massPoints) {
    let start = 0;
    for (let r = 1; r <= nh; r++) {
      if (r < nh && sample.x[rows[r]] === sample.x[rows[start]]) continue;
      for (let k = start + 1; k < r; k++) for (let j = 0; j < width; j++) l[k * width + j] = l[start * width + j];
      start = r;
    }
  }
  const meat = crossProduct(matrix(nh, width, l), matrix(nh, width, l)).values;
  // V = H⁻¹ S⁻¹ (LᵀL) S⁻¹ H⁻¹, needed at the two slope coefficients (indices 2 and 3).
  const sandwichAt = (a: number, b: number) => {
    let sum = 0;
    for (let i = 0; i < width; i++) {
      const left = inverse.values[a * width + i];
      if (left === 0) continue;
      for (let k = 0; k < width; k++) sum += left * meat[i * width + k] * inverse.values[k * width + b];
    }
    return sum / (scale[a] * scale[b]);
  };
  const vLeft = sandwichAt(2, 2);
  const vRight = sandwichAt(3, 3);
  const cross = sandwichAt(2, 3);
  const nonNegative = (value: number) => (value < 0 ? null : value);
  const [fl, fr] = [coefficients[2], coefficients[3]];
  const [cl, cr] = [coefficients[2 * s], coefficients[2 * s + 1]];
  return {
    hat: [fl, fr, fr - fl, fr + fl],
    variance: [vLeft, vRight, vLeft + vRight - 2 * cross, vLeft + vRight + 2 * cross].map(nonNegative),
    coefficient: [cl, cr, cr - cl, cr + cl],
  };
}

/** Index of the first value ≥ 0 in an ascending array. */
function firstNonNegative(sorted: Float64Array): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The k-th (1-based) smallest |x| among the negative values of an ascending array (the largest one when there are fewer). */
function kthAbsBelow(sorted: Float64Array, k: number): number {
  const negatives = firstNonNegative(sorted);
  return Math.abs(sorted[negatives - Math.min(k, negatives)]);
}

function kthAtOrAbove(sorted: Float64Array, k: number): number {
  const start = firstNonNegative(sorted);
  return sorted[start + Math.min(k, sorted.length - start) - 1];
}

/** rdbwdensity, unrestricted, jackknife, regularised: bandwidths for the left, right, difference and sum. */
function selectBandwidths(sample: Sample, p: number, kernel: RdKernel): [number, number, number, number] {
  const { x, n, unique } = sample;
  let mean = 0;
  for (const value of x) mean += value;
  mean /= n;
  let squares = 0;
  for (const value of x) squares += (value - mean) ** 2;
  const sd = Math.sqrt(squares / (n - 1));
  const z = mean / sd;
  const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  const fhatB = 1 / (hermite(z, p + 2) ** 2 * phi);
  const fhatC = 1 / (hermite(z, p) ** 2 * phi);
  let bn = ((((2 * p + 1) / 4) * fhatB * PILOT_B[p - 1]) / n) ** (1 / (2 * p + 5)) * sd;
  let cn = (((1 / (2 * p)) * fhatC * PILOT_C[p - 1]) / n) ** (1 / (2 * p + 1)) * sd;
  const widest = Math.max(Math.abs(unique[0]), Math.abs(unique[unique.length - 1]));
  bn = Math.min(bn, widest);
  cn = Math.min(cn, widest);
  for (const values of [x, unique]) {
    bn = Math.max(bn, kthAbsBelow(values, 20 + p + 3), kthAtOrAbove(values, 20 + p + 3));
    cn = Math.max(cn, kthAbsBelow(values, 20 + p + 1), kthAtOrAbove(values, 20 + p + 1));
  }
  const fitB = localDensity(sample, (v) => Math.abs(v) <= bn, bn, bn, p + 2, p + 1, kernel);
  const fitC = localDensity(sample, (v) => Math.abs(v) <= cn, cn, cn, p, 1, kernel);
  // The leading bias constant (S⁻¹C)₂ of a boundary fit of order p.
  const s = matrix(p + 1, p + 1, Float64Array.from({ length: (p + 1) ** 2 }, (_, k) => kernelMoment(Math.floor(k / (p + 1)) + (k % (p + 1)), kernel)));
  const sInverse = invertSquare(s, 0);
  let biasConstant = 0;
  for (let j = 0; j <= p; j++) biasConstant += (sInverse?.values[1 * (p + 1) + j] ?? Number.NaN) * kernelMoment(j + p + 1, kernel);
  const bandwidths: number[] = [0, 0, 0, 0];
  if (fitB && fitC) {
    const biasL = fitB.coefficient[0] * biasConstant * (-1) ** p;
    const biasR = fitB.coefficient[1] * biasConstant;
    const bias = [biasL, biasR, biasR - biasL, biasR + biasL];
    for (let i = 0; i < 4; i++) {
      const variance = fitC.variance[i];
      if (variance === null) continue;
      const h = ((1 / (2 * p)) * ((n * cn * variance) / bias[i] ** 2 / n)) ** (1 / (2 * p + 1));
      // A zero bias estimate gives an infinite bandwidth, which the regularisation below caps.
      bandwidths[i] = Number.isNaN(h) ? 0 : h;
    }
  }
  const firstUnique = unique[0];
  const lastUnique = unique[unique.length - 1];
  const span = Math.max(Math.abs(firstUnique), lastUnique);
  bandwidths[0] = Math.min(bandwidths[0], Math.abs(firstUnique));
  bandwidths[1] = Math.min(bandwidths[1], lastUnique);
  bandwidths[2] = Math.min(bandwidths[2], span);
  bandwidths[3] = Math.min(bandwidths[3], span);
  const localMinimum = 20 + p + 1;
  for (const values of [x, unique]) {
    const hlMin = kthAbsBelow(values, localMinimum);
    const hrMin = kthAtOrAbove(values, localMinimum);
    bandwidths[0] = Math.max(bandwidths[0], hlMin);
    bandwidths[1] = Math.max(bandwidths[1], hrMin);
    bandwidths[2] = Math.max(bandwidths[2], hlMin, hrMin);
    bandwidths[3] = Math.max(bandwidths[3], hlMin, hrMin);
  }
  return bandwidths as [number, number, number, number];
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

export function densityTest(scores: ArrayLike<number>, options: DensityTestOptions): DensityTestResult {
  const p = options.p ?? 2;
  const q = p + 1;
  const kernel = options.kernel ?? 'triangular';
  if (!Number.isInteger(p) || p < 1 || p > 6) throw new DensityTestError(`the density test's order p = ${p} must be a whole number from 1 to 6`);
  let finite = 0;
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i])) finite++;
  const sorted = new Float64Array(finite);
  for (let i = 0, k = 0; i < scores.length; i++) if (Number.isFinite(scores[i])) sorted[k++] = scores[i];
  sorted.sort();
  const n = sorted.length;
  if (n < 2 || !(options.cutoff > sorted[0] && options.cutoff < sorted[n - 1]))
    throw new DensityTestError(`the cut-off ${options.cutoff} must lie strictly inside the scores' range [${sorted[0]}, ${sorted[n - 1]}]`);
  const x = Float64Array.from(sorted, (value) => value - options.cutoff);
  let repeated = false;
  for (let i = 1; i < n && !repeated; i++) repeated = sorted[i] === sorted[i - 1];
  const massPoints = repeated && (options.massPoints ?? true);
  const y = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
  if (massPoints)
    for (let end = n - 1; end >= 0; ) {
      let start = end;
      while (start > 0 && sorted[start - 1] === sorted[end]) start--;
      for (let k = start; k < end; k++) y[k] = y[end];
      end = start - 1;
    }
  let distinct = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) if (x[i] !== x[i - 1]) distinct++;
  const unique = new Float64Array(distinct);
  for (let i = 0, k = 0; i < n; i++) if (i === 0 || x[i] !== x[i - 1]) unique[k++] = x[i];
  const nLeft = firstNonNegative(x);
  const sample: Sample = { x, y, massPoints, n, nLeft, nRight: n - nLeft, unique };
  if (nLeft < 20 + p + 3 || n - nLeft < 20 + p + 3) throw new DensityTestError(`the density test needs at least ${20 + p + 3} scores either side of the cut-off (${nLeft} below, ${n - nLeft} at or above)`);
  const selected = selectBandwidths(sample, p, kernel);
  const hLeft = median3(selected[0], selected[2], selected[3]);
  const hRight = median3(selected[1], selected[2], selected[3]);
  const fit = localDensity(sample, (v) => v >= -hLeft && v <= hRight, hLeft, hRight, q, 1, kernel);
  if (!fit) throw new DensityTestError('the local polynomial fit of the density is singular: too few distinct scores within the bandwidths');
  let effectiveLeft = 0;
  let effectiveRight = 0;
  for (const value of x) {
    if (value >= -hLeft && value < 0) effectiveLeft++;
    else if (value >= 0 && value <= hRight) effectiveRight++;
  }
  const differenceVariance = fit.variance[2];
  const t = differenceVariance === null ? Number.NaN : fit.hat[2] / Math.sqrt(differenceVariance);
  return {
    test: { t_jackknife: t, p_jackknife: 2 * normalCdf(-Math.abs(t)) },
    density: { left: fit.hat[0], right: fit.hat[1] },
    se: { left: fit.variance[0] === null ? null : Math.sqrt(fit.variance[0]), right: fit.variance[1] === null ? null : Math.sqrt(fit.variance[1]) },
    bandwidth: { left: hLeft, right: hRight },
    n: { left: nLeft, right: n - nLeft, effective_left: effectiveLeft, effective_right: effectiveRight },
    p,
    q,
    mass_points: massPoints,
  };
}
