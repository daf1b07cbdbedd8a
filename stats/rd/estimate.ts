/**
 * Local polynomial regression discontinuity at a cut-off, as R rdrobust 4.0.0 estimates it (Calonico,
 * Cattaneo & Titiunik 2014; Calonico, Cattaneo, Farrell & Titiunik 2019): order-p fits either side within h,
 * the bias of the order-p fit estimated with an order-q fit within b, and three inferences: conventional,
 * bias-corrected with the conventional SE, and robust (bias-corrected with the SE that accounts for the bias
 * estimate). Sharp or fuzzy (the jump in the outcome over the jump in the award), with or without covariates.
 */
import { normalCdf, normalQuantile } from '../distributions.js';
import { selectBandwidths, partialledCovariateMoments, type RdBandwidths, type RdBandwidthSelector } from './bandwidth.js';
import type { RdKernel } from './kernel.js';
import { fitPolynomial, polynomialBasis, residualsFor, responseMatrix, sandwichVariance, varianceMeat, type RdVariance } from './local-fit.js';
import { prepareSides, type RdData } from './prepare.js';
import { kernelWindow, reweighted, windowScores, type RdSide } from './side.js';
import { at, invertCovariateGram, matrix, multiply, transpose, type Matrix } from '../small-matrix.js';

export interface RdOptions {
  readonly cutoff: number;
  readonly kernel: RdKernel;
  readonly p: number;
  readonly bwselect: RdBandwidthSelector;
  readonly vce: RdVariance;
  /** Neighbours for the nearest-neighbour variance (rdrobust's nnmatch). */
  readonly matches: number;
  /** Confidence level in per cent. */
  readonly level: number;
  /** Given bandwidths (h, and b = h unless given) instead of a selector. */
  readonly h?: { readonly left: number; readonly right: number };
  readonly b?: { readonly left: number; readonly right: number };
}

export const RD_DEFAULTS: Omit<RdOptions, 'cutoff'> = { kernel: 'triangular', p: 1, bwselect: 'mserd', vce: 'nn', matches: 3, level: 95 };

export interface RdInference {
  readonly coef: number;
  readonly se: number;
  readonly ci: readonly [number, number];
  readonly pvalue: number;
}

export interface RdReport {
  readonly conventional: RdInference;
  readonly bias_corrected: RdInference;
  readonly robust: RdInference;
  readonly bandwidth: { readonly h_left: number; readonly h_right: number; readonly b_left: number; readonly b_right: number };
  readonly n: { readonly left: number; readonly right: number; readonly effective_left: number; readonly effective_right: number };
  readonly design: {
    readonly fuzzy: boolean;
    readonly kernel: RdKernel;
    readonly p: number;
    readonly q: number;
    readonly bwselect: RdBandwidthSelector | 'manual';
    readonly vce: RdVariance;
    readonly cutoff: number;
    /** Distinct scores either side, and whether rdrobust's mass-point floor on the bandwidth applied. */
    readonly distinct_left: number;
    readonly distinct_right: number;
    readonly mass_points: boolean;
    readonly covariates: readonly string[];
    readonly dropped_covariates: readonly string[];
    readonly dropped_rows: number;
  };
  /** For a fuzzy design: the jump in the treatment (award) probability at the cut-off. */
  readonly first_stage: { readonly coef: number; readonly se: number } | null;
  /** The order-p fits either side at the cut-off (conventional), for plots. */
  readonly fits: { readonly left: readonly number[]; readonly right: readonly number[] };
}

/** What one side contributes at bandwidths (h, b). */
interface SideEstimation {
  readonly betaP: Matrix;
  readonly betaBc: Matrix;
  readonly inverseGramP: Matrix;
  readonly scoresP: Matrix;
  readonly weightsH: Float64Array;
  readonly scoresBc: Matrix;
  readonly residualsH: Matrix;
  readonly residualsB: Matrix;
  readonly covariateMoments: { zz: Matrix; zy: Matrix } | null;
  readonly effectiveN: number;
}

function estimateSide(side: RdSide, options: RdOptions, cutoff: number, h: number, b: number): SideEstimation {
  const { kernel, p, vce, matches } = options;
  const q = p + 1;
  // The estimation sample is the wider of the two windows; the narrower bandwidth's weights are zero at its edges.
  const window = kernelWindow(side, kernel, cutoff, Math.max(h, b));
  const weightsH = h >= b ? window.weights : reweighted(window, kernel, cutoff, h).weights;
  const weightsB = b >= h ? window.weights : reweighted(window, kernel, cutoff, b).weights;
  const basisQ = polynomialBasis(window, cutoff, q);
  const basisP = polynomialBasis(window, cutoff, p);
  const responses = responseMatrix(window);
  const fitP = fitPolynomial(basisP, weightsH, responses);
  const fitQ = fitPolynomial(basisQ, weightsB, responses);
  const n = basisP.rows;
  const kp = p + 1;
  const kq = q + 1;
  // Q_q = R_p·W_h − h^(p+1) · L · e_(p+1)ᵀ (R_qᵀ W_b R_q)⁻¹ R_qᵀ W_b: the scores of the bias-corrected estimator.
  const x = windowScores(window);
  const leading = new Float64Array(kp);
  for (let i = 0; i < n; i++) {
    const u = ((x[i] - cutoff) / h) ** (p + 1);
    for (let j = 0; j < kp; j++) leading[j] += basisP.values[i * kp + j] * weightsH[i] * u;
  }
  const hPower = h ** (p + 1);
  const scoresBc = matrix(n, kp);
  for (let i = 0; i < n; i++) {
    let biasRow = 0;
    for (let j = 0; j < kq; j++) biasRow += at(fitQ.inverseGram, p + 1, j) * basisQ.values[i * kq + j];
    biasRow *= weightsB[i];
    for (let j = 0; j < kp; j++) scoresBc.values[i * kp + j] = basisP.values[i * kp + j] * weightsH[i] - hPower * leading[j] * biasRow;
  }
  const betaBc = multiply(fitP.inverseGram, multiply(transpose(scoresBc), responses));
  const residualsH = residualsFor(vce, window, basisP, weightsH, responses, fitP, matches);
  const residualsB = vce === 'nn' ? residualsH : residualsFor(vce, window, basisQ, weightsB, responses, fitQ, matches);
  const first = side.hasTreatment ? 2 : 1;
  let effectiveN = 0;
  for (const w of weightsH) if (w > 0) effectiveN++;
  return {
    betaP: fitP.beta,
    betaBc,
    inverseGramP: fitP.inverseGram,
    scoresP: basisP,
    weightsH,
    scoresBc,
    residualsH,
    residualsB,
    covariateMoments: side.covariateCount > 0 ? partialledCovariateMoments(basisP, weightsH, responses, fitP.inverseGram, first, side.covariateCount) : null,
    effectiveN,
  };
}

function addMatrices(a: Matrix, b: Matrix): Matrix {
  return matrix(a.rows, a.cols, a.values.map((v, i) => v + b.values[i]));
}

/** The intercept jump in a combination of response columns: s · (β_right − β_left)[0, ·]. */
function jump(left: Matrix, right: Matrix, columns: readonly number[], weights: readonly number[]): number {
  let total = 0;
  columns.forEach((column, i) => (total += weights[i] * (at(right, 0, column) - at(left, 0, column))));
  return total;
}

function inference(coef: number, se: number, quantile: number): RdInference {
  return { coef, se, ci: [coef - quantile * se, coef + quantile * se], pvalue: 2 * normalCdf(-Math.abs(coef / se)) };
}

function variance(sides: readonly SideEstimation[], combination: readonly number[], kind: 'conventional' | 'robust'): number {
  let total = 0;
  for (const side of sides) {
    const meat =
      kind === 'conventional' ? varianceMeat(side.scoresP, side.residualsH, combination, side.weightsH) : varianceMeat(side.scoresBc, side.residualsB, combination);
    total += at(sandwichVariance(side.inverseGramP, meat), 0, 0);
  }
  return total;
}

/** rdrobust's ginv tolerance for the covariate adjustment. */
const COVARIATE_TOLERANCE = 1e-20;

export function estimateRd(data: RdData, options: RdOptions): RdReport {
  const prepared = prepareSides(data, options.cutoff);
  const { left, right, bandwidthLeft, bandwidthRight, fuzzy } = prepared;
  const q = options.p + 1;
  let bandwidths: RdBandwidths;
  if (options.h) {
    const b = options.b ?? options.h;
    bandwidths = { hLeft: options.h.left, hRight: options.h.right, bLeft: b.left, bRight: b.right };
  } else {
    bandwidths = selectBandwidths(
      {
        left: bandwidthLeft,
        right: bandwidthRight,
        cutoff: options.cutoff,
        scores: prepared.scores,
        distinctLeft: prepared.distinctLeft,
        distinctRight: prepared.distinctRight,
        massPoints: prepared.massPoints,
      },
      options.bwselect,
      { kernel: options.kernel, vce: options.vce, p: options.p, q, matches: options.matches, covariateTolerance: COVARIATE_TOLERANCE },
    );
  }
  const l = estimateSide(left, options, options.cutoff, bandwidths.hLeft, bandwidths.bLeft);
  const r = estimateSide(right, options, options.cutoff, bandwidths.hRight, bandwidths.bRight);
  const dZ = left.covariateCount;
  const first = fuzzy ? 2 : 1;
  const zColumns = Array.from({ length: dZ }, (_, j) => first + j);

  let gammaY: number[] = [];
  let gammaT: number[] = [];
  if (dZ > 0 && l.covariateMoments && r.covariateMoments) {
    const gamma = multiply(invertCovariateGram(addMatrices(l.covariateMoments.zz, r.covariateMoments.zz), COVARIATE_TOLERANCE), addMatrices(l.covariateMoments.zy, r.covariateMoments.zy));
    gammaY = zColumns.map((_, j) => at(gamma, j, 0));
    if (fuzzy) gammaT = zColumns.map((_, j) => at(gamma, j, 1));
  }
  // Adjusted jumps: outcome (and treatment) minus γ times the covariates' jumps.
  const adjusted = (beta: (side: SideEstimation) => Matrix, column: number, gamma: readonly number[]) =>
    jump(beta(l), beta(r), [column, ...zColumns], [1, ...gamma.map((g) => -g)]);
  const tauYCl = adjusted((s) => s.betaP, 0, gammaY);
  const tauYBc = adjusted((s) => s.betaBc, 0, gammaY);
  let tauCl = tauYCl;
  let tauBc = tauYBc;
  let combination: number[] = [1, ...gammaY.map((g) => -g)];
  let firstStage: { coef: number; se: number } | null = null;
  if (fuzzy) {
    const tauTCl = adjusted((s) => s.betaP, 1, gammaT);
    const tauTBc = adjusted((s) => s.betaBc, 1, gammaT);
    tauCl = tauYCl / tauTCl;
    const sY = 1 / tauTCl;
    const sT = -(tauYCl / tauTCl ** 2);
    tauBc = tauCl - (sY * (tauYCl - tauYBc) + sT * (tauTCl - tauTBc));
    combination = [sY, sT, ...gammaY.map((g, j) => -sY * g - sT * gammaT[j])];
    const treatmentCombination = [0, 1, ...gammaT.map((g) => -g)];
    firstStage = { coef: tauTCl, se: Math.sqrt(variance([l, r], treatmentCombination, 'conventional')) };
  }
  const seCl = Math.sqrt(variance([l, r], combination, 'conventional'));
  const seRb = Math.sqrt(variance([l, r], combination, 'robust'));
  const quantile = normalQuantile(1 - (1 - options.level / 100) / 2);
  const polynomialOf = (side: SideEstimation) => Array.from({ length: options.p + 1 }, (_, j) => adjustedOutcomeCoefficient(side.betaP, j, gammaY, zColumns));
  return {
    conventional: inference(tauCl, seCl, quantile),
    bias_corrected: inference(tauBc, seCl, quantile),
    robust: inference(tauBc, seRb, quantile),
    bandwidth: { h_left: bandwidths.hLeft, h_right: bandwidths.hRight, b_left: bandwidths.bLeft, b_right: bandwidths.bRight },
    n: { left: left.x.length, right: right.x.length, effective_left: l.effectiveN, effective_right: r.effectiveN },
    design: {
      fuzzy,
      kernel: options.kernel,
      p: options.p,
      q,
      bwselect: options.h ? 'manual' : options.bwselect,
      vce: options.vce,
      cutoff: options.cutoff,
      distinct_left: prepared.distinctLeft.length,
      distinct_right: prepared.distinctRight.length,
      mass_points: prepared.massPoints,
      covariates: prepared.covariateNames,
      dropped_covariates: prepared.droppedCovariates,
      dropped_rows: prepared.droppedRows,
    },
    first_stage: firstStage,
    fits: { left: polynomialOf(l), right: polynomialOf(r) },
  };
}

/** Coefficient j of a side's outcome polynomial, less γ times the covariates' coefficient j. */
function adjustedOutcomeCoefficient(beta: Matrix, j: number, gammaY: readonly number[], zColumns: readonly number[]): number {
  let value = at(beta, j, 0);
  zColumns.forEach((column, i) => (value -= gammaY[i] * at(beta, j, column)));
  return value;
}
