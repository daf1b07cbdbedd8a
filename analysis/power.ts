/**
 * The minimum detectable effect of a programme's pre-registered design for its planned call, by simulation
 * with the project's own estimator: panels drawn as the plan declares them (applicants, award share,
 * rounds, years before and after award, the outcome's spread and year-to-year correlation), no effect,
 * each estimated as the spec says (Callaway & Sant'Anna, its method and comparison group, headline
 * cs_simple with its analytic standard error).
 *
 * With a constant effect δ the estimate moves by exactly δ and its standard error not at all (the
 * estimator is linear in the treated units' outcome changes), so one set of null replications gives the
 * whole power curve: replication r rejects at δ when |δ + e_r| > z·s_r. The MDE is the smallest δ > 0 at
 * which the share rejecting reaches the power asked for.
 */
import type { Programme } from '../programmes/catalogue.js';
import type { PlannedCall } from '../schemas/catalogue.js';
import { designOf, type DesignKind, type StudySpec } from '../schemas/study-spec.js';
import { normalQuantile } from '../stats/distributions.js';
import { estimateStaggeredDid } from '../stats/did/estimate.js';
import { SeededRandom } from '../stats/random.js';

export interface PowerSettings {
  readonly replications: number;
  readonly seed: number;
  /** Default 0.8. */
  readonly power?: number;
}

export interface OutcomePower {
  readonly outcome: string;
  readonly unit: string;
  readonly minimumDetectableEffect: number;
  /** Median analytic standard error of the headline estimate across replications. */
  readonly medianStdError: number;
  /** Share of null replications that reject (the test's size; about 1 − confidence). */
  readonly sizeAtZero: number;
  /** Where the spread and correlation came from: loaded baseline data, or the catalogue's declared assumption. */
  readonly varianceSource: string;
}

export interface PowerAnalysis {
  readonly programmeId: string;
  readonly design: 'staggered_did';
  readonly estimator: 'cs_simple';
  readonly power: number;
  readonly confidenceLevel: number;
  readonly replications: number;
  readonly seed: number;
  readonly plan: PlannedCall;
  readonly outcomes: readonly OutcomePower[];
  /** Outcomes whose spec names another design: the simulation covers staggered DiD only, so no MDE is claimed for them. */
  readonly notSimulated: readonly { readonly outcome: string; readonly design: DesignKind }[];
}

export class PowerPlanError extends Error {
  constructor(
    readonly programmeId: string,
    readonly detail: string,
  ) {
    super(`${programmeId}: ${detail}`);
    this.name = 'PowerPlanError';
  }
}

/** The units the planned call awards (applicants × award share, rounded): the simulation's treated units, and what a programme total is divided by to be read per unit. */
export function plannedAwardedUnits(plan: Pick<PlannedCall, 'expectedApplicants' | 'awardShare'>): number {
  return Math.round(plan.expectedApplicants * plan.awardShare);
}

/**
 * One simulated panel of the planned call, in long form as the estimator takes it: the outcome a
 * stationary AR(1) with the declared spread and year-to-year correlation, plus `effect` in the awarded
 * units' years from their award on (0 for the null replications).
 */
export function simulatePlannedPanel(plan: PlannedCall, outcome: { sd: number; yearToYearCorrelation: number }, random: SeededRandom, effect = 0) {
  const years = plan.preAwardYears + plan.rounds - 1 + plan.followUpYears;
  const units = plan.expectedApplicants;
  const awarded = plannedAwardedUnits(plan);
  const rho = outcome.yearToYearCorrelation;
  const innovation = outcome.sd * Math.sqrt(1 - rho * rho);
  const unitId = new Float64Array(units * years);
  const time = new Float64Array(units * years);
  const group = new Float64Array(units * years);
  const values = new Float64Array(units * years);
  for (let u = 0; u < units; u++) {
    // Awards spread evenly over the rounds; the first round is awarded after preAwardYears years of data.
    const cohort = u < awarded ? plan.preAwardYears + 1 + (u % plan.rounds) : 0;
    let y = outcome.sd * random.normal();
    for (let t = 0; t < years; t++) {
      if (t > 0) y = rho * y + innovation * random.normal();
      const row = u * years + t;
      unitId[row] = u;
      time[row] = t + 1;
      group[row] = cohort;
      values[row] = cohort > 0 && t + 1 >= cohort ? y + effect : y;
    }
  }
  return { unitId, time, group, outcome: values, covariates: {} };
}

export function minimumDetectableEffects(programmeId: string, spec: StudySpec, plan: PlannedCall, units: Readonly<Record<string, string>>, settings: PowerSettings): PowerAnalysis {
  const power = settings.power ?? 0.8;
  const z = normalQuantile(1 - (1 - spec.confidenceLevel) / 2);
  const notSimulated = spec.outcomes.map((outcome) => ({ outcome, design: designOf(spec, outcome).design })).filter((entry) => entry.design !== 'staggered_did');
  const outcomes = spec.outcomes.filter((name) => designOf(spec, name).design === 'staggered_did').map((name): OutcomePower => {
    const assumption = plan.outcomes[name];
    if (!assumption) throw new PowerPlanError(programmeId, `the planned call declares no sd and yearToYearCorrelation for outcome "${name}"; add plannedCall.outcomes.${name} to the catalogue`);
    const random = new SeededRandom(settings.seed);
    const estimates: number[] = [];
    const errors: number[] = [];
    for (let r = 0; r < settings.replications; r++) {
      const { report } = estimateStaggeredDid(simulatePlannedPanel(plan, assumption, random), {
        control: spec.comparisonGroup === 'rejected_applicants' ? 'never' : 'notyet',
        method: spec.estimation.method,
        anticipation: spec.estimation.anticipation,
        basePeriod: spec.estimation.basePeriod,
        sample: 'balanced',
      });
      const { att, se } = report.aggregations.simple;
      if (se === null) continue;
      estimates.push(att);
      errors.push(se);
    }
    if (estimates.length < settings.replications / 2)
      throw new PowerPlanError(programmeId, `the planned call is too small to estimate "${name}" in most replications; plan more applicants or rounds`);
    return {
      outcome: name,
      unit: units[name] ?? '',
      minimumDetectableEffect: smallestEffectWithPower(estimates, errors, z, power),
      medianStdError: median(errors),
      sizeAtZero: rejectionShare(estimates, errors, z, 0),
      varianceSource: assumption.provenance,
    };
  });
  return { programmeId, design: 'staggered_did', estimator: 'cs_simple', power, confidenceLevel: spec.confidenceLevel, replications: settings.replications, seed: settings.seed, plan, outcomes, notSimulated };
}

/** Share of replications whose estimate, shifted by δ, is significant. */
export function rejectionShare(estimates: readonly number[], errors: readonly number[], z: number, effect: number): number {
  let rejected = 0;
  for (let r = 0; r < estimates.length; r++) if (Math.abs(estimates[r] + effect) > z * errors[r]) rejected++;
  return rejected / estimates.length;
}

/**
 * The smallest δ > 0 at which the share rejecting reaches `power`. The share only changes where some
 * replication's |δ + e_r| crosses z·s_r, so those points are the candidates.
 */
function smallestEffectWithPower(estimates: readonly number[], errors: readonly number[], z: number, power: number): number {
  const candidates = new Set<number>();
  for (let r = 0; r < estimates.length; r++) {
    for (const crossing of [z * errors[r] - estimates[r], -z * errors[r] - estimates[r]]) if (crossing > 0) candidates.add(crossing);
  }
  const sorted = [...candidates].sort((a, b) => a - b);
  // Just above a crossing, the replication that crosses there has moved to the rejecting side.
  for (const candidate of sorted) {
    const effect = candidate * (1 + 1e-12);
    if (rejectionShare(estimates, errors, z, effect) >= power) return effect;
  }
  return Number.NaN;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export const DEFAULT_POWER_SETTINGS: PowerSettings = { replications: 200, seed: 1 };

const analysesByPlan = new Map<string, PowerAnalysis>();

/** An outcome's spread and correlation measured on loaded data before the first award, and the run that measured them. */
export interface ObservedBaseline {
  readonly sd: number;
  readonly yearToYearCorrelation: number;
  readonly units: number;
  readonly firstYear: number;
  readonly lastYear: number;
  readonly runKey: string;
}

/**
 * The programme's MDE for its catalogued plannedCall, or null when it declares none. An outcome measured on
 * loaded data (`observed`) uses that spread and correlation instead of the catalogue's assumption. The
 * simulation is seeded, so each programme's is run once per process however many reports ask for it.
 */
export function programmePower(
  programme: Programme,
  settings: PowerSettings = DEFAULT_POWER_SETTINGS,
  observed: Readonly<Record<string, ObservedBaseline>> = {},
): PowerAnalysis | null {
  const declared = programme.file.plannedCall;
  if (!declared) return null;
  const plan: PlannedCall = {
    ...declared,
    outcomes: {
      ...declared.outcomes,
      ...Object.fromEntries(
        Object.entries(observed).map(([outcome, moments]) => [
          outcome,
          {
            sd: moments.sd,
            yearToYearCorrelation: moments.yearToYearCorrelation,
            provenance: `loaded data: ${moments.units} units, FY${moments.firstYear}–FY${moments.lastYear} before the first award (run ${moments.runKey.slice(0, 12)})`,
          },
        ]),
      ),
    },
  };
  const key = JSON.stringify([programme.id, programme.specHash, plan, settings]);
  let analysis = analysesByPlan.get(key);
  if (!analysis) {
    const units = Object.fromEntries(programme.file.dataRequirements.fields.filter((field) => field.measure).map((field) => [field.name, field.measure?.unit ?? '']));
    analysis = minimumDetectableEffects(programme.id, programme.studySpec, plan, units, settings);
    analysesByPlan.set(key, analysis);
  }
  return analysis;
}
