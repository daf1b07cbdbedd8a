/**
 * The 2×2 DiD estimators for repeated cross-sections (Sant'Anna & Zhao 2020), as DRDID implements them and
 * R did calls them for `panel = FALSE` and for unbalanced panels: the locally efficient doubly robust
 * estimator (drdid_rc), standardised inverse probability weighting (std_ipw_did_rc) and outcome regression
 * (reg_did_rc). Each observation is one row (a unit in one of the two periods); the influence function is
 * per row, on the cell's own scale (the caller rescales by n/n₁ and sums a unit's rows).
 */
import { weightedColumnSums, type DesignMatrix } from '../design-matrix.js';
import { SingularMatrixError } from '../linear-algebra.js';
import {
  estimationEffect,
  mean,
  normalisedWeights,
  propensityScore,
  TRIM_LEVEL,
  weightedRegression,
  weightedTreatedShare,
  type EstimationMethod,
  type OutcomeRegression,
  type TwoByTwoResult,
} from './two-by-two.js';

export interface RepeatedCrossSectionInput {
  readonly outcome: Float64Array;
  /** 1 for a row in the later period t, 0 for the base period. */
  readonly post: Uint8Array;
  /** 1 for the treated cohort, 0 for the comparison group. */
  readonly treated: Uint8Array;
  /** Covariates with an intercept column first. */
  readonly covariates: DesignMatrix;
  /** Sampling weights (normalised to mean 1 inside). */
  readonly weights: Float64Array;
}

/** OLS of the outcome on the covariates within one (treated, post) subgroup, as DRDID fits each of them. */
function subgroupRegression(input: RepeatedCrossSectionInput, weights: Float64Array, treated: 0 | 1, post: 0 | 1, context: string): OutcomeRegression {
  const subgroupWeights = new Float64Array(input.outcome.length);
  for (let i = 0; i < subgroupWeights.length; i++) if (input.treated[i] === treated && input.post[i] === post) subgroupWeights[i] = weights[i];
  if (input.covariates.columns === 1) return subgroupMean(input.outcome, subgroupWeights, context);
  return weightedRegression(input.covariates, input.outcome, subgroupWeights, context);
}

/**
 * The intercept-only case of subgroupRegression in closed form (the common case, and the costly one at
 * national scale): the fit is the subgroup's weighted mean m, and the linear representation is
 * w_i(y_i − m)·n/Σw.
 */
function subgroupMean(outcome: Float64Array, subgroupWeights: Float64Array, context: string): OutcomeRegression {
  const n = outcome.length;
  let weightSum = 0;
  let weightedSum = 0;
  for (let i = 0; i < n; i++) {
    weightSum += subgroupWeights[i];
    weightedSum += subgroupWeights[i] * outcome[i];
  }
  if (!(weightSum > 0)) throw new SingularMatrixError(0, weightSum, context);
  const fitted = weightedSum / weightSum;
  const scale = n / weightSum;
  const linearRepresentation = new Float64Array(n);
  for (let i = 0; i < n; i++) if (subgroupWeights[i] !== 0) linearRepresentation[i] = subgroupWeights[i] * (outcome[i] - fitted) * scale;
  return { prediction: new Float64Array(n).fill(fitted), linearRepresentation };
}

/** n⁻¹ Σ_i weight_i·value_i·x_i, or n⁻¹ Σ_i weight_i·x_i without values. */
function columnMeans(covariates: DesignMatrix, weight: Float64Array, value?: Float64Array): Float64Array {
  const n = covariates.rows;
  const scaled = value ? weight.map((w, i) => w * value[i]) : weight;
  return weightedColumnSums(covariates, scaled).map((sum) => sum / n);
}

function scaleInPlace(values: Float64Array, factor: number): Float64Array {
  for (let i = 0; i < values.length; i++) values[i] *= factor;
  return values;
}

/** A weighted mean estimator's centred summand: w_i(v_i − μ)/mean(w), with μ = Σ w v / Σ w. */
function centredSummand(weight: Float64Array, value: Float64Array): { mean: number; summand: Float64Array } {
  const n = weight.length;
  const meanWeight = mean(weight);
  let total = 0;
  for (let i = 0; i < n; i++) total += weight[i] * value[i];
  const estimate = total / n / meanWeight;
  const summand = new Float64Array(n);
  for (let i = 0; i < n; i++) summand[i] = (weight[i] * (value[i] - estimate)) / meanWeight;
  return { mean: estimate, summand };
}

/** The treated cohort's rows' weights: all of them, and those in the base period and in t. */
function treatedRowWeights(input: RepeatedCrossSectionInput, weights: Float64Array) {
  const n = weights.length;
  const all = new Float64Array(n);
  const pre = new Float64Array(n);
  const post = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!input.treated[i]) continue;
    all[i] = weights[i];
    if (input.post[i]) post[i] = weights[i];
    else pre[i] = weights[i];
  }
  return { all, pre, post };
}

/** Rows' weights by propensity-score trimming, as DRDID's rc estimators set them (treated rows are never trimmed). */
function scoreWeights(input: RepeatedCrossSectionInput, weights: Float64Array, fitted: Float64Array) {
  const n = weights.length;
  const treated = treatedRowWeights(input, weights);
  const comparisonPre = new Float64Array(n);
  const comparisonPost = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (input.treated[i] || fitted[i] >= TRIM_LEVEL) continue;
    const odds = (weights[i] * fitted[i]) / (1 - fitted[i]);
    if (input.post[i]) comparisonPost[i] = odds;
    else comparisonPre[i] = odds;
  }
  return { treatedAll: treated.all, treatedPre: treated.pre, treatedPost: treated.post, comparisonPre, comparisonPost };
}

function doublyRobustRc(input: RepeatedCrossSectionInput): TwoByTwoResult {
  const n = input.outcome.length;
  const x = input.covariates;
  const y = input.outcome;
  const weights = normalisedWeights(input.weights);
  const ps = propensityScore(input, weights);
  const comparisonPre = subgroupRegression(input, weights, 0, 0, 'outcome regression on the comparison group, base period');
  const comparisonPost = subgroupRegression(input, weights, 0, 1, 'outcome regression on the comparison group, period t');
  const treatedPre = subgroupRegression(input, weights, 1, 0, 'outcome regression on the treated cohort, base period');
  const treatedPost = subgroupRegression(input, weights, 1, 1, 'outcome regression on the treated cohort, period t');
  const w = scoreWeights(input, weights, ps.fitted);

  const residual = new Float64Array(n);
  const gapPost = new Float64Array(n);
  const gapPre = new Float64Array(n);
  const treatedWeight = w.treatedAll;
  for (let i = 0; i < n; i++) {
    residual[i] = y[i] - (input.post[i] ? comparisonPost.prediction[i] : comparisonPre.prediction[i]);
    gapPost[i] = treatedPost.prediction[i] - comparisonPost.prediction[i];
    gapPre[i] = treatedPre.prediction[i] - comparisonPre.prediction[i];
  }
  const treatedPreTerm = centredSummand(w.treatedPre, residual);
  const treatedPostTerm = centredSummand(w.treatedPost, residual);
  const comparisonPreTerm = centredSummand(w.comparisonPre, residual);
  const comparisonPostTerm = centredSummand(w.comparisonPost, residual);
  // The locally efficient estimator's adjustment: the treated cohort's fitted gap, over all its rows and
  // over its rows in each period.
  const gapPostAll = centredSummand(treatedWeight, gapPost);
  const gapPostTreated = centredSummand(w.treatedPost, gapPost);
  const gapPreAll = centredSummand(treatedWeight, gapPre);
  const gapPreTreated = centredSummand(w.treatedPre, gapPre);

  const att =
    treatedPostTerm.mean -
    treatedPreTerm.mean -
    (comparisonPostTerm.mean - comparisonPreTerm.mean) +
    (gapPostAll.mean - gapPostTreated.mean) -
    (gapPreAll.mean - gapPreTreated.mean);

  const meanOf = (weight: Float64Array) => mean(weight);
  const m1Post = scaleInPlace(columnMeans(x, w.treatedPost), -1 / meanOf(w.treatedPost));
  const m1Pre = scaleInPlace(columnMeans(x, w.treatedPre), -1 / meanOf(w.treatedPre));
  const treatedRegressionEffect = add(estimationEffect(comparisonPost.linearRepresentation, m1Post, n), estimationEffect(comparisonPre.linearRepresentation, m1Pre, n));

  const centredResidual = (eta: number) => residual.map((r) => r - eta);
  const m2Pre = scaleInPlace(columnMeans(x, w.comparisonPre, centredResidual(comparisonPreTerm.mean)), 1 / meanOf(w.comparisonPre));
  const m2Post = scaleInPlace(columnMeans(x, w.comparisonPost, centredResidual(comparisonPostTerm.mean)), 1 / meanOf(w.comparisonPost));
  const scoreEffect = estimationEffect(ps.linearRepresentation, m2Post.map((v, a) => v - m2Pre[a]), n);
  const m3Post = scaleInPlace(columnMeans(x, w.comparisonPost), -1 / meanOf(w.comparisonPost));
  const m3Pre = scaleInPlace(columnMeans(x, w.comparisonPre), -1 / meanOf(w.comparisonPre));
  const comparisonRegressionEffect = add(estimationEffect(comparisonPost.linearRepresentation, m3Post, n), estimationEffect(comparisonPre.linearRepresentation, m3Pre, n));

  const momentPost = momentOfWeights(x, treatedWeight, w.treatedPost);
  const momentPre = momentOfWeights(x, treatedWeight, w.treatedPre);
  const regressionGapPost = estimationEffect(difference(treatedPost.linearRepresentation, comparisonPost.linearRepresentation), momentPost, n);
  const regressionGapPre = estimationEffect(difference(treatedPre.linearRepresentation, comparisonPre.linearRepresentation), momentPre, n);

  const influence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const treatedPart = treatedPostTerm.summand[i] - treatedPreTerm.summand[i] + treatedRegressionEffect[i];
    const comparisonPart = comparisonPostTerm.summand[i] - comparisonPreTerm.summand[i] + scoreEffect[i] + comparisonRegressionEffect[i];
    const efficiency = gapPostAll.summand[i] - gapPostTreated.summand[i] - (gapPreAll.summand[i] - gapPreTreated.summand[i]);
    influence[i] = treatedPart - comparisonPart + efficiency + regressionGapPost[i] - regressionGapPre[i];
  }
  return { att, influence };
}

/** colMeans((all/mean(all) − period/mean(period))·x): the derivative of the efficiency adjustment. */
function momentOfWeights(x: DesignMatrix, all: Float64Array, period: Float64Array): Float64Array {
  const meanAll = mean(all);
  const meanPeriod = mean(period);
  const combined = all.map((value, i) => value / meanAll - period[i] / meanPeriod);
  return columnMeans(x, combined);
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((value, i) => value + b[i]);
}

function difference(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((value, i) => value - b[i]);
}

function inverseProbabilityWeightingRc(input: RepeatedCrossSectionInput): TwoByTwoResult {
  const n = input.outcome.length;
  const x = input.covariates;
  const y = input.outcome;
  const weights = normalisedWeights(input.weights);
  const ps = propensityScore(input, weights);
  const w = scoreWeights(input, weights, ps.fitted);
  const treatedPre = centredSummand(w.treatedPre, y);
  const treatedPost = centredSummand(w.treatedPost, y);
  const comparisonPre = centredSummand(w.comparisonPre, y);
  const comparisonPost = centredSummand(w.comparisonPost, y);
  const att = treatedPost.mean - treatedPre.mean - (comparisonPost.mean - comparisonPre.mean);
  const m2Pre = scaleInPlace(columnMeans(x, w.comparisonPre, y.map((v) => v - comparisonPre.mean)), 1 / mean(w.comparisonPre));
  const m2Post = scaleInPlace(columnMeans(x, w.comparisonPost, y.map((v) => v - comparisonPost.mean)), 1 / mean(w.comparisonPost));
  const scoreEffect = estimationEffect(ps.linearRepresentation, m2Post.map((v, a) => v - m2Pre[a]), n);
  const influence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    influence[i] = treatedPost.summand[i] - treatedPre.summand[i] - (comparisonPost.summand[i] - comparisonPre.summand[i] + scoreEffect[i]);
  }
  return { att, influence };
}

function outcomeRegressionRc(input: RepeatedCrossSectionInput): TwoByTwoResult {
  const n = input.outcome.length;
  const x = input.covariates;
  const y = input.outcome;
  const weights = normalisedWeights(input.weights);
  const comparisonPre = subgroupRegression(input, weights, 0, 0, 'outcome regression on the comparison group, base period');
  const comparisonPost = subgroupRegression(input, weights, 0, 1, 'outcome regression on the comparison group, period t');
  const { all: treatedWeight, pre: treatedPreWeight, post: treatedPostWeight } = treatedRowWeights(input, weights);
  const predictedChange = new Float64Array(n);
  for (let i = 0; i < n; i++) predictedChange[i] = comparisonPost.prediction[i] - comparisonPre.prediction[i];
  const treatedPre = centredSummand(treatedPreWeight, y);
  const treatedPost = centredSummand(treatedPostWeight, y);
  const comparison = centredSummand(treatedWeight, predictedChange);
  const att = treatedPost.mean - treatedPre.mean - comparison.mean;
  const m1 = columnMeans(x, treatedWeight);
  const postEffect = estimationEffect(comparisonPost.linearRepresentation, m1, n);
  const preEffect = estimationEffect(comparisonPre.linearRepresentation, m1, n);
  const meanTreatedWeight = mean(treatedWeight);
  const influence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const comparisonPart = comparison.summand[i] + (postEffect[i] - preEffect[i]) / meanTreatedWeight;
    influence[i] = treatedPost.summand[i] - treatedPre.summand[i] - comparisonPart;
  }
  return { att, influence };
}

/**
 * Without covariates, and below the trimming threshold, drdid_rc, std_ipw_did_rc and reg_did_rc all reduce
 * exactly to the difference in differences of the four weighted means (treated and comparison, base period
 * and t): every nuisance estimate is a subgroup mean, and their estimation effects cancel. The influence
 * function is then the sum of the four means' own, w_i·(y_i − ȳ_s)/mean(w·1_s) with signs.
 */
function differenceOfMeansRc(input: RepeatedCrossSectionInput): TwoByTwoResult {
  const n = input.outcome.length;
  const { outcome, treated, post, weights } = input;
  const weightOf = new Float64Array(4);
  const sumOf = new Float64Array(4);
  const subgroup = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // 0: comparison base, 1: comparison t, 2: treated base, 3: treated t
    const s = 2 * treated[i] + post[i];
    subgroup[i] = s;
    weightOf[s] += weights[i];
    sumOf[s] += weights[i] * outcome[i];
  }
  const means = sumOf.map((sum, s) => sum / weightOf[s]);
  const att = means[3] - means[2] - (means[1] - means[0]);
  // w/mean(w·1_s) with mean over all n rows; the sign of each mean in the DiD.
  const scale = weightOf.map((total, s) => ((s === 0 || s === 3 ? 1 : -1) * n) / total);
  const influence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = subgroup[i];
    influence[i] = scale[s] * weights[i] * (outcome[i] - means[s]);
  }
  return { att, influence };
}

export function estimateTwoByTwoRepeatedCrossSection(method: EstimationMethod, input: RepeatedCrossSectionInput): TwoByTwoResult {
  if (input.covariates.columns === 1 && (method === 'reg' || weightedTreatedShare(input) < TRIM_LEVEL)) return differenceOfMeansRc(input);
  switch (method) {
    case 'dr':
      return doublyRobustRc(input);
    case 'ipw':
      return inverseProbabilityWeightingRc(input);
    case 'reg':
      return outcomeRegressionRc(input);
  }
}
