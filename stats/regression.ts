/**
 * Weighted least squares and logistic regression by Newton–Raphson, for the nuisance models of the
 * doubly robust DiD estimators. Both solve k × k systems with Cholesky, so k is expected to be small.
 */
import { rowDotProducts, weightedCrossProduct, type DesignMatrix } from './design-matrix.js';
import { inverseSymmetric, multiplyMatrixVector } from './linear-algebra.js';

export class NonConvergenceError extends Error {
  constructor(
    readonly model: string,
    readonly iterations: number,
  ) {
    super(`${model} did not converge in ${iterations} iterations; the covariates may separate the groups perfectly`);
    this.name = 'NonConvergenceError';
  }
}

/** β minimising Σ w_i (y_i − x_i'β)². */
export function weightedLeastSquares(design: DesignMatrix, outcome: ArrayLike<number>, weights: ArrayLike<number>, context: string): Float64Array {
  const k = design.columns;
  const xtx = weightedCrossProduct(design, weights);
  const xty = new Float64Array(k);
  for (let i = 0; i < design.rows; i++) {
    const wy = weights[i] * outcome[i];
    if (wy === 0) continue;
    for (let a = 0; a < k; a++) xty[a] += design.values[i * k + a] * wy;
  }
  return multiplyMatrixVector(inverseSymmetric(xtx, k, context), k, xty);
}

export interface LogitFit {
  readonly coefficients: Float64Array;
  readonly fitted: Float64Array;
}

const LOGIT_MAX_ITERATIONS = 100;

/** Weighted logistic regression of a 0/1 outcome, iterated to full convergence of the log-likelihood. */
export function weightedLogit(design: DesignMatrix, outcome: ArrayLike<number>, weights: ArrayLike<number>, context: string): LogitFit {
  const n = design.rows;
  const k = design.columns;
  const beta = new Float64Array(k);
  const fitted = new Float64Array(n);
  const curvature = new Float64Array(n);
  let previousLogLikelihood = -Infinity;
  for (let iteration = 0; iteration < LOGIT_MAX_ITERATIONS; iteration++) {
    const linear = rowDotProducts(design, beta);
    let logLikelihood = 0;
    const score = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-linear[i]));
      fitted[i] = p;
      curvature[i] = weights[i] * p * (1 - p);
      const residual = weights[i] * (outcome[i] - p);
      for (let a = 0; a < k; a++) score[a] += design.values[i * k + a] * residual;
      if (weights[i] !== 0) logLikelihood += weights[i] * (outcome[i] ? Math.log(p) : Math.log1p(-p));
    }
    if (Math.abs(logLikelihood - previousLogLikelihood) <= 1e-14 * (Math.abs(logLikelihood) + 1)) return { coefficients: beta, fitted };
    previousLogLikelihood = logLikelihood;
    const delta = multiplyMatrixVector(inverseSymmetric(weightedCrossProduct(design, curvature), k, context), k, score);
    let step = 0;
    for (let a = 0; a < k; a++) {
      beta[a] += delta[a];
      step = Math.max(step, Math.abs(delta[a]));
    }
    if (!Number.isFinite(step)) break;
  }
  throw new NonConvergenceError(context, LOGIT_MAX_ITERATIONS);
}
