/**
 * Synthetic DiD when units were awarded in several rounds: each award cohort is its own block design (its
 * units against the never-treated donors, over all periods, treated from the cohort's first period), and the
 * cohort estimates are averaged with weights N_g·T_g (treated units × treated periods), so every treated
 * unit-period counts once (the staggered-adoption extension of Arkhangelsky et al. 2021, §A, as Stata sdid).
 * The standard error treats the whole procedure at once: the fixed-weights jackknife over every unit when
 * each cohort has two treated units or more, otherwise the placebo over the donors.
 */
import { sampleVariance } from '../moments.js';
import { SeededRandom } from '../random.js';
import { fitEstimator, fitWithTuning, weightedEffect, type BlockPanel, type SdidEstimator, type SdidFit } from './estimate.js';
import { normalised, permutation, selectUnits, type PlaceboOptions } from './standard-errors.js';

export interface CohortRows {
  /** The cohort's first treated period (its label, e.g. the award fiscal year). */
  readonly label: number;
  /** Index of that period among the panel's periods. */
  readonly firstTreatedPeriod: number;
  /** Treated units × periods, row-major. */
  readonly outcomes: Float64Array;
  readonly units: number;
}

export interface CohortPanels {
  /** Never-treated donors × periods, row-major. */
  readonly donors: Float64Array;
  readonly donorCount: number;
  readonly periods: number;
  readonly cohorts: readonly CohortRows[];
}

export interface CohortFit {
  readonly label: number;
  readonly fit: SdidFit;
  /** N_g·T_g over the cohorts' total. */
  readonly share: number;
  readonly treatedMean: Float64Array;
  /** ω-weighted donors, by period. */
  readonly syntheticMean: Float64Array;
  /** The synthetic path moved by the λ-weighted pre-period gap, so that the effect is the mean post-period gap. */
  readonly syntheticShifted: Float64Array;
}

export interface CohortEstimate {
  readonly estimator: SdidEstimator;
  readonly estimate: number;
  readonly se: number | null;
  readonly seMethod: 'jackknife' | 'placebo' | null;
  readonly cohorts: readonly CohortFit[];
}

export class CohortDesignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CohortDesignError';
  }
}

/** One cohort's block design: the donors (the first `donorCount` rows of `donorRows`) above the cohort's units. */
export function cohortPanel(input: CohortPanels, cohort: CohortRows, donorRows?: Float64Array, donorCount?: number): BlockPanel {
  const donors = donorRows ?? input.donors;
  const n0 = donorCount ?? input.donorCount;
  const outcomes = new Float64Array((n0 + cohort.units) * input.periods);
  outcomes.set(donors.subarray(0, n0 * input.periods));
  outcomes.set(cohort.outcomes, n0 * input.periods);
  return { outcomes, units: n0 + cohort.units, periods: input.periods, controlUnits: n0, prePeriods: cohort.firstTreatedPeriod };
}

function cohortShares(cohorts: readonly { units: number; firstTreatedPeriod: number }[], periods: number): number[] {
  const sizes = cohorts.map((cohort) => cohort.units * (periods - cohort.firstTreatedPeriod));
  const total = sizes.reduce((a, b) => a + b, 0);
  return sizes.map((size) => size / total);
}

function trajectories(panel: BlockPanel, fit: SdidFit) {
  const { outcomes, units, periods, controlUnits: n0, prePeriods: t0 } = panel;
  const treatedMean = new Float64Array(periods);
  const syntheticMean = new Float64Array(periods);
  for (let t = 0; t < periods; t++) {
    for (let i = n0; i < units; i++) treatedMean[t] += outcomes[i * periods + t] / (units - n0);
    for (let i = 0; i < n0; i++) syntheticMean[t] += fit.weights.omega[i] * outcomes[i * periods + t];
  }
  let shift = 0;
  for (let t = 0; t < t0; t++) shift += fit.weights.lambda[t] * (treatedMean[t] - syntheticMean[t]);
  return { treatedMean, syntheticMean, syntheticShifted: syntheticMean.map((value) => value + shift) };
}

/** The estimator on every cohort, averaged; with the jackknife SE when each cohort has two treated units, else the placebo SE. */
export function estimateCohorts(input: CohortPanels, estimator: SdidEstimator, placebo: PlaceboOptions): CohortEstimate {
  if (input.cohorts.length === 0) throw new CohortDesignError('no treated cohort to estimate');
  const shares = cohortShares(input.cohorts, input.periods);
  const panels = input.cohorts.map((cohort) => cohortPanel(input, cohort));
  const fits = panels.map((panel) => fitEstimator(panel, estimator));
  const estimate = fits.reduce((sum, fit, g) => sum + shares[g] * fit.estimate, 0);
  const cohorts = input.cohorts.map((cohort, g) => ({ label: cohort.label, fit: fits[g], share: shares[g], ...trajectories(panels[g], fits[g]) }));
  const jackknife = input.cohorts.every((cohort) => cohort.units >= 2) ? jackknifeOverCohorts(input, panels, fits) : null;
  if (jackknife !== null) return { estimator, estimate, se: jackknife, seMethod: 'jackknife', cohorts };
  const treated = input.cohorts.reduce((sum, cohort) => sum + cohort.units, 0);
  if (input.donorCount <= treated) return { estimator, estimate, se: null, seMethod: null, cohorts };
  return { estimator, estimate, se: placeboOverCohorts(input, fits, placebo), seMethod: 'placebo', cohorts };
}

/**
 * Leave each unit out in turn, weights held fixed (the remaining donors' ω renormalised), and recombine: a
 * left-out donor changes every cohort's estimate, a left-out treated unit only its cohort's (and its share).
 * Null, as synthdid's NA, when some cohort's synthetic comparison rests on a single donor.
 */
function jackknifeOverCohorts(input: CohortPanels, panels: readonly BlockPanel[], fits: readonly SdidFit[]): number | null {
  const n0 = input.donorCount;
  for (const fit of fits) if (fit.weights.omega.filter((w) => w !== 0).length === 1) return null;
  const estimates: number[] = [];
  const base = fits.map((fit) => fit.estimate);
  const shares = cohortShares(input.cohorts, input.periods);
  for (let donor = 0; donor < n0; donor++) {
    let total = 0;
    panels.forEach((panel, g) => {
      const rows = Array.from({ length: panel.units }, (_, i) => i).filter((i) => i !== donor);
      const omega = normalised(Float64Array.from(rows.slice(0, n0 - 1), (i) => fits[g].weights.omega[i]));
      total += shares[g] * weightedEffect(selectUnits(panel, rows, n0 - 1), { omega, lambda: fits[g].weights.lambda });
    });
    estimates.push(total);
  }
  input.cohorts.forEach((cohort, g) => {
    const sizes = input.cohorts.map((c, h) => ({ units: h === g ? c.units - 1 : c.units, firstTreatedPeriod: c.firstTreatedPeriod }));
    const leftShares = cohortShares(sizes, input.periods);
    for (let unit = 0; unit < cohort.units; unit++) {
      const rows = Array.from({ length: panels[g].units }, (_, i) => i).filter((i) => i !== n0 + unit);
      const without = weightedEffect(selectUnits(panels[g], rows, n0), fits[g].weights);
      estimates.push(leftShares.reduce((sum, share, h) => sum + share * (h === g ? without : base[h]), 0));
    }
  });
  const n = estimates.length;
  // synthdid: sqrt(((n − 1)/n) · (n − 1) · var(u)).
  return Math.sqrt(((n - 1) / n) * (n - 1) * sampleVariance(Float64Array.from(estimates)));
}

/**
 * `draws` times, the donors are shuffled and the last of them play each cohort's treated units (as many as it
 * has, with its treated periods); every cohort is refitted on the remaining donors with its original tuning.
 */
function placeboOverCohorts(input: CohortPanels, fits: readonly SdidFit[], options: PlaceboOptions): number {
  const { periods } = input;
  const treated = input.cohorts.reduce((sum, cohort) => sum + cohort.units, 0);
  const pseudoDonors = input.donorCount - treated;
  const random = new SeededRandom(options.seed);
  const shares = cohortShares(input.cohorts, periods);
  const estimates = new Float64Array(options.draws);
  for (let draw = 0; draw < options.draws; draw++) {
    const order = permutation(input.donorCount, random);
    const shuffled = selectUnits({ outcomes: input.donors, units: input.donorCount, periods, controlUnits: input.donorCount, prePeriods: 1 }, order, input.donorCount).outcomes;
    let next = pseudoDonors;
    let total = 0;
    input.cohorts.forEach((cohort, g) => {
      const pseudo: CohortRows = { ...cohort, outcomes: shuffled.subarray(next * periods, (next + cohort.units) * periods) };
      next += cohort.units;
      const omega = normalised(Float64Array.from(order.slice(0, pseudoDonors), (i) => fits[g].weights.omega[i]));
      const panel = cohortPanel(input, pseudo, shuffled, pseudoDonors);
      total += shares[g] * fitWithTuning(panel, fits[g].tuning, { omega, lambda: fits[g].weights.lambda }).estimate;
    });
    estimates[draw] = total;
  }
  return Math.sqrt(((options.draws - 1) / options.draws) * sampleVariance(estimates));
}
