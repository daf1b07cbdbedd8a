/**
 * Influence functions, in two representations behind one small algebra.
 *
 * Dense: one value per unit (any estimator, covariates included).
 * Cohort-affine: without covariates every influence function of the group-time estimators, and of their
 * aggregations, is affine in a unit's outcome path with coefficients that depend only on the unit's
 * cohort: ψ_i = a_c'Y_i + b_c. Storing (a_c, b_c) per cohort, inner products need only each cohort's size,
 * mean path and centred cross-product matrix, gathered in one pass over the panel. Aggregating and
 * bootstrapping then cost nothing per unit, which is what makes national-scale panels fast.
 */
import { distinctValues } from '../distinct-values.js';
import type { BalancedPanel } from './balanced-panel.js';

export interface InfluenceAlgebra<F> {
  readonly unitCount: number;
  /** Σ_k weight_k·f_k, plus a constant per cohort (indexed like the panel's cohorts) when given. */
  combine(terms: readonly (readonly [number, F])[], cohortConstant?: Float64Array): F;
  /** Σ_i a_i·b_i over all units. */
  inner(a: F, b: F): number;
}

/** Cohort structure of a balanced panel: every distinct group value, never-treated (0) included. */
export interface PanelCohorts {
  /** Group value of each cohort, ascending (0 first when there are never-treated units). */
  readonly groups: Float64Array;
  readonly sizes: Float64Array;
  readonly cohortOfUnit: Int32Array;
  /** Sampling weight of each unit, or null when unweighted. */
  readonly unitWeights: Float64Array | null;
  /** Σ of the units' sampling weights per cohort (the sizes when unweighted): did's P(G = g) is this over n. */
  readonly weightTotals: Float64Array;
}

/** Cohorts of units given each unit's group (0 = never treated) and optional sampling weight. */
export function cohortsOfUnits(groupOfUnit: ArrayLike<number>, unitWeights: Float64Array | null): PanelCohorts {
  const unitCount = groupOfUnit.length;
  const { sorted: groups, positionOf: cohortOfUnit } = distinctValues(groupOfUnit);
  const sizes = new Float64Array(groups.length);
  const weightTotals = new Float64Array(groups.length);
  for (let u = 0; u < unitCount; u++) {
    const c = cohortOfUnit[u];
    sizes[c]++;
    weightTotals[c] += unitWeights ? unitWeights[u] : 1;
  }
  return { groups, sizes, cohortOfUnit, unitWeights, weightTotals };
}

export function panelCohorts(panel: BalancedPanel): PanelCohorts {
  return cohortsOfUnits(panel.group, panel.weights);
}

export function denseAlgebra(cohorts: PanelCohorts): InfluenceAlgebra<Float64Array> {
  const n = cohorts.cohortOfUnit.length;
  const unitWeights = cohorts.unitWeights;
  return {
    unitCount: n,
    combine(terms, cohortConstant) {
      const result = new Float64Array(n);
      for (const [weight, f] of terms) for (let i = 0; i < n; i++) result[i] += weight * f[i];
      // The cohort constant is did's weight-estimation term, which scales with each unit's sampling weight.
      if (cohortConstant) for (let i = 0; i < n; i++) result[i] += cohortConstant[cohorts.cohortOfUnit[i]] * (unitWeights ? unitWeights[i] : 1);
      return result;
    },
    inner(a, b) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += a[i] * b[i];
      return sum;
    },
  };
}

/**
 * Cohort-affine influence function: for cohort c, slopes at [c·(T+1), c·(T+1)+T) and the intercept at
 * c·(T+1)+T.
 */
export type AffineInfluence = Float64Array;

export interface CohortMoments {
  readonly cohorts: PanelCohorts;
  readonly periods: number;
  /** Mean outcome path of each cohort: means[c·T + t]. */
  readonly means: Float64Array;
  /** Centred cross products Σ_{i∈c}(Y_it − m_ct)(Y_is − m_cs): crossProducts[c·T·T + t·T + s]. */
  readonly crossProducts: Float64Array;
}

/** Two passes over the panel: cohort means, then centred cross products (stable for large outcome levels). */
export function cohortMoments(panel: BalancedPanel, cohorts: PanelCohorts): CohortMoments {
  const n = panel.unitCount;
  const T = panel.periods.length;
  const C = cohorts.groups.length;
  const means = new Float64Array(C * T);
  for (let t = 0; t < T; t++) {
    const offset = t * n;
    for (let u = 0; u < n; u++) means[cohorts.cohortOfUnit[u] * T + t] += panel.outcome[offset + u];
  }
  for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) means[c * T + t] /= cohorts.sizes[c];
  const crossProducts = new Float64Array(C * T * T);
  const centred = new Float64Array(T);
  for (let u = 0; u < n; u++) {
    const c = cohorts.cohortOfUnit[u];
    for (let t = 0; t < T; t++) centred[t] = panel.outcome[t * n + u] - means[c * T + t];
    const block = c * T * T;
    for (let t = 0; t < T; t++) {
      const value = centred[t];
      const row = block + t * T;
      for (let s = 0; s <= t; s++) crossProducts[row + s] += value * centred[s];
    }
  }
  for (let c = 0; c < C; c++) {
    const block = c * T * T;
    for (let t = 0; t < T; t++) for (let s = 0; s < t; s++) crossProducts[block + s * T + t] = crossProducts[block + t * T + s];
  }
  return { cohorts, periods: T, means, crossProducts };
}

export function affineAlgebra(moments: CohortMoments): InfluenceAlgebra<AffineInfluence> {
  const T = moments.periods;
  const C = moments.cohorts.groups.length;
  const stride = T + 1;
  return {
    unitCount: moments.cohorts.cohortOfUnit.length,
    combine(terms, cohortConstant) {
      const result = new Float64Array(C * stride);
      for (const [weight, f] of terms) for (let j = 0; j < result.length; j++) result[j] += weight * f[j];
      if (cohortConstant) for (let c = 0; c < C; c++) result[c * stride + T] += cohortConstant[c];
      return result;
    },
    inner(a, b) {
      // Σ_{i∈c}(a'Y_i + α)(b'Y_i + β) = n_c(a'm_c + α)(b'm_c + β) + a'S_c b, S_c the centred cross products.
      let total = 0;
      for (let c = 0; c < C; c++) {
        const offset = c * stride;
        let aMean = a[offset + T];
        let bMean = b[offset + T];
        let quadratic = 0;
        const block = c * T * T;
        for (let t = 0; t < T; t++) {
          const at = a[offset + t];
          aMean += at * moments.means[c * T + t];
          bMean += b[offset + t] * moments.means[c * T + t];
          if (at === 0) continue;
          let row = 0;
          for (let s = 0; s < T; s++) row += moments.crossProducts[block + t * T + s] * b[offset + s];
          quadratic += at * row;
        }
        total += moments.cohorts.sizes[c] * aMean * bMean + quadratic;
      }
      return total;
    },
  };
}

/**
 * Influence functions as coefficients on a basis: the cells' own (dense, one value per unit) and, per cohort,
 * the unit's sampling weight on the cohort's units (did's weight-estimation term). Every aggregation is such a
 * combination, so after one blocked pass for the basis's Gram matrix G, an inner product is a'Gb: the
 * aggregations, the pre-test and the bootstrap covariance then cost nothing per unit.
 */
export interface BasisRepresentation {
  readonly algebra: InfluenceAlgebra<Float64Array>;
  /** Each cell's influence function as a unit coefficient vector (null where the cell has none). */
  readonly influence: (Float64Array | null)[];
}

const GRAM_BLOCK_UNITS = 2048;

export function basisRepresentation(dense: readonly (Float64Array | null)[], cohorts: PanelCohorts): BasisRepresentation {
  const n = cohorts.cohortOfUnit.length;
  const cells = dense.flatMap((f, index) => (f ? [index] : []));
  const K = cells.length;
  const C = cohorts.groups.length;
  const size = K + C;
  const gram = new Float64Array(size * size);
  // Cell × cell products, one block of units at a time, so each column is read once.
  const block = new Float64Array(GRAM_BLOCK_UNITS * K);
  for (let start = 0; start < n; start += GRAM_BLOCK_UNITS) {
    const end = Math.min(n, start + GRAM_BLOCK_UNITS);
    const rows = end - start;
    for (let k = 0; k < K; k++) {
      const column = dense[cells[k]] as Float64Array;
      for (let i = 0; i < rows; i++) block[i * K + k] = column[start + i];
    }
    for (let i = 0; i < rows; i++) {
      const row = i * K;
      for (let a = 0; a < K; a++) {
        const value = block[row + a];
        if (value === 0) continue;
        const target = a * size;
        for (let b = 0; b <= a; b++) gram[target + b] += value * block[row + b];
      }
    }
  }
  // Cell × cohort-weight products and the cohort-weight diagonal.
  const weights = cohorts.unitWeights;
  for (let k = 0; k < K; k++) {
    const column = dense[cells[k]] as Float64Array;
    for (let i = 0; i < n; i++) gram[(K + cohorts.cohortOfUnit[i]) * size + k] += (weights ? weights[i] : 1) * column[i];
  }
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    gram[(K + cohorts.cohortOfUnit[i]) * (size + 1)] += w * w;
  }
  for (let a = 0; a < size; a++) for (let b = 0; b < a; b++) gram[b * size + a] = gram[a * size + b];

  const algebra: InfluenceAlgebra<Float64Array> = {
    unitCount: n,
    combine(terms, cohortConstant) {
      const result = new Float64Array(size);
      for (const [weight, f] of terms) for (let j = 0; j < size; j++) result[j] += weight * f[j];
      if (cohortConstant) for (let c = 0; c < C; c++) result[K + c] += cohortConstant[c];
      return result;
    },
    inner(a, b) {
      let total = 0;
      for (let x = 0; x < size; x++) {
        if (a[x] === 0) continue;
        let row = 0;
        for (let y = 0; y < size; y++) row += gram[x * size + y] * b[y];
        total += a[x] * row;
      }
      return total;
    },
  };
  const influence: (Float64Array | null)[] = dense.map(() => null);
  cells.forEach((cellIndex, k) => {
    const coefficients = new Float64Array(size);
    coefficients[k] = 1;
    influence[cellIndex] = coefficients;
  });
  return { algebra, influence };
}
