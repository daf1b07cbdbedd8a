/**
 * Synthetic applicants and outcome panel for 中小企業省力化投資補助事業, with a known true effect.
 * All firms, names and numbers are invented; the files say so in their firm names.
 *
 * Design: three call rounds (FY2021–FY2023) are the staggered cohorts; rejected applicants are the
 * comparison group. Outcomes follow y_it = μ + α_i + λ_t + τ·D_it + ε_it, with awarded firms a little
 * more productive to begin with (selection on levels, which difference-in-differences removes).
 */
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import { OUTCOME_COLUMNS, type OutcomeMeasure } from '../schemas/outcome.js';
import { toCsv } from './csv-writer.js';
import { SeededRandom } from '../stats/random.js';

export interface SyntheticOptions {
  readonly seed: number;
  readonly applicants: number;
  /** Append rows that break the schema, to show that they are quarantined with reasons. */
  readonly withInvalidRows: boolean;
}

export const DEFAULT_SYNTHETIC_OPTIONS: SyntheticOptions = { seed: 20240401, applicants: 2400, withInvalidRows: true };

export const TRUE_EFFECTS: Readonly<Record<OutcomeMeasure, number>> = {
  labour_productivity: 30,
  average_wage: 8,
  employees: 0,
};

const CALL_ROUNDS = [
  { round: 1, fiscalYear: 2021, applicationDate: '2021-07-15' },
  { round: 2, fiscalYear: 2022, applicationDate: '2022-07-15' },
  { round: 3, fiscalYear: 2023, applicationDate: '2023-07-14' },
] as const;
export const PANEL_FISCAL_YEARS = [2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025] as const;

const INDUSTRIES: readonly (readonly [string, number])[] = [
  ['E', 30], ['D', 15], ['I', 20], ['H', 10], ['M', 12], ['P', 8], ['R', 5],
];

export interface SyntheticProgrammeData {
  readonly applicantsCsv: string;
  readonly outcomesCsv: string;
  readonly manifest: {
    readonly programmeId: string;
    readonly synthetic: true;
    readonly seed: number;
    readonly applicants: number;
    readonly awarded: number;
    readonly outcomeRows: number;
    readonly invalidApplicantRows: number;
    readonly invalidOutcomeRows: number;
    readonly trueEffects: Readonly<Record<OutcomeMeasure, number>>;
  };
}

export function generateSmeLabourSaving(options: SyntheticOptions = DEFAULT_SYNTHETIC_OPTIONS): SyntheticProgrammeData {
  const random = new SeededRandom(options.seed);
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

  const yearShock = PANEL_FISCAL_YEARS.map(() => random.normal(0, 6));
  const applicantRows: (string | number | boolean | null)[][] = [];
  const outcomeRows: (string | number | boolean | null)[][] = [];
  let awardedCount = 0;

  for (let firm = 0; firm < options.applicants; firm++) {
    const corporateNumber = newCorporateNumber();
    const callRound = random.pick(CALL_ROUNDS);
    const awarded = random.uniform() < 0.55;
    if (awarded) awardedCount++;
    const employees = Math.max(1, Math.round(Math.exp(random.normal(Math.log(20), 0.8))));
    const requested = 1_000_000 * random.integerBetween(3, 15);
    const subsidy = awarded ? Math.min(Math.round(requested / 2), 10_000_000) : null;
    applicantRows.push([
      corporateNumber,
      `合成データ株式会社${String(firm + 1).padStart(5, '0')}`,
      callRound.round,
      callRound.applicationDate,
      awarded ? 'awarded' : 'rejected',
      awarded ? callRound.fiscalYear : null,
      subsidy,
      requested,
      random.pickWeighted(INDUSTRIES),
      String(random.integerBetween(1, 47)).padStart(2, '0'),
      employees,
      true,
    ]);

    const firmEffect = random.normal(awarded ? 15 : 0, 100);
    for (const [yearIndex, fiscalYear] of PANEL_FISCAL_YEARS.entries()) {
      const treated = awarded && fiscalYear >= callRound.fiscalYear ? 1 : 0;
      const trend = yearIndex;
      const labourProductivity =
        560 + firmEffect + 12 * trend + yearShock[yearIndex] + TRUE_EFFECTS.labour_productivity * treated + random.normal(0, 35);
      const averageWage = 380 + 0.3 * firmEffect + 6 * trend + 0.4 * yearShock[yearIndex] + TRUE_EFFECTS.average_wage * treated + random.normal(0, 12);
      const staff = Math.max(1, Math.round(employees * Math.exp(0.015 * trend + random.normal(0, 0.05))));
      outcomeRows.push([corporateNumber, fiscalYear, round1(labourProductivity), round1(averageWage), staff]);
    }
  }

  let invalidApplicantRows = 0;
  let invalidOutcomeRows = 0;
  if (options.withInvalidRows) {
    const valid = newCorporateNumber();
    const mistyped = `${(Number(valid[0]) + 1) % 10}${valid.slice(1)}`;
    const invalidApplicants = [
      [mistyped, '合成データ株式会社（番号誤記）', 1, '2021-07-15', 'awarded', 2021, 5_000_000, 10_000_000, 'E', '13', 12, true],
      [newCorporateNumber(), '合成データ株式会社（従業員数不正）', 2, '2022-07-15', 'rejected', null, null, 8_000_000, 'I', '27', '約30', true],
      [newCorporateNumber(), '合成データ株式会社（審査中）', 3, '2023-07-14', 'pending', null, null, 6_000_000, 'D', '40', 8, true],
    ];
    const invalidOutcomes = [
      [newCorporateNumber(), 2022, 'n/a', 401.2, 15],
      [newCorporateNumber(), 'FY2020', 612.4, 398.1, 22],
    ];
    applicantRows.push(...invalidApplicants);
    outcomeRows.push(...invalidOutcomes);
    invalidApplicantRows = invalidApplicants.length;
    invalidOutcomeRows = invalidOutcomes.length;
  }

  return {
    applicantsCsv: toCsv(APPLICANT_COLUMNS, applicantRows),
    outcomesCsv: toCsv(OUTCOME_COLUMNS, outcomeRows),
    manifest: {
      programmeId: 'sme-labour-saving',
      synthetic: true,
      seed: options.seed,
      applicants: options.applicants,
      awarded: awardedCount,
      outcomeRows: options.applicants * PANEL_FISCAL_YEARS.length,
      invalidApplicantRows,
      invalidOutcomeRows,
      trueEffects: TRUE_EFFECTS,
    },
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
