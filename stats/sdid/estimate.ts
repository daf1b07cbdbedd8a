/**
 * Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021) on a block
 * design: N0 control units never treated, N1 treated units treated from period T0 + 1 on. The synthetic
 * control and plain DiD estimators are the same formula with other weights, as in R synthdid 0.0.9:
 *
 *   τ = (−ω, 1/N1 …)ᵀ · Y · (−λ, 1/T1 …)
 *
 * with unit weights ω over the controls and time weights λ over the pre-periods.
 */
import { solveSimplexWeights, sparsify, type WeightProblem } from './frank-wolfe.js';

/** Outcomes as a row-major units × periods matrix: controls in rows 0…N0−1, pre-periods in columns 0…T0−1. */
export interface BlockPanel {
  readonly outcomes: Float64Array;
  readonly units: number;
  readonly periods: number;
  readonly controlUnits: number;
  readonly prePeriods: number;
}

export type SdidEstimator = 'synthdid' | 'sc' | 'did';

/** The tuning synthdid fixes when it first estimates, and reuses when it re-estimates for a placebo SE. */
export interface SdidTuning {
  readonly zetaOmega: number;
  readonly zetaLambda: number;
  readonly omegaIntercept: boolean;
  readonly lambdaIntercept: boolean;
  readonly updateOmega: boolean;
  readonly updateLambda: boolean;
  readonly minDecrease: number;
  readonly maxIterations: number;
}

export interface SdidWeights {
  /** Unit weights over the controls. */
  readonly omega: Float64Array;
  /** Time weights over the pre-periods. */
  readonly lambda: Float64Array;
}

export interface SdidFit {
  readonly estimate: number;
  readonly weights: SdidWeights;
  readonly tuning: SdidTuning;
}

/** synthdid's defaults: they stop after 10⁴ Frank–Wolfe steps, and after 100 before sparsifying. */
const MAX_ITERATIONS = 10_000;
const MAX_ITERATIONS_BEFORE_SPARSIFYING = 100;

export class SdidDesignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SdidDesignError';
  }
}

function assertEstimable(panel: BlockPanel): void {
  const { units, periods, controlUnits, prePeriods } = panel;
  if (!(controlUnits >= 1 && controlUnits < units)) throw new SdidDesignError(`needs at least one control and one treated unit (controls ${controlUnits} of ${units} units)`);
  if (!(prePeriods >= 2 && prePeriods < periods)) throw new SdidDesignError(`needs at least two pre-treatment periods and one treated period (pre-periods ${prePeriods} of ${periods})`);
}

/** The standard deviation of the controls' first differences over the pre-periods: synthdid's noise level σ̂. */
export function noiseLevel(panel: BlockPanel): number {
  const { outcomes, periods, controlUnits, prePeriods } = panel;
  let count = 0;
  let sum = 0;
  for (let i = 0; i < controlUnits; i++)
    for (let t = 1; t < prePeriods; t++) {
      sum += outcomes[i * periods + t] - outcomes[i * periods + t - 1];
      count++;
    }
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < controlUnits; i++)
    for (let t = 1; t < prePeriods; t++) squares += (outcomes[i * periods + t] - outcomes[i * periods + t - 1] - mean) ** 2;
  return Math.sqrt(squares / (count - 1));
}

/**
 * The (N0 + 1) × (T0 + 1) collapsed form: controls' pre-period outcomes with their post-period mean as a last
 * column, and a last row of the treated units' pre-period means and their overall post-period mean.
 */
function collapsedForm(panel: BlockPanel): Float64Array {
  const { outcomes, units, periods, controlUnits: n0, prePeriods: t0 } = panel;
  const n1 = units - n0;
  const t1 = periods - t0;
  const width = t0 + 1;
  const collapsed = new Float64Array((n0 + 1) * width);
  for (let i = 0; i < n0; i++) {
    let post = 0;
    for (let t = 0; t < periods; t++) {
      if (t < t0) collapsed[i * width + t] = outcomes[i * periods + t];
      else post += outcomes[i * periods + t];
    }
    collapsed[i * width + t0] = post / t1;
  }
  let treatedPost = 0;
  for (let i = n0; i < units; i++)
    for (let t = 0; t < periods; t++) {
      if (t < t0) collapsed[n0 * width + t] += outcomes[i * periods + t] / n1;
      else treatedPost += outcomes[i * periods + t];
    }
  collapsed[n0 * width + t0] = treatedPost / (n1 * t1);
  return collapsed;
}

/** Time weights regress the controls' post-period mean on their pre-period outcomes. */
function timeWeightProblem(collapsed: Float64Array, n0: number, t0: number): WeightProblem {
  return { values: collapsed.subarray(0, n0 * (t0 + 1)), rows: n0, cols: t0 + 1 };
}

/** Unit weights regress the treated units' pre-period path on the controls' (periods as rows). */
function unitWeightProblem(collapsed: Float64Array, n0: number, t0: number): WeightProblem {
  const width = t0 + 1;
  const values = new Float64Array(t0 * (n0 + 1));
  for (let t = 0; t < t0; t++) for (let i = 0; i <= n0; i++) values[t * (n0 + 1) + i] = collapsed[i * width + t];
  return { values, rows: t0, cols: n0 + 1 };
}

function solveSparse(problem: WeightProblem, zeta: number, intercept: boolean, start: Float64Array | undefined, tuning: SdidTuning): Float64Array {
  const common = { zeta, intercept, minDecrease: tuning.minDecrease };
  const first = solveSimplexWeights(problem, { ...common, maxIterations: MAX_ITERATIONS_BEFORE_SPARSIFYING, ...(start ? { start } : {}) });
  return solveSimplexWeights(problem, { ...common, maxIterations: tuning.maxIterations, start: sparsify(first.weights) }).weights;
}

/** τ = (−ω, 1/N1)ᵀ Y (−λ, 1/T1). */
export function weightedEffect(panel: BlockPanel, weights: SdidWeights): number {
  const { outcomes, units, periods, controlUnits: n0, prePeriods: t0 } = panel;
  const n1 = units - n0;
  const t1 = periods - t0;
  let total = 0;
  for (let i = 0; i < units; i++) {
    const unitWeight = i < n0 ? -weights.omega[i] : 1 / n1;
    if (unitWeight === 0) continue;
    let row = 0;
    for (let t = 0; t < periods; t++) row += outcomes[i * periods + t] * (t < t0 ? -weights.lambda[t] : 1 / t1);
    total += unitWeight * row;
  }
  return total;
}

/**
 * Fits the weights synthdid would (those not updated are taken as given) and returns the estimate. `start`
 * holds the given or initial weights; a weight vector left out starts uniform.
 */
export function fitWithTuning(panel: BlockPanel, tuning: SdidTuning, start: Partial<SdidWeights>): SdidFit {
  assertEstimable(panel);
  const { controlUnits: n0, prePeriods: t0 } = panel;
  let lambda = start.lambda;
  let omega = start.omega;
  if (tuning.updateLambda || tuning.updateOmega) {
    const collapsed = collapsedForm(panel);
    if (tuning.updateLambda) lambda = solveSparse(timeWeightProblem(collapsed, n0, t0), tuning.zetaLambda, tuning.lambdaIntercept, lambda, tuning);
    if (tuning.updateOmega) omega = solveSparse(unitWeightProblem(collapsed, n0, t0), tuning.zetaOmega, tuning.omegaIntercept, omega, tuning);
  }
  if (!lambda || !omega) throw new SdidDesignError('weights that are not estimated must be given');
  const weights = { omega, lambda };
  return { estimate: weightedEffect(panel, weights), weights, tuning };
}

/** synthdid_estimate, sc_estimate or did_estimate with synthdid's default tuning. */
export function fitEstimator(panel: BlockPanel, estimator: SdidEstimator): SdidFit {
  assertEstimable(panel);
  const { units, periods, controlUnits: n0, prePeriods: t0 } = panel;
  const noise = noiseLevel(panel);
  const base = { zetaLambda: 1e-6 * noise, lambdaIntercept: true, minDecrease: 1e-5 * noise, maxIterations: MAX_ITERATIONS };
  // synthdid's default unit-weight penalty, ζ_ω = (N1·T1)^(1/4)·σ̂ (kept in did's tuning too, where ω is fixed).
  const zetaOmega = ((units - n0) * (periods - t0)) ** 0.25 * noise;
  switch (estimator) {
    case 'synthdid':
      return fitWithTuning(panel, { ...base, zetaOmega, omegaIntercept: true, updateOmega: true, updateLambda: true }, {});
    case 'sc':
      // Synthetic control: no time weights (λ = 0), no intercept, 'infinitesimal' ridge.
      return fitWithTuning(panel, { ...base, zetaOmega: 1e-6 * noise, omegaIntercept: false, updateOmega: true, updateLambda: false }, { lambda: new Float64Array(t0) });
    case 'did':
      return fitWithTuning(
        panel,
        { ...base, zetaOmega, omegaIntercept: true, updateOmega: false, updateLambda: false },
        { omega: new Float64Array(n0).fill(1 / n0), lambda: new Float64Array(t0).fill(1 / t0) },
      );
  }
}
