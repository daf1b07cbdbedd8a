/**
 * The conditional-least-favourable (C-LF) hybrid test of Andrews, Roth and Pakes for moment inequalities
 * E[y(θ) − Xδ] ≤ 0 with nuisance δ, as HonestDiD 0.2.6 runs it (.lp_conditional_test_fn with
 * hybrid_flag "LF", and .testInIdentifiedSet_LF_Hybrid when there is no nuisance parameter).
 *
 * First stage: reject when η = min_δ max_i (y_i − X_iδ)/σ_i exceeds the least-favourable critical value,
 * the 1 − κ quantile of η under y ~ N(0, Σ) (1,000 draws after set.seed(0), as HonestDiD). Second stage:
 * condition on the optimal dual vertex and compare η with the truncated-normal critical value at size
 * (α − κ)/(1 − κ), the truncation's upper end capped by the first stage's critical value.
 */
import { invertSquare, matrix, multiply, numericalRank, transpose, type Matrix } from '../small-matrix.js';
import { InfeasiblePolytopeError, PolytopeSimplex, UnboundedObjectiveError } from './polytope-simplex.js';
import { multivariateNormalDraws, quantileType7, sortedQuantileType7 } from './r-random.js';
import { truncatedNormalQuantile } from './normal-quantiles.js';

export interface HybridSettings {
  readonly alpha: number;
  /** Size of the first stage; HonestDiD's default is α/10. */
  readonly kappa: number;
  readonly leastFavourableDraws: number;
  readonly seed: number;
}

export const HONESTDID_HYBRID: HybridSettings = { alpha: 0.05, kappa: 0.005, leastFavourableDraws: 1000, seed: 0 };

/** An interval of θ; an end is ±Infinity when it is unbounded on that side. */
export interface ThetaRange {
  readonly lower: number;
  readonly upper: number;
}

export interface ThetaTest {
  /** True when θ is rejected, i.e. lies outside the confidence set. */
  rejects(theta: number): boolean;
  /** The first stage's statistic at θ, convex in θ: θ is rejected outright where it exceeds `leastFavourableCriticalValue`. */
  firstStageStatistic(theta: number): number;
  /** NaN when there is no first stage (nothing is rejected outright). */
  readonly leastFavourableCriticalValue: number;
  /**
   * The least-favourable confidence interval at size κ, {θ : first-stage statistic ≤ its critical value},
   * exactly (ARP §5.4.4, by linear programming): every θ the test accepts lies in it, so testing inside it
   * finds the whole set. Null when it is empty (the test rejects every θ outright).
   */
  leastFavourableRange(): ThetaRange | null;
}

const WHOLE_LINE: ThetaRange = { lower: -Infinity, upper: Infinity };

/** Moments y(θ) = intercept − slope·θ with nuisance columns X (rows × k, k ≥ 1) and covariance Σ of y. */
export interface NuisanceMoments {
  readonly intercept: Float64Array;
  readonly slope: Float64Array;
  readonly nuisance: Matrix;
  readonly covariance: Matrix;
}

const BINDING_DUAL = 1e-6;
const DUAL_SOLUTION_TOLERANCE = 1e-6;
const BISECTION_TOLERANCE = 1e-6;
const ROUND_TO_ZERO = Number.EPSILON ** 0.75;

export class NuisanceHybridTest implements ThetaTest {
  private readonly rows: number;
  private readonly k: number;
  private readonly sd: Float64Array;
  /** P = {γ ≥ 0 : σᵀγ = 1, Xᵀγ = 0}, the dual feasible set of the η programme. */
  private readonly polytope: PolytopeSimplex | null;
  readonly leastFavourableCriticalValue: number;
  private readonly secondStageSize: number;

  constructor(
    private readonly moments: NuisanceMoments,
    private readonly settings: HybridSettings = HONESTDID_HYBRID,
  ) {
    this.rows = moments.intercept.length;
    this.k = moments.nuisance.cols;
    this.sd = Float64Array.from({ length: this.rows }, (_, i) => Math.sqrt(moments.covariance.values[i * this.rows + i]));
    const equalities = matrix(this.k + 1, this.rows);
    for (let i = 0; i < this.rows; i++) {
      equalities.values[i] = this.sd[i];
      for (let c = 0; c < this.k; c++) equalities.values[(c + 1) * this.rows + i] = moments.nuisance.values[i * this.k + c];
    }
    const rhs = new Float64Array(this.k + 1);
    rhs[0] = 1;
    let polytope: PolytopeSimplex | null = null;
    try {
      polytope = new PolytopeSimplex(equalities, rhs);
    } catch (error) {
      // An empty dual set means η is unbounded below: HonestDiD's solver then reports failure and never rejects.
      if (!(error instanceof InfeasiblePolytopeError)) throw error;
    }
    this.polytope = polytope;
    this.secondStageSize = (settings.alpha - settings.kappa) / (1 - settings.kappa);
    this.leastFavourableCriticalValue = this.leastFavourable();
  }

  /**
   * The 1 − κ quantile of η over the seeded draws. Only the largest few η enter it (6 of 1,000), and
   * η(ξ) ≤ max_i ξ_i/σ_i (the programme's value at δ = 0), so draws are solved in decreasing order of that
   * bound until the bound falls below the smallest η kept: the same quantile from about a third of the
   * programmes.
   */
  private leastFavourable(): number {
    const polytope = this.polytope;
    if (!polytope) return Number.NaN;
    const { leastFavourableDraws: draws, seed, kappa } = this.settings;
    const n = this.rows;
    const xi = multivariateNormalDraws(this.moments.covariance.values, n, draws, seed);
    const bound = new Float64Array(draws);
    for (let d = 0; d < draws; d++) {
      let largest = -Infinity;
      for (let i = 0; i < n; i++) largest = Math.max(largest, xi[d * n + i] / this.sd[i]);
      bound[d] = largest;
    }
    const index = 1 + (draws - 1) * (1 - kappa);
    const kept = draws - Math.floor(index) + 1;
    const etaOf = (d: number) => polytope.maximise(xi.subarray(d * n, (d + 1) * n));
    // The draws with the largest bounds give a first threshold; only draws bounded above it can matter.
    const leaders: number[] = [];
    for (let d = 0; d < draws; d++) {
      if (leaders.length < kept) leaders.push(d);
      else if (bound[d] > bound[leaders[0]]) leaders[0] = d;
      else continue;
      leaders.sort((a, b) => bound[a] - bound[b]);
    }
    const top = leaders.map(etaOf).sort((a, b) => a - b);
    const candidates: number[] = [];
    for (let d = 0; d < draws; d++) if (bound[d] >= top[0] && !leaders.includes(d)) candidates.push(d);
    candidates.sort((a, b) => bound[b] - bound[a]);
    for (const d of candidates) {
      if (bound[d] < top[0] - 1e-12 * Math.abs(top[0])) break;
      const eta = etaOf(d);
      if (eta <= top[0]) continue;
      top[0] = eta;
      top.sort((a, b) => a - b);
    }
    return sortedQuantileType7(draws, 1 - kappa, (k) => top[k - (draws - kept)]);
  }

  /**
   * The first stage accepts θ when some δ has intercept − slope·θ − Xδ ≤ c·σ. Its ends are linear
   * programmes in (θ, δ); by duality, lowest θ = max γᵀ(intercept − c·σ) over {γ ≥ 0 : slopeᵀγ = 1, Xᵀγ = 0}
   * and highest θ = −max γᵀ(intercept − c·σ) over {γ ≥ 0 : slopeᵀγ = −1, Xᵀγ = 0}. An empty dual polytope
   * leaves that end unbounded; an unbounded dual objective means no θ is accepted.
   */
  leastFavourableRange(): ThetaRange | null {
    if (!this.polytope) return WHOLE_LINE;
    const critical = this.leastFavourableCriticalValue;
    const objective = Float64Array.from(this.moments.intercept, (value, i) => value - critical * this.sd[i]);
    const end = (sign: 1 | -1): number | 'unbounded' | 'empty' => {
      const equalities = matrix(this.k + 1, this.rows);
      for (let i = 0; i < this.rows; i++) {
        equalities.values[i] = sign * this.moments.slope[i];
        for (let c = 0; c < this.k; c++) equalities.values[(c + 1) * this.rows + i] = this.moments.nuisance.values[i * this.k + c];
      }
      const rhs = new Float64Array(this.k + 1);
      rhs[0] = 1;
      try {
        return new PolytopeSimplex(equalities, rhs).maximise(objective);
      } catch (error) {
        if (error instanceof InfeasiblePolytopeError) return 'unbounded';
        if (error instanceof UnboundedObjectiveError) return 'empty';
        throw error;
      }
    };
    const lowest = end(1);
    const highest = end(-1);
    if (lowest === 'empty' || highest === 'empty') return null;
    if (lowest === 'unbounded' && highest === 'unbounded')
      // θ moves no moment the nuisance cannot offset: the statistic is the same at every θ.
      return this.firstStageStatistic(0) <= critical ? WHOLE_LINE : null;
    const range = { lower: lowest === 'unbounded' ? -Infinity : lowest, upper: highest === 'unbounded' ? Infinity : -highest };
    return range.lower <= range.upper ? range : null;
  }

  private momentsAt(theta: number): Float64Array {
    const y = new Float64Array(this.rows);
    for (let i = 0; i < this.rows; i++) y[i] = this.moments.intercept[i] - this.moments.slope[i] * theta;
    return y;
  }

  firstStageStatistic(theta: number): number {
    return this.polytope ? this.polytope.maximise(this.momentsAt(theta)) : -Infinity;
  }

  rejects(theta: number): boolean {
    if (!this.polytope) return false;
    const y = this.momentsAt(theta);
    const dual = new Float64Array(this.rows);
    const eta = this.polytope.maximise(y, dual);
    const cap = this.leastFavourableCriticalValue;
    if (eta > cap) return true;

    const binding: number[] = [];
    const slack: number[] = [];
    for (let i = 0; i < this.rows; i++) (dual[i] > BINDING_DUAL ? binding : slack).push(i);
    const bindingNuisance = matrix(binding.length, this.k);
    binding.forEach((row, r) => {
      for (let c = 0; c < this.k; c++) bindingNuisance.values[r * this.k + c] = this.moments.nuisance.values[row * this.k + c];
    });
    const fullRank = Math.min(binding.length, this.k) > 0 && numericalRank(bindingNuisance) === Math.min(binding.length, this.k);
    const degenerate = binding.length !== this.k + 1;
    const bounds = !fullRank || degenerate ? this.dualBounds(y, eta, dual) : this.primalBounds(y, eta, dual, binding, slack);
    if (bounds === 'reject-if-positive') return eta > 0;
    const { lower, upper, sigmaB } = bounds;
    const statistic = eta / sigmaB;
    const zLower = lower / sigmaB;
    const zUpper = Math.min(upper, cap) / sigmaB;
    if (!(zLower <= statistic && statistic <= zUpper)) return false;
    const critical = Math.max(0, truncatedNormalQuantile(1 - this.secondStageSize, zLower, zUpper));
    return statistic > critical;
  }

  /** The binding rows form a basis: the truncation bounds in closed form (ARP's primal approach). */
  private primalBounds(y: Float64Array, eta: number, dual: Float64Array, binding: number[], slack: number[]): Bounds | 'reject-if-positive' {
    const size = this.k + 1;
    const basisMatrix = matrix(size, size);
    binding.forEach((row, r) => {
      basisMatrix.values[r * size] = this.sd[row];
      for (let c = 0; c < this.k; c++) basisMatrix.values[r * size + c + 1] = this.moments.nuisance.values[row * this.k + c];
    });
    const inverse = invertSquare(basisMatrix, 0);
    if (!inverse) return this.dualBounds(y, eta, dual);
    const sigma = this.moments.covariance.values;
    const n = this.rows;
    // v_B = e₁ᵀ[σ_B X_B]⁻¹ S_B, spread back to all rows.
    const vB = new Float64Array(n);
    binding.forEach((row, r) => (vB[row] = inverse.values[r]));
    const sigmaVB = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (const j of binding) sum += sigma[i * n + j] * vB[j];
      sigmaVB[i] = sum;
    }
    let variance = 0;
    let vBy = 0;
    for (const j of binding) {
      variance += vB[j] * sigmaVB[j];
      vBy += vB[j] * y[j];
    }
    let lower = -Infinity;
    let upper = Infinity;
    for (const row of slack) {
      // Γ_B row: ([σ_row X_row][σ_B X_B]⁻¹) on the binding rows, −1 on this row.
      const coefficients = new Float64Array(size);
      for (let r = 0; r < size; r++) {
        let sum = this.sd[row] * inverse.values[r];
        for (let c = 0; c < this.k; c++) sum += this.moments.nuisance.values[row * this.k + c] * inverse.values[(c + 1) * size + r];
        coefficients[r] = sum;
      }
      let gammaY = -y[row];
      let gammaSigmaV = -sigmaVB[row];
      binding.forEach((b, r) => {
        gammaY += coefficients[r] * y[b];
        gammaSigmaV += coefficients[r] * sigmaVB[b];
      });
      const rho = gammaSigmaV / variance;
      const bound = -gammaY / rho + vBy;
      if (rho > 0) lower = Math.max(lower, bound);
      else if (rho < 0) upper = Math.min(upper, bound);
    }
    return { lower, upper, sigmaB: Math.sqrt(variance) };
  }

  /** Degenerate vertex: bounds by bisection on the dual programme (ARP's Algorithm 1, with HonestDiD's shortcut). */
  private dualBounds(y: Float64Array, eta: number, dual: Float64Array): Bounds | 'reject-if-positive' {
    const polytope = this.polytope!;
    const n = this.rows;
    const sigma = this.moments.covariance.values;
    const sigmaGamma = new Float64Array(n);
    let variance = 0;
    let gammaY = 0;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += sigma[i * n + j] * dual[j];
      sigmaGamma[i] = sum;
    }
    for (let i = 0; i < n; i++) {
      variance += dual[i] * sigmaGamma[i];
      gammaY += dual[i] * y[i];
    }
    if (Math.abs(variance) < Number.EPSILON) return 'reject-if-positive';
    const sigmaB = Math.sqrt(variance);
    const s = Float64Array.from(y, (value, i) => value - (sigmaGamma[i] * gammaY) / variance);
    const b = Float64Array.from(sigmaGamma, (value) => value / variance);
    const objective = new Float64Array(n);
    const check = (c: number) => {
      for (let i = 0; i < n; i++) objective[i] = s[i] + b[i] * c;
      const solution = new Float64Array(n);
      const value = polytope.maximise(objective, solution);
      return { solves: Math.abs(c - value) <= DUAL_SOLUTION_TOLERANCE, solution };
    };
    if (!check(eta).solves) return { lower: eta, upper: Infinity, sigmaB };
    const shortcut = (solution: Float64Array) => {
      let numerator = 0;
      let denominator = 1;
      for (let i = 0; i < n; i++) {
        numerator += solution[i] * s[i];
        denominator -= solution[i] * b[i];
      }
      return (Math.abs(numerator) < ROUND_TO_ZERO ? 0 : numerator) / denominator;
    };
    const boundFrom = (start: number, inside: number): number => {
      let probe = check(start);
      if (probe.solves) return start > inside ? Infinity : -Infinity;
      let gap = 0;
      let iterations = 1;
      let middle = shortcut(probe.solution);
      while (!(probe = check(middle)).solves) {
        iterations++;
        if (iterations >= 10 || !Number.isFinite(middle)) {
          gap = BISECTION_TOLERANCE + 1;
          if (!Number.isFinite(middle)) middle = start;
          break;
        }
        middle = shortcut(probe.solution);
      }
      // `inside` solves and `outside` does not, throughout.
      let insideEnd = inside;
      let outsideEnd = middle;
      while (gap > BISECTION_TOLERANCE && iterations < 10_000) {
        iterations++;
        middle = (insideEnd + outsideEnd) / 2;
        if (check(middle).solves) insideEnd = middle;
        else outsideEnd = middle;
        gap = Math.abs(outsideEnd - insideEnd);
      }
      return middle;
    };
    const upper = boundFrom(Math.max(100, eta + 20 * sigmaB), eta);
    const lower = boundFrom(Math.min(-100, eta - 20 * sigmaB), eta);
    return { lower, upper, sigmaB };
  }
}

interface Bounds {
  readonly lower: number;
  readonly upper: number;
  readonly sigmaB: number;
}

/**
 * One post-period, no nuisance: moments A·(β − e·θ) ≤ 0 on the event-study coefficients directly, as
 * HonestDiD's .testInIdentifiedSet_LF_Hybrid. Its second stage does not cap the truncation at the
 * least-favourable value; that is HonestDiD's behaviour and kept here.
 */
export class NoNuisanceHybridTest implements ThetaTest {
  private readonly rows: number;
  private readonly sdMoments: Float64Array;
  readonly leastFavourableCriticalValue: number;
  private readonly secondStageSize: number;

  constructor(
    private readonly constraints: Matrix,
    private readonly betahat: Float64Array,
    private readonly sigma: Matrix,
    /** Index of the coefficient that θ shifts (the single post-period). */
    private readonly targetIndex: number,
    settings: HybridSettings = HONESTDID_HYBRID,
  ) {
    this.rows = constraints.rows;
    const momentCovariance = multiply(multiply(constraints, sigma), transpose(constraints));
    this.sdMoments = Float64Array.from({ length: this.rows }, (_, i) => Math.sqrt(momentCovariance.values[i * this.rows + i]));
    const draws = multivariateNormalDraws(momentCovariance.values, this.rows, settings.leastFavourableDraws, settings.seed);
    const maxima = new Float64Array(settings.leastFavourableDraws);
    for (let d = 0; d < maxima.length; d++) {
      let max = -Infinity;
      for (let i = 0; i < this.rows; i++) max = Math.max(max, draws[d * this.rows + i] / this.sdMoments[i]);
      maxima[d] = max;
    }
    this.leastFavourableCriticalValue = quantileType7(maxima, 1 - settings.kappa);
    this.secondStageSize = (settings.alpha - settings.kappa) / (1 - settings.kappa);
  }

  private normalisedMaximum(theta: number): { y: Float64Array; maxMoment: number; maxLocation: number } {
    const dims = this.constraints.cols;
    const a = this.constraints.values;
    const y = Float64Array.from(this.betahat);
    y[this.targetIndex] -= theta;
    let maxLocation = 0;
    let maxMoment = -Infinity;
    for (let i = 0; i < this.rows; i++) {
      let moment = 0;
      for (let j = 0; j < dims; j++) moment += a[i * dims + j] * y[j];
      moment /= this.sdMoments[i];
      if (moment > maxMoment) [maxMoment, maxLocation] = [moment, i];
    }
    return { y, maxMoment, maxLocation };
  }

  firstStageStatistic(theta: number): number {
    return this.normalisedMaximum(theta).maxMoment;
  }

  /** Each moment is linear in θ: (A_iβ − A_i,target·θ)/sd_i ≤ c bounds θ on one side, or holds or fails for all θ. */
  leastFavourableRange(): ThetaRange | null {
    const dims = this.constraints.cols;
    const a = this.constraints.values;
    const critical = this.leastFavourableCriticalValue;
    let lower = -Infinity;
    let upper = Infinity;
    for (let i = 0; i < this.rows; i++) {
      let atZero = 0;
      for (let j = 0; j < dims; j++) atZero += a[i * dims + j] * this.betahat[j];
      const slack = critical * this.sdMoments[i] - atZero;
      const coefficient = -a[i * dims + this.targetIndex];
      // coefficient·θ ≤ slack
      if (coefficient > 0) upper = Math.min(upper, slack / coefficient);
      else if (coefficient < 0) lower = Math.max(lower, slack / coefficient);
      else if (slack < 0) return null;
    }
    return lower <= upper ? { lower, upper } : null;
  }

  rejects(theta: number): boolean {
    const dims = this.constraints.cols;
    const a = this.constraints.values;
    const { y, maxMoment, maxLocation } = this.normalisedMaximum(theta);
    if (maxMoment > this.leastFavourableCriticalValue) return true;
    // γ = the normalised maximising row; Ā = Ã − 1·γᵀ; condition on z = (I − cγᵀ)y with c = Σγ/γᵀΣγ.
    const gamma = Float64Array.from({ length: dims }, (_, j) => a[maxLocation * dims + j] / this.sdMoments[maxLocation]);
    const sigma = this.sigma.values;
    const sigmaGamma = Float64Array.from({ length: dims }, (_, i) => {
      let sum = 0;
      for (let j = 0; j < dims; j++) sum += sigma[i * dims + j] * gamma[j];
      return sum;
    });
    let variance = 0;
    let gammaY = 0;
    for (let j = 0; j < dims; j++) {
      variance += gamma[j] * sigmaGamma[j];
      gammaY += gamma[j] * y[j];
    }
    const c = Float64Array.from(sigmaGamma, (value) => value / variance);
    const z = Float64Array.from(y, (value, j) => value - c[j] * gammaY);
    let lower = -Infinity;
    let upper = Infinity;
    for (let i = 0; i < this.rows; i++) {
      let barAz = 0;
      let barAc = 0;
      for (let j = 0; j < dims; j++) {
        const barA = a[i * dims + j] / this.sdMoments[i] - gamma[j];
        barAz += barA * z[j];
        barAc += barA * c[j];
      }
      const bound = -barAz / barAc;
      if (barAc < 0) lower = Math.max(lower, bound);
      else if (barAc > 0) upper = Math.min(upper, bound);
    }
    const sd = Math.sqrt(variance);
    const critical = Math.max(0, sd * truncatedNormalQuantile(1 - this.secondStageSize, lower / sd, upper / sd));
    return maxMoment > critical;
  }
}
