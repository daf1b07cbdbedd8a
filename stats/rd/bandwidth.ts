/**
 * Data-driven bandwidths for local polynomial RD, as rdrobust 4.0.0 selects them: a rule-of-thumb pilot
 * (with the mass-point adjustment and the bwcheck floor of ten distinct scores when scores repeat), then the
 * pre-asymptotic variance, bias and regularisation constants of Calonico, Cattaneo & Farrell (2020) for the
 * derivative, bias and main bandwidths in turn, for each of the ten selectors.
 */
import { sampleVariance } from '../moments.js';
import { pilotConstant, type RdKernel } from './kernel.js';
import { fitPolynomial, polynomialBasis, residualsFor, responseMatrix, sandwichVariance, varianceMeat, type RdVariance } from './local-fit.js';
import { kernelWindow, windowScores, type RdSide } from './side.js';
import { at, crossProduct, invertCovariateGram, matrix, multiply, type Matrix } from '../small-matrix.js';

export type RdBandwidthSelector = 'mserd' | 'msetwo' | 'msesum' | 'msecomb1' | 'msecomb2' | 'cerrd' | 'certwo' | 'cersum' | 'cercomb1' | 'cercomb2';

export const RD_BANDWIDTH_SELECTORS: readonly RdBandwidthSelector[] = ['mserd', 'msetwo', 'msesum', 'msecomb1', 'msecomb2', 'cerrd', 'certwo', 'cersum', 'cercomb1', 'cercomb2'];

export interface RdBandwidths {
  readonly hLeft: number;
  readonly hRight: number;
  readonly bLeft: number;
  readonly bRight: number;
}

export interface BandwidthSettings {
  readonly kernel: RdKernel;
  readonly vce: RdVariance;
  readonly p: number;
  readonly q: number;
  readonly matches: number;
  /** rdrobust's covariate ginv tolerance. */
  readonly covariateTolerance: number;
}

export interface BandwidthInput {
  readonly left: RdSide;
  readonly right: RdSide;
  readonly cutoff: number;
  /** All scores, ascending (both sides). */
  readonly scores: Float64Array;
  /** Distinct scores on each side, nearest the cut-off first. */
  readonly distinctLeft: Float64Array;
  readonly distinctRight: Float64Array;
  /** Whether the scores have mass points (20 % or more repeated on a side). */
  readonly massPoints: boolean;
}

/** The MSE constants of one side at one stage. */
interface StageConstants {
  readonly variance: number;
  readonly bias: number;
  readonly regularisation: number;
  readonly rate: number;
}

/** The part of a stage that depends only on (order, derivative) at the pilot bandwidth: computed once per side. */
interface VarianceStage {
  readonly variance: number;
  readonly biasConstant: number;
  readonly combination: number[];
}

function factorial(k: number): number {
  let result = 1;
  for (let i = 2; i <= k; i++) result *= i;
  return result;
}

/**
 * The delta method's gradient over the response columns (y, t, z…) for the estimand at derivative `nu`:
 * 1 for a sharp design, (1/τ_T, −τ_Y/τ_T²) for a fuzzy one, with −γ for covariates.
 */
function estimandCombination(side: RdSide, window: { basis: Matrix; weights: Float64Array; responses: Matrix }, beta: Matrix, inverseGram: Matrix, nu: number, tolerance: number): number[] {
  const hasTreatment = side.hasTreatment;
  const dZ = side.covariateCount;
  const first = hasTreatment ? 2 : 1;
  const scale = factorial(nu);
  if (dZ === 0) {
    if (!hasTreatment) return [1];
    const tauY = scale * at(beta, nu, 0);
    const tauT = scale * at(beta, nu, 1);
    return [1 / tauT, -(tauY / (tauT * tauT))];
  }
  const gamma = covariateCoefficients(window.basis, window.weights, window.responses, inverseGram, first, dZ, tolerance);
  const gammaY = Array.from({ length: dZ }, (_, j) => at(gamma, j, 0));
  if (!hasTreatment) return [1, ...gammaY.map((g) => -g)];
  const gammaT = Array.from({ length: dZ }, (_, j) => at(gamma, j, 1));
  let tauY = at(beta, nu, 0);
  let tauT = at(beta, nu, 1);
  for (let j = 0; j < dZ; j++) {
    tauY -= gammaY[j] * at(beta, nu, first + j);
    tauT -= gammaT[j] * at(beta, nu, first + j);
  }
  tauY *= scale;
  tauT *= scale;
  return [1 / tauT, -(tauY / (tauT * tauT)), ...gammaY.map((g, j) => -(1 / tauT) * g + (tauY / (tauT * tauT)) * gammaT[j])];
}

/**
 * γ: the covariates' coefficients after partialling out the polynomial, one column per leading response
 * (y, and t when fuzzy), from ZᵀWZ − UᵀG⁻¹U and ZᵀWY − UᵀG⁻¹U_Y.
 */
function covariateCoefficients(basis: Matrix, weights: Float64Array, responses: Matrix, inverseGram: Matrix, first: number, dZ: number, tolerance: number): Matrix {
  const partial = partialledCovariateMoments(basis, weights, responses, inverseGram, first, dZ);
  return multiply(invertCovariateGram(partial.zz, tolerance), partial.zy);
}

/** The covariate blocks ZᵀWZ − UᵀG⁻¹U (dZ × dZ) and ZᵀWY − UᵀG⁻¹U_Y (dZ × first) of one side's fit. */
export function partialledCovariateMoments(basis: Matrix, weights: Float64Array, responses: Matrix, inverseGram: Matrix, first: number, dZ: number): { zz: Matrix; zy: Matrix } {
  const m = responses.cols;
  const u = crossProduct(basis, responses, weights);
  const z = matrix(responses.rows, dZ, new Float64Array(responses.rows * dZ));
  for (let i = 0; i < responses.rows; i++) for (let j = 0; j < dZ; j++) z.values[i * dZ + j] = responses.values[i * m + first + j];
  const zwd = crossProduct(z, responses, weights);
  const uz = matrix(u.rows, dZ, new Float64Array(u.rows * dZ));
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < dZ; j++) uz.values[i * dZ + j] = u.values[i * m + first + j];
  const uigu = crossProduct(uz, multiply(inverseGram, u));
  const zz = matrix(dZ, dZ);
  const zy = matrix(dZ, first);
  for (let i = 0; i < dZ; i++) {
    for (let j = 0; j < dZ; j++) zz.values[i * dZ + j] = at(zwd, i, first + j) - at(uigu, i, first + j);
    for (let j = 0; j < first; j++) zy.values[i * first + j] = at(zwd, i, j) - at(uigu, i, j);
  }
  return { zz, zy };
}

class SidePilot {
  private readonly cache = new Map<string, VarianceStage>();

  constructor(
    private readonly side: RdSide,
    private readonly cutoff: number,
    private readonly pilotBandwidth: number,
    private readonly settings: BandwidthSettings,
  ) {}

  /** rdrobust_bw's V-fit: order `order` at the pilot bandwidth, for derivative `nu`. */
  private varianceStage(order: number, nu: number): VarianceStage {
    const key = `${order}_${nu}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const { kernel, vce, matches, covariateTolerance } = this.settings;
    const h = this.pilotBandwidth;
    const window = kernelWindow(this.side, kernel, this.cutoff, h);
    const basis = polynomialBasis(window, this.cutoff, order);
    const responses = responseMatrix(window);
    const fit = fitPolynomial(basis, window.weights, responses);
    const combination = estimandCombination(this.side, { basis, weights: window.weights, responses }, fit.beta, fit.inverseGram, nu, covariateTolerance);
    const residuals = residualsFor(vce, window, basis, window.weights, responses, fit, matches);
    const variance = at(sandwichVariance(fit.inverseGram, varianceMeat(basis, residuals, combination, window.weights)), nu, nu);
    // BConst: the leading bias term's constant, from Rᵀ W ((x − c)/h)^(order+1).
    const next = matrix(basis.rows, 1, Float64Array.from(windowScores(window), (x) => ((x - this.cutoff) / h) ** (order + 1)));
    const projected = multiply(fit.inverseGram, crossProduct(basis, next, window.weights));
    const biasConstant = h ** nu * projected.values[nu];
    const stage = { variance, biasConstant, combination };
    this.cache.set(key, stage);
    return stage;
  }

  /** rdrobust_bw(o = order, nu, o_B = biasOrder, h_V = pilot, h_B = biasBandwidth, scale). */
  constants(order: number, nu: number, biasOrder: number, biasBandwidth: number, scale: number): StageConstants {
    const { kernel, vce, matches } = this.settings;
    const stage = this.varianceStage(order, nu);
    const window = kernelWindow(this.side, kernel, this.cutoff, biasBandwidth);
    const basis = polynomialBasis(window, this.cutoff, biasOrder);
    const responses = responseMatrix(window);
    const fit = fitPolynomial(basis, window.weights, responses);
    let regularisationTerm = 0;
    if (scale > 0) {
      const residuals = residualsFor(vce, window, basis, window.weights, responses, fit, matches);
      const biasVariance = at(sandwichVariance(fit.inverseGram, varianceMeat(basis, residuals, stage.combination, window.weights)), order + 1, order + 1);
      regularisationTerm = 3 * stage.biasConstant ** 2 * biasVariance;
    }
    let leading = 0;
    for (let c = 0; c < stage.combination.length; c++) leading += stage.combination[c] * at(fit.beta, order + 1, c);
    return {
      variance: (2 * nu + 1) * this.pilotBandwidth ** (2 * nu + 1) * stage.variance,
      bias: Math.sqrt(2 * (order + 1 - nu)) * stage.biasConstant * leading,
      regularisation: scale * (2 * (order + 1 - nu)) * regularisationTerm,
      rate: 1 / (2 * order + 3),
    };
  }
}

/** R's quantile type 2: the inverse of the empirical CDF, averaging at its jumps. */
export function quantileType2(sorted: Float64Array, probability: number): number {
  const n = sorted.length;
  const position = n * probability;
  const fuzz = 4 * Number.EPSILON;
  const j = Math.floor(position + fuzz);
  const below = sorted[Math.min(Math.max(j - 1, 0), n - 1)];
  const above = sorted[Math.min(Math.max(j, 0), n - 1)];
  return position > j + fuzz ? above : (below + above) / 2;
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

/** rdrobust's bandwidth selection. */
export function selectBandwidths(input: BandwidthInput, selector: RdBandwidthSelector, settings: BandwidthSettings): RdBandwidths {
  const { left, right, cutoff, scores } = input;
  const { p, q, kernel } = settings;
  const n = scores.length;
  const xMin = scores[0];
  const xMax = scores[n - 1];
  const spread = Math.min(Math.sqrt(sampleVariance(scores)), (quantileType2(scores, 0.75) - quantileType2(scores, 0.25)) / 1.349);
  const distinct = input.distinctLeft.length + input.distinctRight.length;
  const bwMaxLeft = Math.abs(cutoff - xMin);
  const bwMaxRight = Math.abs(cutoff - xMax);
  const bwMax = Math.max(bwMaxLeft, bwMaxRight);
  // masspoints = "adjust" (rdrobust's default) counts distinct scores, not observations, in the pilot's rate.
  let pilot = Math.min(pilotConstant(kernel) * spread * distinct ** (-1 / 5), bwMax);
  // With mass points rdrobust sets bwcheck = 10: every bandwidth covers at least ten distinct scores per side.
  let bwMinLeft = 0;
  let bwMinRight = 0;
  const bwcheck = input.massPoints ? 10 : null;
  if (bwcheck !== null) {
    bwMinLeft = Math.abs(input.distinctLeft[Math.min(bwcheck, input.distinctLeft.length) - 1] - cutoff) + 1e-8;
    bwMinRight = Math.abs(input.distinctRight[Math.min(bwcheck, input.distinctRight.length) - 1] - cutoff) + 1e-8;
    pilot = Math.max(pilot, bwMinLeft, bwMinRight);
  }
  const leftPilot = new SidePilot(left, cutoff, pilot, settings);
  const rightPilot = new SidePilot(right, cutoff, pilot, settings);
  const withFloor = (h: number, ...floors: number[]) => (bwcheck === null ? h : Math.max(h, ...floors));

  // Step 1: the pilot for the (q+1)-th derivative, with the whole side for its bias.
  const dLeft = leftPilot.constants(q + 1, q + 1, q + 2, Math.abs(cutoff - xMin), 0);
  const dRight = rightPilot.constants(q + 1, q + 1, q + 2, Math.abs(cutoff - xMax), 0);

  const wants = (...names: RdBandwidthSelector[]) => names.includes(selector);
  let two: RdBandwidths | null = null;
  let sum: { h: number; b: number } | null = null;
  let rd: { h: number; b: number } | null = null;

  if (wants('msetwo', 'certwo', 'msecomb2', 'cercomb2')) {
    const dL = withFloor(Math.min((dLeft.variance / dLeft.bias ** 2) ** dLeft.rate, bwMaxLeft), bwMinLeft);
    const dR = withFloor(Math.min((dRight.variance / dRight.bias ** 2) ** dRight.rate, bwMaxRight), bwMinRight);
    const bL0 = leftPilot.constants(q, p + 1, q + 1, dL, 1);
    const bR0 = rightPilot.constants(q, p + 1, q + 1, dR, 1);
    const bL = Math.min((bL0.variance / (bL0.bias ** 2 + bL0.regularisation)) ** bL0.rate, bwMaxLeft);
    const bR = Math.min((bR0.variance / (bR0.bias ** 2 + bR0.regularisation)) ** bR0.rate, bwMaxRight);
    const hL0 = leftPilot.constants(p, 0, q, bL, 1);
    const hR0 = rightPilot.constants(p, 0, q, bR, 1);
    const hL = Math.min((hL0.variance / (hL0.bias ** 2 + hL0.regularisation)) ** hL0.rate, bwMaxLeft);
    const hR = Math.min((hR0.variance / (hR0.bias ** 2 + hR0.regularisation)) ** hR0.rate, bwMaxRight);
    two = { hLeft: hL, hRight: hR, bLeft: bL, bRight: bR };
  }

  // One common bandwidth from the two sides' constants: the sum (B_r + B_l) or the difference (B_r − B_l) of biases.
  const common = (combine: (l: number, r: number) => number): { h: number; b: number } => {
    const d = withFloor(Math.min(((dLeft.variance + dRight.variance) / combine(dLeft.bias, dRight.bias) ** 2) ** dLeft.rate, bwMax), bwMinLeft, bwMinRight);
    const bl = leftPilot.constants(q, p + 1, q + 1, d, 1);
    const br = rightPilot.constants(q, p + 1, q + 1, d, 1);
    const b = Math.min(((bl.variance + br.variance) / (combine(bl.bias, br.bias) ** 2 + (br.regularisation + bl.regularisation))) ** bl.rate, bwMax);
    const hl = leftPilot.constants(p, 0, q, b, 1);
    const hr = rightPilot.constants(p, 0, q, b, 1);
    const h = Math.min(((hl.variance + hr.variance) / (combine(hl.bias, hr.bias) ** 2 + (hr.regularisation + hl.regularisation))) ** hl.rate, bwMax);
    return { h, b };
  };
  if (wants('msesum', 'cersum', 'msecomb1', 'msecomb2', 'cercomb1', 'cercomb2')) sum = common((l, r) => r + l);
  if (wants('mserd', 'cerrd', 'msecomb1', 'msecomb2', 'cercomb1', 'cercomb2')) rd = common((l, r) => r - l);

  // The CER-optimal main bandwidth shrinks the MSE-optimal one by N^(−p/((3+p)(3+2p))); the bias bandwidth stays.
  const cer = n ** (-(p / ((3 + p) * (3 + 2 * p))));
  const symmetric = (h: number, b: number, shrink = 1): RdBandwidths => ({ hLeft: h * shrink, hRight: h * shrink, bLeft: b, bRight: b });
  const need = <T>(value: T | null): T => {
    if (value === null) throw new Error(`bandwidth selector ${selector}: a stage it needs was not computed`);
    return value;
  };
  switch (selector) {
    case 'mserd':
      return symmetric(need(rd).h, need(rd).b);
    case 'cerrd':
      return symmetric(need(rd).h, need(rd).b, cer);
    case 'msesum':
      return symmetric(need(sum).h, need(sum).b);
    case 'cersum':
      return symmetric(need(sum).h, need(sum).b, cer);
    case 'msetwo':
      return need(two);
    case 'certwo': {
      const t = need(two);
      return { hLeft: t.hLeft * cer, hRight: t.hRight * cer, bLeft: t.bLeft, bRight: t.bRight };
    }
    case 'msecomb1':
    case 'cercomb1': {
      const shrink = selector === 'cercomb1' ? cer : 1;
      return symmetric(Math.min(need(rd).h, need(sum).h), Math.min(need(rd).b, need(sum).b), shrink);
    }
    case 'msecomb2':
    case 'cercomb2': {
      const shrink = selector === 'cercomb2' ? cer : 1;
      const t = need(two);
      const [r, s] = [need(rd), need(sum)];
      return {
        hLeft: median3(r.h, s.h, t.hLeft) * shrink,
        hRight: median3(r.h, s.h, t.hRight) * shrink,
        bLeft: median3(r.b, s.b, t.bLeft),
        bRight: median3(r.b, s.b, t.bRight),
      };
    }
  }
}
