/**
 * Quantiles of the truncated and the folded normal. HonestDiD takes the first from
 * TruncatedNormal::norminvp (exact; so is this one) and simulates the second: the 1 − α quantile of
 * |z + μ| over 10⁶ draws after set.seed(0). The exact folded-normal quantile differs from that simulation
 * by about 10⁻³ of its value, which moved the FLCIs by up to 6·10⁻⁴ of their width; so the FLCIs use the
 * simulation itself, drawn from R's own stream and sorted once, each quantile then an order statistic
 * found by bisection in O(log² n).
 */
import { normalCdf, normalQuantile } from '../distributions.js';
import { sortedQuantileType7, standardNormals } from './r-random.js';

/** The p-quantile of Z ~ N(0, 1) conditioned on l ≤ Z ≤ u. */
export function truncatedNormalQuantile(p: number, lower: number, upper: number): number {
  if (!(lower < upper)) return lower;
  // Mix the two bounds' tail probabilities on whichever side keeps them accurate.
  const belowTarget = (1 - p) * normalCdf(lower) + p * normalCdf(upper);
  const aboveTarget = (1 - p) * normalCdf(-lower) + p * normalCdf(-upper);
  if (belowTarget > 0 && belowTarget <= 0.5) return clamp(normalQuantile(belowTarget), lower, upper);
  if (aboveTarget > 0 && aboveTarget < 0.5) return clamp(-normalQuantile(aboveTarget), lower, upper);
  // Both bounds beyond ~38 standard deviations on one side: the conditional law is exponential near the inner bound.
  if (upper < 0) {
    const rate = -upper;
    const cut = Math.exp(-rate * (upper - lower));
    return upper + Math.log(p * (1 - cut) + cut) / rate;
  }
  const rate = lower;
  const cut = Math.exp(-rate * (upper - lower));
  return lower - Math.log(1 - p * (1 - cut)) / rate;
}

function clamp(value: number, lower: number, upper: number): number {
  return Math.min(Math.max(value, lower), upper);
}

const HONESTDID_FOLDED_DRAWS = 1_000_000;
let sortedDraws: Float64Array | null = null;

/**
 * Makes the sorted draws now (about 0.2 s, once per process), so that a long-lived process can do it before
 * its first analysis rather than in it.
 */
export function prepareFoldedNormalDraws(): Float64Array {
  sortedDraws ??= Float64Array.from(standardNormals(0, HONESTDID_FOLDED_DRAWS)).sort();
  return sortedDraws;
}

/** HonestDiD's .qfoldednormal(p, mu): the type-7 p-quantile of |z_i + μ| over its 10⁶ seeded draws. */
export function simulatedFoldedNormalQuantile(p: number, mean: number): number {
  const z = prepareFoldedNormalDraws();
  // |z + μ| ascending is the merge of z_i + μ upwards from the first non-negative one and −(z_i + μ) downwards from it.
  let split = 0;
  let top = z.length;
  while (split < top) {
    const middle = (split + top) >>> 1;
    if (z[middle] + mean >= 0) top = middle;
    else split = middle + 1;
  }
  const upward = (i: number) => z[split + i] + mean;
  const downward = (j: number) => -(z[split - 1 - j] + mean);
  const upwardCount = z.length - split;
  const downwardCount = split;
  const orderStatistic = (k: number): number => {
    // Take i from the upward run and k + 1 − i from the downward one.
    let low = Math.max(0, k + 1 - downwardCount);
    let high = Math.min(k + 1, upwardCount);
    while (low < high) {
      const i = (low + high) >>> 1;
      if (upward(i) < downward(k - i)) low = i + 1;
      else high = i;
    }
    const i = low;
    const fromUpward = i > 0 ? upward(i - 1) : -Infinity;
    const fromDownward = k + 1 - i > 0 ? downward(k - i) : -Infinity;
    return Math.max(fromUpward, fromDownward);
  };
  return sortedQuantileType7(z.length, p, orderStatistic);
}
