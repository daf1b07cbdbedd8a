/**
 * Multiplier bootstrap of influence functions (Callaway & Sant'Anna 2021, §4.1), with Gaussian
 * multipliers. A draw b = n^{-1/2} Σ_i v_i ψ_i with v_i ~ N(0,1) is exactly N(0, V̂) given the data,
 * V̂ = n⁻¹ Σ_i ψ_i ψ_i', so each draw is taken as R·z with z ~ N(0, I): the same distribution as drawing n
 * multipliers per replication, at O(m²) per draw instead of O(n·m) (R = V̂^{1/2}, R z ~ N(0, V̂)). As in did, standard errors come from
 * the interquartile range of the draws and the uniform band's critical value from the max-|t| statistic.
 */
import { normalQuantile } from '../distributions.js';
import { symmetricEigen } from '../linear-algebra.js';
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

/**
 * Symmetric square root R = QΛ^{1/2}Q' of a positive semi-definite matrix, by cyclic Jacobi rotations.
 * Unlike a Cholesky factor of a rank-deficient matrix (aggregations are linear combinations of cells), it
 * moves continuously with the matrix, so rounding noise in V̂ cannot change the draws by more than noise.
 */
function symmetricSquareRoot(matrix: Float64Array, size: number): Float64Array {
  const { values, vectors: q } = symmetricEigen(matrix, size);
  const root = new Float64Array(size * size);
  for (let k = 0; k < size; k++) {
    const scale = Math.sqrt(Math.max(values[k], 0));
    if (scale === 0) continue;
    for (let i = 0; i < size; i++) {
      const qik = q[i * size + k] * scale;
      for (let j = 0; j < size; j++) root[i * size + j] += qik * q[j * size + k];
    }
  }
  return root;
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
  const root = symmetricSquareRoot(covariance, m);
  const random = new SeededRandom(options.seed);
  const draws = Array.from({ length: m }, () => new Float64Array(options.draws));
  const z = new Float64Array(m);
  for (let r = 0; r < options.draws; r++) {
    for (let a = 0; a < m; a++) z[a] = random.normal();
    for (let a = 0; a < m; a++) {
      let sum = 0;
      for (let b = 0; b < m; b++) sum += root[a * m + b] * z[b];
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
