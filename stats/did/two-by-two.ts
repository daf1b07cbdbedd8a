/**
 * The 2×2 panel DiD estimators behind each ATT(g,t) cell, with their influence functions, following
 * Sant'Anna & Zhao (2020) as implemented in DRDID: doubly robust (drdid_panel), standardised inverse
 * probability weighting (std_ipw_did_panel) and outcome regression (reg_did_panel).
 *
 * Inputs are the cell's units only (treated cohort and its comparison group); the influence function is
 * returned on that subsample's scale (the caller rescales by n/n₁).
 */
import {
  isInterceptOnly,
  rowDotProducts,
  weightedColumnSums,
  weightedCrossProduct,
  type DesignMatrix,
} from '../design-matrix.js';
import { inverseSymmetric } from '../linear-algebra.js';
import { weightedLeastSquares, weightedLogit } from '../regression.js';

export type EstimationMethod = 'dr' | 'ipw' | 'reg';

export interface TwoByTwoInput {
  readonly deltaY: Float64Array;
  /** 1 for the treated cohort, 0 for the comparison group. */
  readonly treated: Uint8Array;
  /** Covariates with an intercept column first. */
  readonly covariates: DesignMatrix;
  /** Sampling weights (normalised to mean 1 inside). */
  readonly weights: Float64Array;
}

export interface TwoByTwoResult {
  readonly att: number;
  readonly influence: Float64Array;
}

/** DRDID's trimming: comparison units with a propensity score at or above this are left out. */
export const TRIM_LEVEL = 0.995;
/** DRDID caps fitted scores below 1 to avoid dividing by zero. */
export const PS_CAP = 1 - 1e-6;

export function normalisedWeights(weights: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i];
  const mean = sum / weights.length;
  return weights.map((w) => w / mean);
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export interface PropensityScore {
  readonly fitted: Float64Array;
  /** Asymptotic linear representation of the logit coefficients: n × k, row-major. */
  readonly linearRepresentation: Float64Array;
}

export function propensityScore(input: Pick<TwoByTwoInput, 'covariates' | 'treated'>, weights: Float64Array): PropensityScore {
  const { covariates, treated } = input;
  const n = covariates.rows;
  const k = covariates.columns;
  let fitted: Float64Array;
  if (isInterceptOnly(covariates)) {
    // The intercept-only logit MLE is the weighted treated share: no iteration needed.
    let treatedWeight = 0;
    let totalWeight = 0;
    for (let i = 0; i < n; i++) {
      totalWeight += weights[i];
      if (treated[i]) treatedWeight += weights[i];
    }
    fitted = new Float64Array(n).fill(treatedWeight / totalWeight);
  } else {
    fitted = weightedLogit(covariates, treated, weights, 'propensity score (logit of the treated cohort on the covariates)').fitted;
  }
  for (let i = 0; i < n; i++) fitted[i] = Math.min(fitted[i], PS_CAP);
  const curvature = new Float64Array(n);
  for (let i = 0; i < n; i++) curvature[i] = fitted[i] * (1 - fitted[i]) * weights[i];
  const hessianInverse = inverseSymmetric(weightedCrossProduct(covariates, curvature), k, 'propensity-score Hessian');
  const linearRepresentation = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const score = weights[i] * (treated[i] - fitted[i]);
    for (let a = 0; a < k; a++) {
      let sum = 0;
      for (let b = 0; b < k; b++) sum += score * covariates.values[i * k + b] * hessianInverse[b * k + a];
      linearRepresentation[i * k + a] = sum * n;
    }
  }
  return { fitted, linearRepresentation };
}

export interface OutcomeRegression {
  readonly prediction: Float64Array;
  /** Asymptotic linear representation of the comparison-group OLS coefficients: n × k, row-major. */
  readonly linearRepresentation: Float64Array;
}

function outcomeRegression(input: TwoByTwoInput, weights: Float64Array): OutcomeRegression {
  const comparisonWeights = new Float64Array(input.deltaY.length);
  for (let i = 0; i < comparisonWeights.length; i++) comparisonWeights[i] = input.treated[i] ? 0 : weights[i];
  return weightedRegression(input.covariates, input.deltaY, comparisonWeights, 'outcome regression on the comparison group');
}

/**
 * Weighted OLS of an outcome on the covariates (rows with weight 0 left out), with each row's fitted value and
 * the coefficients' asymptotic linear representation w_i(y_i − x_i'β)x_i'(X'WX/n)⁻¹ (n × k, row-major), as
 * DRDID forms them for its outcome regressions.
 */
export function weightedRegression(covariates: DesignMatrix, outcome: Float64Array, weights: Float64Array, context: string): OutcomeRegression {
  const n = covariates.rows;
  const k = covariates.columns;
  const beta = weightedLeastSquares(covariates, outcome, weights, context);
  const prediction = rowDotProducts(covariates, beta);
  const xtx = weightedCrossProduct(covariates, weights);
  for (let a = 0; a < k * k; a++) xtx[a] /= n;
  const xtxInverse = inverseSymmetric(xtx, k, context);
  const linearRepresentation = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const residual = weights[i] * (outcome[i] - prediction[i]);
    if (residual === 0) continue;
    for (let a = 0; a < k; a++) {
      let sum = 0;
      for (let b = 0; b < k; b++) sum += residual * covariates.values[i * k + b] * xtxInverse[b * k + a];
      linearRepresentation[i * k + a] = sum;
    }
  }
  return { prediction, linearRepresentation };
}

/** (linear representation, n × k) · m: the estimation effect of nuisance parameters on an influence function. */
export function estimationEffect(linearRepresentation: Float64Array, derivative: Float64Array, n: number): Float64Array {
  return rowDotProducts({ rows: n, columns: derivative.length, values: linearRepresentation }, derivative);
}

/** n⁻¹ Σ_i w_i (ΔY_i − offset_i − η) x_i: the derivative of a weighted mean of residuals w.r.t. the score's parameters. */
function residualDerivative(input: TwoByTwoInput, weight: Float64Array, offset: Float64Array | null, eta: number): Float64Array {
  const n = input.deltaY.length;
  const centred = new Float64Array(n);
  for (let i = 0; i < n; i++) centred[i] = weight[i] * (input.deltaY[i] - (offset ? offset[i] : 0) - eta);
  return weightedColumnSums(input.covariates, centred).map((v) => v / n);
}

function trimmedWeights(input: TwoByTwoInput, weights: Float64Array, fitted: Float64Array) {
  const n = input.deltaY.length;
  const treatedWeight = new Float64Array(n);
  const comparisonWeight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (input.treated[i]) treatedWeight[i] = weights[i];
    else if (fitted[i] < TRIM_LEVEL) comparisonWeight[i] = (weights[i] * fitted[i]) / (1 - fitted[i]);
  }
  return { treatedWeight, comparisonWeight };
}

function doublyRobust(input: TwoByTwoInput): TwoByTwoResult {
  const n = input.deltaY.length;
  const weights = normalisedWeights(input.weights);
  const ps = propensityScore(input, weights);
  const or = outcomeRegression(input, weights);
  const { treatedWeight, comparisonWeight } = trimmedWeights(input, weights, ps.fitted);
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) residual[i] = input.deltaY[i] - or.prediction[i];

  const meanTreatedWeight = mean(treatedWeight);
  const meanComparisonWeight = mean(comparisonWeight);
  let treatedSum = 0;
  let comparisonSum = 0;
  for (let i = 0; i < n; i++) {
    treatedSum += treatedWeight[i] * residual[i];
    comparisonSum += comparisonWeight[i] * residual[i];
  }
  const etaTreated = treatedSum / n / meanTreatedWeight;
  const etaComparison = comparisonSum / n / meanComparisonWeight;

  const m1 = weightedColumnSums(input.covariates, treatedWeight).map((v) => v / n);
  const m3 = weightedColumnSums(input.covariates, comparisonWeight).map((v) => v / n);
  const m2 = residualDerivative(input, comparisonWeight, or.prediction, etaComparison);
  const treatedRegressionEffect = estimationEffect(or.linearRepresentation, m1, n);
  const scoreEffect = estimationEffect(ps.linearRepresentation, m2, n);
  const comparisonRegressionEffect = estimationEffect(or.linearRepresentation, m3, n);

  const influence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const treatedPart = (treatedWeight[i] * (residual[i] - etaTreated) - treatedRegressionEffect[i]) / meanTreatedWeight;
    const comparisonPart =
      (comparisonWeight[i] * (residual[i] - etaComparison) + scoreEffect[i] - comparisonRegressionEffect[i]) / meanComparisonWeight;
    influence[i] = treatedPart - comparisonPart;
  }
  return { att: etaTreated - etaComparison, influence };
}

function inverseProbabilityWeighting(input: TwoByTwoInput): TwoByTwoResult {
  const n = input.deltaY.length;
  const weights = normalisedWeights(input.weights);
  const ps = propensityScore(input, weights);
  const { treatedWeight, comparisonWeight } = trimmedWeights(input, weights, ps.fitted);
  const meanTreatedWeight = mean(treatedWeight);
  const meanComparisonWeight = mean(comparisonWeight);
  let treatedSum = 0;
  let comparisonSum = 0;
  for (let i = 0; i < n; i++) {
    treatedSum += treatedWeight[i] * input.deltaY[i];
    comparisonSum += comparisonWeight[i] * input.deltaY[i];
  }
  const etaTreated = treatedSum / n / meanTreatedWeight;
  const etaComparison = comparisonSum / n / meanComparisonWeight;
  const m2 = residualDerivative(input, comparisonWeight, null, etaComparison);
  const scoreEffect = estimationEffect(ps.linearRepresentation, m2, n);
  const influence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const treatedPart = (treatedWeight[i] * (input.deltaY[i] - etaTreated)) / meanTreatedWeight;
    const comparisonPart = (comparisonWeight[i] * (input.deltaY[i] - etaComparison) + scoreEffect[i]) / meanComparisonWeight;
    influence[i] = treatedPart - comparisonPart;
  }
  return { att: etaTreated - etaComparison, influence };
}

function outcomeRegressionDid(input: TwoByTwoInput): TwoByTwoResult {
  const n = input.deltaY.length;
  const weights = normalisedWeights(input.weights);
  const or = outcomeRegression(input, weights);
  // reg_did_panel weights both components by the treated units.
  const treatedWeight = new Float64Array(n);
  for (let i = 0; i < n; i++) treatedWeight[i] = input.treated[i] ? weights[i] : 0;
  const meanTreatedWeight = mean(treatedWeight);
  let treatedSum = 0;
  let predictedSum = 0;
  for (let i = 0; i < n; i++) {
    treatedSum += treatedWeight[i] * input.deltaY[i];
    predictedSum += treatedWeight[i] * or.prediction[i];
  }
  const etaTreated = treatedSum / n / meanTreatedWeight;
  const etaComparison = predictedSum / n / meanTreatedWeight;
  const m1 = weightedColumnSums(input.covariates, treatedWeight).map((v) => v / n);
  const regressionEffect = estimationEffect(or.linearRepresentation, m1, n);
  const influence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const treatedPart = (treatedWeight[i] * (input.deltaY[i] - etaTreated)) / meanTreatedWeight;
    const comparisonPart = (treatedWeight[i] * (or.prediction[i] - etaComparison) + regressionEffect[i]) / meanTreatedWeight;
    influence[i] = treatedPart - comparisonPart;
  }
  return { att: etaTreated - etaComparison, influence };
}

/**
 * Without covariates, and below the trimming threshold, drdid_panel, std_ipw_did_panel and reg_did_panel all
 * reduce exactly to the difference of the weighted mean changes of the treated and the comparison units, with
 * influence function n·w_i(ΔY_i − μ_d)/W_d signed by group (W_d the group's total weight).
 */
function differenceOfMeanChanges(input: TwoByTwoInput): TwoByTwoResult {
  const n = input.deltaY.length;
  const { deltaY, treated, weights } = input;
  const weightOf = [0, 0];
  const sumOf = [0, 0];
  for (let i = 0; i < n; i++) {
    weightOf[treated[i]] += weights[i];
    sumOf[treated[i]] += weights[i] * deltaY[i];
  }
  const means = [sumOf[0] / weightOf[0], sumOf[1] / weightOf[1]];
  const scale = [-n / weightOf[0], n / weightOf[1]];
  const influence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = treated[i];
    influence[i] = scale[d] * weights[i] * (deltaY[i] - means[d]);
  }
  return { att: means[1] - means[0], influence };
}

/** The weighted share of treated rows: the intercept-only propensity score. */
export function weightedTreatedShare(input: { readonly treated: Uint8Array; readonly weights: Float64Array }): number {
  let treatedWeight = 0;
  let totalWeight = 0;
  for (let i = 0; i < input.weights.length; i++) {
    totalWeight += input.weights[i];
    if (input.treated[i]) treatedWeight += input.weights[i];
  }
  return treatedWeight / totalWeight;
}

export function estimateTwoByTwo(method: EstimationMethod, input: TwoByTwoInput): TwoByTwoResult {
  if (isInterceptOnly(input.covariates) && (method === 'reg' || weightedTreatedShare(input) < TRIM_LEVEL)) return differenceOfMeanChanges(input);
  switch (method) {
    case 'dr':
      return doublyRobust(input);
    case 'ipw':
      return inverseProbabilityWeighting(input);
    case 'reg':
      return outcomeRegressionDid(input);
  }
}
