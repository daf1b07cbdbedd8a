/**
 * Multiplier bootstrap of influence functions (Callaway & Sant'Anna 2021, §4.1), with Gaussian
 * multipliers. A draw b = n^{-1/2} Σ_i v_i ψ_i with v_i ~ N(0,1) is exactly N(0, V̂) given the data,
 * V̂ = n⁻¹ Σ_i ψ_i ψ_i', so each draw is taken as L·z with V̂ = LL': the same distribution as drawing n
 * multipliers per replication, at O(m²) per draw instead of O(n·m). As in did, standard errors come from
 * the interquartile range of the draws and the uniform band's critical value from the max-|t| statistic.
 */
import { normalQuantile } from '../distributions.js';
import { SeededRandom } from '../random.js';

export interface BootstrapOptions {
  readonly draws: number;
  readonly seed: number;
  /** 1 − confidence level of the uniform band. */
  readonly alpha: number;
}

export interface BootstrapColumn {
  /** Bootstrap standard error; null where the column has no variance. */
  readonly se: number | null;
}

export interface BootstrapResult {
  readonly columns: readonly BootstrapColumn[];
  /** Critical value for a uniform (simultaneous) band over each family of columns. */
  readonly criticalValues: readonly number[];
}

const IQR_OF_STANDARD_NORMAL = normalQuantile(0.75) - normalQuantile(0.25);
const NEGLIGIBLE = Math.sqrt(2 ** -52) * 10;

/** Lower-triangular L with LL' = A for a positive semi-definite A; columns of zero variance stay zero. */
function semidefiniteCholesky(matrix: Float64Array, size: number): Float64Array {
  const lower = new Float64Array(size * size);
  let scale = 0;
  for (let i = 0; i < size; i++) scale = Math.max(scale, matrix[i * size + i]);
  const tolerance = scale * 1e-12;
  for (let j = 0; j < size; j++) {
    let diagonal = matrix[j * size + j];
    for (let k = 0; k < j; k++) diagonal -= lower[j * size + k] ** 2;
    if (diagonal <= tolerance) continue;
    const root = Math.sqrt(diagonal);
    lower[j * size + j] = root;
    for (let i = j + 1; i < size; i++) {
      let sum = matrix[i * size + j];
      for (let k = 0; k < j; k++) sum -= lower[i * size + k] * lower[j * size + k];
      lower[i * size + j] = sum / root;
    }
  }
  return lower;
}

/** R's quantile(type = 1) of sorted values. */
function sortedQuantile(sorted: Float64Array, probability: number): number {
  const index = Math.max(1, Math.ceil(probability * sorted.length));
  return sorted[index - 1];
}

/**
 * @param covariance V̂ = n⁻¹ Σ_i ψ_i ψ_i' of the m columns (row-major m × m)
 * @param families column indices of each family that gets a uniform band
 */
export function multiplierBootstrap(
  covariance: Float64Array,
  m: number,
  unitCount: number,
  families: readonly (readonly number[])[],
  options: BootstrapOptions,
): BootstrapResult {
  const n = unitCount;
  const lower = semidefiniteCholesky(covariance, m);
  const random = new SeededRandom(options.seed);
  const draws = Array.from({ length: m }, () => new Float64Array(options.draws));
  const z = new Float64Array(m);
  for (let r = 0; r < options.draws; r++) {
    for (let a = 0; a < m; a++) z[a] = random.normal();
    for (let a = 0; a < m; a++) {
      let sum = 0;
      for (let b = 0; b <= a; b++) sum += lower[a * m + b] * z[b];
      draws[a][r] = sum;
    }
  }
  const sigma = draws.map((column) => {
    const sorted = Float64Array.from(column).sort();
    const value = (sortedQuantile(sorted, 0.75) - sortedQuantile(sorted, 0.25)) / IQR_OF_STANDARD_NORMAL;
    return value > NEGLIGIBLE ? value : null;
  });
  const criticalValues = families.map((family) => {
    const usable = family.filter((column) => sigma[column] !== null);
    if (usable.length === 0) return Number.NaN;
    const maxima = new Float64Array(options.draws);
    for (let r = 0; r < options.draws; r++) {
      let largest = 0;
      for (const column of usable) largest = Math.max(largest, Math.abs(draws[column][r] / (sigma[column] as number)));
      maxima[r] = largest;
    }
    maxima.sort();
    return sortedQuantile(maxima, 1 - options.alpha);
  });
  return {
    columns: sigma.map((value) => ({ se: value === null ? null : value / Math.sqrt(n) })),
    criticalValues,
  };
}
