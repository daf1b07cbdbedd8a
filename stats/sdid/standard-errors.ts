/**
 * Standard errors for synthetic DiD and its relatives, as R synthdid computes them:
 * - the fixed-weights jackknife (Algorithm 3 of Arkhangelsky et al.), which needs more than one treated unit;
 * - the placebo SE (Algorithm 4): controls are reassigned at random to play the treated units and the whole
 *   estimator is refitted, for designs with a single treated unit.
 */
import { sampleVariance } from '../moments.js';
import { SeededRandom } from '../random.js';
import { fitWithTuning, weightedEffect, type BlockPanel, type SdidFit } from './estimate.js';

/** The panel restricted to `rows` (indices into the original), of which the first `controlUnits` are controls. */
export function selectUnits(panel: BlockPanel, rows: readonly number[], controlUnits: number): BlockPanel {
  const { periods } = panel;
  const outcomes = new Float64Array(rows.length * periods);
  rows.forEach((row, i) => outcomes.set(panel.outcomes.subarray(row * periods, (row + 1) * periods), i * periods));
  return { outcomes, units: rows.length, periods, controlUnits, prePeriods: panel.prePeriods };
}

/** synthdid's sum_normalize: rescale to sum one, or uniform when every weight is zero. */
export function normalised(weights: Float64Array): Float64Array {
  let sum = 0;
  for (const w of weights) sum += w;
  return sum !== 0 ? weights.map((w) => w / sum) : new Float64Array(weights.length).fill(1 / weights.length);
}

/**
 * The jackknife SE with the fitted weights held fixed: each unit is left out in turn, the remaining controls'
 * weights renormalised. Null, as synthdid's NA, with one treated unit or a single control of nonzero weight.
 */
export function jackknifeStandardError(panel: BlockPanel, fit: SdidFit): number | null {
  const n0 = panel.controlUnits;
  const n = panel.units;
  const { omega, lambda } = fit.weights;
  if (n - n0 === 1) return null;
  let nonzero = 0;
  for (const w of omega) if (w !== 0) nonzero++;
  if (nonzero === 1) return null;
  const estimates = new Float64Array(n);
  const all = Array.from({ length: n }, (_, i) => i);
  for (let left = 0; left < n; left++) {
    const rows = all.filter((i) => i !== left);
    const controls = left < n0 ? n0 - 1 : n0;
    const keptOmega = Float64Array.from(rows.slice(0, controls), (i) => omega[i]);
    estimates[left] = weightedEffect(selectUnits(panel, rows, controls), { omega: normalised(keptOmega), lambda });
  }
  // synthdid: sqrt(((n − 1)/n) · (n − 1) · var(u)).
  return Math.sqrt(((n - 1) / n) * (n - 1) * sampleVariance(estimates));
}

export class PlaceboDesignError extends Error {
  constructor(readonly controlUnits: number, readonly treatedUnits: number) {
    super(`the placebo SE needs more control units than treated ones (controls ${controlUnits}, treated ${treatedUnits}); use the jackknife SE instead`);
    this.name = 'PlaceboDesignError';
  }
}

export interface PlaceboOptions {
  readonly draws: number;
  readonly seed: number;
}

/** A uniformly random permutation of 0…n−1 (Fisher–Yates). */
export function permutation(n: number, random: SeededRandom): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * The placebo SE: `draws` times, the controls are shuffled, the last N1 of them play the treated units, and the
 * estimator is refitted with its original tuning, starting from the fitted weights. sqrt((B−1)/B)·sd.
 */
export function placeboStandardError(panel: BlockPanel, fit: SdidFit, options: PlaceboOptions): number {
  const n0 = panel.controlUnits;
  const n1 = panel.units - n0;
  if (n0 <= n1) throw new PlaceboDesignError(n0, n1);
  const random = new SeededRandom(options.seed);
  const estimates = new Float64Array(options.draws);
  const pseudoControls = n0 - n1;
  for (let draw = 0; draw < options.draws; draw++) {
    const rows = permutation(n0, random);
    const omega = normalised(Float64Array.from(rows.slice(0, pseudoControls), (i) => fit.weights.omega[i]));
    estimates[draw] = fitWithTuning(selectUnits(panel, rows, pseudoControls), fit.tuning, { omega, lambda: fit.weights.lambda }).estimate;
  }
  return Math.sqrt(((options.draws - 1) / options.draws) * sampleVariance(estimates));
}
