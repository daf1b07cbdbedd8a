/**
 * Kernel-weighted polynomial fits on one side of the cut-off, their residuals for the variance (rdrobust's
 * nearest-neighbour and HC0–HC3 forms) and the sandwich's middle matrix.
 */
import { type RdWindow, windowColumn, windowScores, windowSize } from './side.js';
import { crossProduct, invertGram, matrix, multiply, type Matrix } from '../small-matrix.js';

export type RdVariance = 'nn' | 'hc0' | 'hc1' | 'hc2' | 'hc3';

export const RD_VARIANCES: readonly RdVariance[] = ['nn', 'hc0', 'hc1', 'hc2', 'hc3'];

/** Columns 1, (x − c), …, (x − c)^order for the window's observations. */
export function polynomialBasis(window: RdWindow, cutoff: number, order: number): Matrix {
  const x = windowScores(window);
  const k = order + 1;
  const values = new Float64Array(x.length * k);
  for (let i = 0; i < x.length; i++) {
    const u = x[i] - cutoff;
    let power = 1;
    for (let j = 0; j < k; j++) {
      values[i * k + j] = power;
      power *= u;
    }
  }
  return matrix(x.length, k, values);
}

/** The window's regression columns D = (y, t, z…) as an n × m matrix. */
export function responseMatrix(window: RdWindow): Matrix {
  const n = windowSize(window);
  const m = window.side.columns.length;
  const values = new Float64Array(n * m);
  for (let c = 0; c < m; c++) {
    const column = windowColumn(window, c);
    for (let i = 0; i < n; i++) values[i * m + c] = column[i];
  }
  return matrix(n, m, values);
}

export interface PolynomialFit {
  /** (Rᵀ W R)⁻¹. */
  readonly inverseGram: Matrix;
  /** Coefficients, one column per response column. */
  readonly beta: Matrix;
}

export function fitPolynomial(basis: Matrix, weights: Float64Array, responses: Matrix): PolynomialFit {
  const inverseGram = invertGram(crossProduct(basis, basis, weights));
  return { inverseGram, beta: multiply(inverseGram, crossProduct(basis, responses, weights)) };
}

/** Leverages h_ii = w_i · R_iᵀ (RᵀWR)⁻¹ R_i, for HC2 and HC3. */
function leverages(basis: Matrix, weights: Float64Array, inverseGram: Matrix): Float64Array {
  const k = basis.cols;
  const projected = multiply(basis, inverseGram);
  const result = new Float64Array(basis.rows);
  for (let i = 0; i < basis.rows; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += projected.values[i * k + j] * basis.values[i * k + j];
    result[i] = sum * weights[i];
  }
  return result;
}

/** Neighbourhoods up to this size are summed directly; longer ones from running totals. */
const DIRECT_SUM_LIMIT = 64;

/**
 * rdrobust's nearest-neighbour residuals: each observation against the mean of at least `matches` nearest
 * neighbours on its side (whole tie-groups, the nearer side first), scaled by sqrt(J/(J+1)).
 */
export function nearestNeighbourResiduals(window: RdWindow, matches: number): Matrix {
  const x = windowScores(window);
  const n = x.length;
  const tieSize = window.side.tieSize.subarray(window.start, window.end);
  const tiePlace = window.side.tiePlace.subarray(window.start, window.end);
  const responses = responseMatrix(window);
  const m = responses.cols;
  const result = new Float64Array(n * m);
  const target = Math.min(matches, n - 1);
  // Scores repeat (review scores are discrete), so a neighbourhood can span thousands of tied observations:
  // long ones are summed from running totals, short ones directly (as rdrobust does, to its last digit).
  const prefix = new Float64Array((n + 1) * m);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) prefix[(i + 1) * m + c] = prefix[i * m + c] + responses.values[i * m + c];
  for (let pos = 0; pos < n; pos++) {
    let right = tieSize[pos] - tiePlace[pos];
    let left = tiePlace[pos] - 1;
    while (left + right < target) {
      const leftCandidate = pos - left - 1;
      const rightCandidate = pos + right + 1;
      if (leftCandidate < 0) right += tieSize[rightCandidate];
      else if (rightCandidate > n - 1) left += tieSize[leftCandidate];
      else {
        const leftGap = x[pos] - x[leftCandidate];
        const rightGap = x[rightCandidate] - x[pos];
        if (leftGap > rightGap) right += tieSize[rightCandidate];
        else if (leftGap < rightGap) left += tieSize[leftCandidate];
        else {
          right += tieSize[rightCandidate];
          left += tieSize[leftCandidate];
        }
      }
    }
    const from = Math.max(0, pos - left);
    const to = Math.min(n - 1, pos + right);
    const neighbours = to - from;
    const scale = Math.sqrt(neighbours / (neighbours + 1));
    for (let c = 0; c < m; c++) {
      let sum = 0;
      if (to - from < DIRECT_SUM_LIMIT) for (let j = from; j <= to; j++) sum += responses.values[j * m + c];
      else sum = prefix[(to + 1) * m + c] - prefix[from * m + c];
      const own = responses.values[pos * m + c];
      result[pos * m + c] = scale * (own - (sum - own) / neighbours);
    }
  }
  return matrix(n, m, result);
}

/**
 * HC residuals of a fit: y − ŷ, scaled by sqrt(n/(n − k)) for HC1, 1/sqrt(1 − h_ii) for HC2 and 1/(1 − h_ii)
 * for HC3 (leverages floored at 1e-8 from one, as rdrobust does).
 */
export function heteroskedasticResiduals(vce: Exclude<RdVariance, 'nn'>, basis: Matrix, weights: Float64Array, responses: Matrix, fit: PolynomialFit): Matrix {
  const n = responses.rows;
  const m = responses.cols;
  const fitted = multiply(basis, fit.beta);
  const leverage = vce === 'hc2' || vce === 'hc3' ? leverages(basis, weights, fit.inverseGram) : null;
  const hc1Scale = Math.sqrt(n / (n - basis.cols));
  const result = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    let scale = 1;
    if (vce === 'hc1') scale = hc1Scale;
    else if (leverage) {
      const complement = Math.max(1 - leverage[i], 1e-8);
      scale = vce === 'hc2' ? Math.sqrt(1 / complement) : 1 / complement;
    }
    for (let c = 0; c < m; c++) result[i * m + c] = scale * (responses.values[i * m + c] - fitted.values[i * m + c]);
  }
  return matrix(n, m, result);
}

export function residualsFor(vce: RdVariance, window: RdWindow, basis: Matrix, weights: Float64Array, responses: Matrix, fit: PolynomialFit, matches: number): Matrix {
  return vce === 'nn' ? nearestNeighbourResiduals(window, matches) : heteroskedasticResiduals(vce, basis, weights, responses, fit);
}

/**
 * Σᵢ (eᵢ·s)² · Xᵢ Xᵢᵀ, where X = R·diag(rowWeights) (or a score matrix given whole, rowWeights omitted) and
 * s combines the residual columns (the delta method's gradient for fuzzy or covariate-adjusted estimands).
 */
export function varianceMeat(scores: Matrix, residuals: Matrix, combination: readonly number[], rowWeights?: Float64Array): Matrix {
  const n = scores.rows;
  const k = scores.cols;
  const m = residuals.cols;
  const result = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    let combined = 0;
    for (let c = 0; c < combination.length && c < m; c++) combined += residuals.values[i * m + c] * combination[c];
    const scale = rowWeights ? combined * rowWeights[i] : combined;
    if (scale === 0) continue;
    const factor = scale * scale;
    for (let a = 0; a < k; a++) {
      const xa = scores.values[i * k + a] * factor;
      for (let b = a; b < k; b++) result[a * k + b] += xa * scores.values[i * k + b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) result[a * k + b] = result[b * k + a];
  return matrix(k, k, result);
}

/** (RᵀWR)⁻¹ · meat · (RᵀWR)⁻¹. */
export function sandwichVariance(inverseGram: Matrix, meat: Matrix): Matrix {
  return multiply(multiply(inverseGram, meat), inverseGram);
}
