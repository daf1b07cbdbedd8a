/**
 * Synthetic applicants and outcome panels for any catalogue programme, with known true effects.
 * All units, names and numbers are invented; the names say so.
 *
 * Design: the programme's call rounds are the staggered cohorts; rejected applicants are the comparison
 * group. Outcomes follow y_it = μ + α_i + λ_t + τ_i(t) + ε_it, with awarded units a little more
 * productive to begin with (selection on levels, which difference-in-differences removes).
 */
import type { ProgrammeFile } from '../schemas/catalogue.js';
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import { OUTCOME_COLUMNS, OUTCOME_MEASURES, type OutcomeMeasure } from '../schemas/outcome.js';
import { SeededRandom } from '../stats/random.js';
import { toCsv } from './csv-writer.js';
import { SYNTHETIC_PROFILES, type EffectProfile, type SyntheticProfile } from './profiles.js';

export interface SyntheticOptions {
  readonly seed?: number;
  readonly applicants?: number;
  /** Append rows that break the schema, to show that they are quarantined with reasons. */
  readonly withInvalidRows: boolean;
}

/** The estimands the pipeline reports, for the realised cohorts of fully observed units. */
export interface TrueEffect {
  /** did's simple aggregation: post-award cells weighted by cohort size. */
  readonly simple: number;
  /** Average of the effects in each year since award (e ≥ 0). */
  readonly dynamic: number;
}

export interface SyntheticManifest {
  readonly programmeId: string;
  readonly synthetic: true;
  readonly seed: number;
  readonly applicants: number;
  readonly awarded: number;
  readonly outcomeRows: number;
  readonly unitsLeavingPanel: number;
  readonly invalidApplicantRows: number;
  readonly invalidOutcomeRows: number;
  readonly effectKind: EffectProfile['kind'];
  readonly trueEffects: Readonly<Record<OutcomeMeasure, TrueEffect>>;
}

export interface SyntheticProgrammeData {
  readonly applicantsCsv: string;
  readonly outcomesCsv: string;
  readonly manifest: SyntheticManifest;
}

const INDUSTRIES: readonly (readonly [string, number])[] = [
  ['E', 30], ['D', 15], ['I', 20], ['H', 10], ['M', 12], ['P', 8], ['R', 5],
];

const EFFECT_OF: Readonly<Record<OutcomeMeasure, keyof Omit<EffectProfile, 'kind'>>> = {
  labour_productivity: 'labourProductivity',
  average_wage: 'averageWage',
  employees: 'employees',
};

export class MissingSyntheticProfileError extends Error {
  constructor(readonly programmeId: string) {
    super(`no synthetic-data profile for programme "${programmeId}"; add one to synth/profiles.ts`);
    this.name = 'MissingSyntheticProfileError';
  }
}

export function profileOf(programmeId: string): SyntheticProfile {
  const profile = SYNTHETIC_PROFILES[programmeId];
  if (!profile) throw new MissingSyntheticProfileError(programmeId);
  return profile;
}

/** Effect in year e ≥ 0 after award. */
export function effectAt(profile: EffectProfile, measure: OutcomeMeasure, yearsSinceAward: number): number {
  const base = profile[EFFECT_OF[measure]];
  if (profile.kind === 'zero') return 0;
  return profile.kind === 'growing' ? (base * (1 + yearsSinceAward)) / 2 : base;
}

/** Fiscal years of the panel: three before the first award to two after the last. */
export function panelYears(programme: ProgrammeFile): number[] {
  const awards = programme.callRounds.map((round) => round.awardFiscalYear);
  const first = Math.min(...awards) - 3;
  const last = Math.max(...awards) + 2;
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

export function generateProgrammeData(programme: ProgrammeFile, options: SyntheticOptions): SyntheticProgrammeData {
  const profile = profileOf(programme.id);
  const seed = options.seed ?? profile.seed;
  const applicantCount = options.applicants ?? profile.applicants;
  const random = new SeededRandom(seed);
  const years = panelYears(programme);
  const usedNumbers = new Set<string>();
  const newCorporateNumber = (): string => {
    for (;;) {
      const base = String(random.integerBetween(1, 9)) + String(random.integerBetween(0, 99_999_999_999)).padStart(11, '0');
      const number = withCheckDigit(base);
      if (!usedNumbers.has(number)) {
        usedNumbers.add(number);
        return number;
      }
    }
  };

  const yearShock = years.map(() => random.normal(0, 6));
  const applicantRows: (string | number | boolean | null)[][] = [];
  const outcomeRows: (string | number | boolean | null)[][] = [];
  // Fully observed awarded units per cohort, for the true estimands.
  const balancedCohortSizes = new Map<number, number>();
  let awardedCount = 0;
  let leaving = 0;

  for (let unit = 0; unit < applicantCount; unit++) {
    const corporateNumber = newCorporateNumber();
    const callRound = random.pick(programme.callRounds);
    const awarded = random.uniform() < profile.awardShare;
    if (awarded) awardedCount++;
    const employees = Math.max(1, Math.round(Math.exp(random.normal(Math.log(profile.employeesMedian), 0.8))));
    const requested = 1_000_000 * random.integerBetween(3, 15) * Math.max(1, Math.round(profile.employeesMedian / 20));
    const subsidy = awarded ? Math.round(requested / 2) : null;
    applicantRows.push([
      corporateNumber,
      `合成データ${profile.unitLabel}${String(unit + 1).padStart(5, '0')}`,
      callRound.round,
      callRound.opens,
      awarded ? 'awarded' : 'rejected',
      awarded ? callRound.awardFiscalYear : null,
      subsidy,
      requested,
      random.pickWeighted(INDUSTRIES),
      String(random.integerBetween(1, 47)).padStart(2, '0'),
      employees,
      true,
    ]);

    const unitEffect = random.normal(awarded ? 0.15 * profile.productivitySpread : 0, profile.productivitySpread);
    const stopsAfter = random.uniform() < profile.attritionShare ? years[random.integerBetween(Math.floor(years.length / 2), years.length - 2)] : Infinity;
    if (stopsAfter !== Infinity) leaving++;
    else if (awarded) balancedCohortSizes.set(callRound.awardFiscalYear, (balancedCohortSizes.get(callRound.awardFiscalYear) ?? 0) + 1);
    for (const [index, fiscalYear] of years.entries()) {
      if (fiscalYear > stopsAfter) break;
      const sinceAward = fiscalYear - callRound.awardFiscalYear;
      const treated = awarded && sinceAward >= 0;
      const effect = (measure: OutcomeMeasure) => (treated ? effectAt(profile.effect, measure, sinceAward) : 0);
      const labourProductivity =
        profile.productivityLevel + unitEffect + 12 * index + yearShock[index] + effect('labour_productivity') + random.normal(0, 0.35 * profile.productivitySpread);
      const averageWage =
        profile.wageLevel + 0.3 * unitEffect + 6 * index + 0.4 * yearShock[index] + effect('average_wage') + random.normal(0, 12);
      const staff = Math.max(1, Math.round(employees * Math.exp(0.015 * index + random.normal(0, 0.05)) + effect('employees')));
      outcomeRows.push([corporateNumber, fiscalYear, round1(labourProductivity), round1(averageWage), staff]);
    }
  }

  let invalidApplicantRows = 0;
  let invalidOutcomeRows = 0;
  if (options.withInvalidRows) {
    const [first, second, third] = [0, 1, 2].map((i) => programme.callRounds[i % programme.callRounds.length]);
    const valid = newCorporateNumber();
    const mistyped = `${(Number(valid[0]) + 1) % 10}${valid.slice(1)}`;
    const invalidApplicants = [
      [mistyped, '合成データ（番号誤記）', first.round, first.opens, 'awarded', first.awardFiscalYear, 5_000_000, 10_000_000, 'E', '13', 12, true],
      [newCorporateNumber(), '合成データ（従業員数不正）', second.round, second.opens, 'rejected', null, null, 8_000_000, 'I', '27', '約30', true],
      [newCorporateNumber(), '合成データ（審査中）', third.round, third.opens, 'pending', null, null, 6_000_000, 'D', '40', 8, true],
    ];
    const invalidOutcomes = [
      [newCorporateNumber(), years[1], 'n/a', 401.2, 15],
      [newCorporateNumber(), `FY${years[0]}`, 612.4, 398.1, 22],
    ];
    applicantRows.push(...invalidApplicants);
    outcomeRows.push(...invalidOutcomes);
    invalidApplicantRows = invalidApplicants.length;
    invalidOutcomeRows = invalidOutcomes.length;
  }

  const lastYear = years[years.length - 1];
  const trueEffects = Object.fromEntries(
    OUTCOME_MEASURES.map((measure) => [measure, trueEffectOf(profile.effect, measure, balancedCohortSizes, lastYear)]),
  ) as Record<OutcomeMeasure, TrueEffect>;

  return {
    applicantsCsv: toCsv(APPLICANT_COLUMNS, applicantRows),
    outcomesCsv: toCsv(OUTCOME_COLUMNS, outcomeRows),
    manifest: {
      programmeId: programme.id,
      synthetic: true,
      seed,
      applicants: applicantCount,
      awarded: awardedCount,
      outcomeRows: outcomeRows.length - invalidOutcomeRows,
      unitsLeavingPanel: leaving,
      invalidApplicantRows,
      invalidOutcomeRows,
      effectKind: profile.effect.kind,
      trueEffects,
    },
  };
}

/** The simple and dynamic estimands for the realised cohorts (post-award cells up to the panel's last year). */
function trueEffectOf(effect: EffectProfile, measure: OutcomeMeasure, cohortSizes: ReadonlyMap<number, number>, lastYear: number): TrueEffect {
  let weighted = 0;
  let weight = 0;
  const byEventTime = new Map<number, number>();
  for (const [cohort, size] of cohortSizes) {
    for (let year = cohort; year <= lastYear; year++) {
      const value = effectAt(effect, measure, year - cohort);
      weighted += size * value;
      weight += size;
      byEventTime.set(year - cohort, value);
    }
  }
  const dynamicValues = [...byEventTime.values()];
  return {
    simple: weight ? weighted / weight : 0,
    dynamic: dynamicValues.length ? dynamicValues.reduce((sum, value) => sum + value, 0) / dynamicValues.length : 0,
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
