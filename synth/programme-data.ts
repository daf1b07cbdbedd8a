/**
 * Synthetic applicants, outcome panels and official statistics for any catalogue programme, with known
 * true effects. The files have the columns the programme's catalogue entry declares: its unit of analysis
 * keys them, and each declared outcome measure is generated from the programme's synthetic profile (declared in
 * its catalogue file, or derived from its declared fields: synth/profiles.ts) within its declared type and range.
 * All units, names and numbers are invented; the names say so.
 *
 * Design: the programme's call rounds are the staggered cohorts; rejected applicants are the comparison
 * group. Each measure follows y_it = level + α_i + trend·t + λ_t + τ_i(t) + ε_it, with awarded units a
 * little higher to begin with (selection on levels, which difference-in-differences removes), rounded for
 * whole-number measures and kept within the declared range. The true effects are the realised ones: for
 * every awarded unit-year, the reported value minus the value the same unit would have reported without
 * the award (same noise), so rounding and range limits are accounted for exactly.
 */
import { fileDeclaration, type MeasureDeclaration } from '../programmes/file-declaration.js';
import { LOGIC_MODEL_STAGE_KEYS, type ProgrammeFile } from '../schemas/catalogue.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import { STATISTICS_COLUMNS } from '../schemas/statistics.js';
import { UNIT_KEY_COLUMNS } from '../schemas/unit-of-analysis.js';
import { designOf } from '../schemas/study-spec.js';
import { normalQuantile } from '../stats/distributions.js';
import { SeededRandom } from '../stats/random.js';
import { toCsv } from './csv-writer.js';
import { profileOf, type EffectKind, type SyntheticProfile } from './profiles.js';

export interface SyntheticOptions {
  readonly seed?: number;
  readonly applicants?: number;
  /** Append rows that break the schema, to show that they are quarantined with reasons. */
  readonly withInvalidRows: boolean;
}

/** The estimands the pipeline reports, for the realised cohorts of fully observed units. */
export interface TrueEffect {
  /** did's simple aggregation: post-award cells weighted by cohort size (synthetic DiD's estimand too). */
  readonly simple: number;
  /** Average of the effects in each year since award (e ≥ 0). */
  readonly dynamic: number;
  /**
   * For an outcome the spec evaluates by regression discontinuity: the effect on the change it measures (the
   * mean over its follow-up years), averaged over awarded units observed in those years. Absent otherwise.
   */
  readonly atCutoff?: number;
}

export interface SyntheticManifest {
  readonly programmeId: string;
  readonly synthetic: true;
  readonly seed: number;
  readonly unitOfAnalysis: ProgrammeFile['unitOfAnalysis'];
  /** Units applied for (firms, projects or sites). */
  readonly applicants: number;
  readonly awarded: number;
  /** Distinct firms behind the units (lead applicants or operators). */
  readonly applicantFirms: number;
  readonly outcomeRows: number;
  readonly statisticsRows: number;
  readonly unitsLeavingPanel: number;
  readonly invalidApplicantRows: number;
  readonly invalidOutcomeRows: number;
  readonly effectKind: EffectKind;
  /** By declared outcome measure. */
  readonly trueEffects: Readonly<Record<string, TrueEffect>>;
  /**
   * Present when the catalogue file declares no synthetic profile, or only part of one: what was derived from its
   * declared fields, and the whole profile the data were drawn from.
   */
  readonly derivedProfile?: { readonly derived: readonly string[]; readonly profile: SyntheticProfile };
}

export interface SyntheticProgrammeData {
  readonly applicantsCsv: string;
  readonly outcomesCsv: string;
  readonly statisticsCsv: string;
  readonly manifest: SyntheticManifest;
}

type CsvValue = string | number | boolean | null;

/** Review-score points per standard deviation of applicant quality. */
const SCORE_SPREAD = 8;

const INDUSTRIES: readonly (readonly [string, number])[] = [
  ['E', 30], ['D', 15], ['I', 20], ['H', 10], ['M', 12], ['P', 8], ['R', 5],
];
const SITE_KINDS: readonly (readonly [string, number])[] = [['quick_charger', 45], ['normal_charger', 45], ['hydrogen_station', 10]];

/** Effect in year e ≥ 0 after award. */
export function effectAt(kind: EffectKind, base: number, yearsSinceAward: number): number {
  if (kind === 'zero') return 0;
  return kind === 'growing' ? (base * (1 + yearsSinceAward)) / 2 : base;
}

/** Fiscal years of the panel: three before the first award to two after the last. */
export function panelYears(programme: ProgrammeFile): number[] {
  const awards = programme.callRounds.map((round) => round.awardFiscalYear);
  const first = Math.min(...awards) - 3;
  const last = Math.max(...awards) + 2;
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** Accumulates realised effects of fully observed awarded units into did's simple and dynamic estimands. */
class RealisedEffects {
  private sum = 0;
  private count = 0;
  private readonly byEventTime = new Map<number, { sum: number; count: number }>();

  add(eventTime: number, effect: number): void {
    this.sum += effect;
    this.count++;
    const cell = this.byEventTime.get(eventTime) ?? { sum: 0, count: 0 };
    cell.sum += effect;
    cell.count++;
    this.byEventTime.set(eventTime, cell);
  }

  estimands(): TrueEffect {
    const means = [...this.byEventTime.values()].map((cell) => cell.sum / cell.count);
    return { simple: this.count ? this.sum / this.count : 0, dynamic: means.length ? means.reduce((a, b) => a + b, 0) / means.length : 0 };
  }
}

export function generateProgrammeData(programme: ProgrammeFile, options: SyntheticOptions): SyntheticProgrammeData {
  const { profile, derived } = profileOf(programme);
  const seed = options.seed ?? profile.seed;
  const unitCount = options.applicants ?? profile.applicants;
  const random = new SeededRandom(seed);
  const years = panelYears(programme);
  const unit = programme.unitOfAnalysis;
  const unitKey = UNIT_KEY_COLUMNS[unit];
  const applicantColumns = programme.dataRequirements.fields.filter((field) => field.file === 'applicants' && !field.personal).map((field) => field.name);
  const declaredMeasures = fileDeclaration(programme, 'outcomes').measures;
  const measureProfiles = declaredMeasures.map((declared) => profile.measures[declared.name]);
  const outcomeColumns = [unitKey, 'fiscal_year', ...declaredMeasures.map((declared) => declared.name)];

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
  const firms: { corporateNumber: string; name: string; industry: string; prefecture: string; employees: number }[] = [];
  const newFirm = () => {
    const created = {
      corporateNumber: newCorporateNumber(),
      name: `合成データ株式会社${String(firms.length + 1).padStart(5, '0')}`,
      industry: random.pickWeighted(INDUSTRIES),
      prefecture: String(random.integerBetween(1, 47)).padStart(2, '0'),
      employees: Math.max(1, Math.round(Math.exp(random.normal(Math.log(profile.employeesMedian), 0.8)))),
    };
    firms.push(created);
    return created;
  };
  // A new firm for most units; an existing one (leading another project, running another site) for the rest.
  const firmForUnit = () => (firms.length > 0 && random.uniform() < 1 - 1 / profile.unitsPerFirm ? random.pick(firms) : newFirm());

  // Programmes that award above a review-score cut-off: scores are whole points, awards follow them, and the
  // units' levels rise with their scores (better applicants do better anyway), which only the cut-off separates.
  const scored = programme.callRounds.every((round) => round.reviewCutoff !== undefined);
  const latestSpec = programme.studySpecs[programme.studySpecs.length - 1];
  const followUpYears = declaredMeasures.map((declared) => {
    const design = latestSpec ? designOf(latestSpec, declared.name) : null;
    return design?.design === 'rd_review_score' ? design.followUpYears : null;
  });
  const atCutoff = declaredMeasures.map(() => ({ sum: 0, count: 0 }));
  const yearShock = years.map(() => random.normal(0, 1));
  const applicantRows: Record<string, CsvValue>[] = [];
  const outcomeRows: CsvValue[][] = [];
  const realised = declaredMeasures.map(() => new RealisedEffects());
  let awardedCount = 0;
  let leaving = 0;

  for (let index = 0; index < unitCount; index++) {
    const firm = firmForUnit();
    const callRound = random.pick(programme.callRounds);
    const unitId = unit === 'firm' ? firm.corporateNumber : unit === 'project' ? `PRJ-${callRound.round}-${String(index + 1).padStart(5, '0')}` : `SITE-${String(index + 1).padStart(6, '0')}`;
    const scoreDraw = scored ? random.normal(normalQuantile(profile.awardShare), 1) : 0;
    const reviewScore = scored ? Math.round((callRound.reviewCutoff as number) + SCORE_SPREAD * scoreDraw) : null;
    const awarded = reviewScore !== null ? reviewScore >= (callRound.reviewCutoff as number) : random.uniform() < profile.awardShare;
    if (awarded) awardedCount++;
    const requested = 1_000_000 * random.integerBetween(3, 15) * Math.max(1, Math.round(profile.employeesMedian / 20));
    const members = unit === 'project' ? Array.from({ length: random.integerBetween(0, profile.maxConsortiumMembers) }, () => newCorporateNumber()) : [];
    applicantRows.push({
      corporate_number: firm.corporateNumber,
      project_id: unit === 'project' ? unitId : null,
      site_id: unit === 'site' ? unitId : null,
      firm_name: firm.name,
      call_round: callRound.round,
      application_date: callRound.opens,
      decision: awarded ? 'awarded' : 'rejected',
      award_fiscal_year: awarded ? callRound.awardFiscalYear : null,
      subsidy_amount_yen: awarded ? Math.round(requested / 2) : null,
      requested_amount_yen: requested,
      industry_code: firm.industry,
      prefecture_code: unit === 'site' ? String(random.integerBetween(1, 47)).padStart(2, '0') : firm.prefecture,
      employees: firm.employees,
      consent: true,
      consortium_members: members.join(';') || null,
      site_kind: unit === 'site' ? random.pickWeighted(SITE_KINDS) : null,
      review_score: reviewScore,
    });

    const unitEffects = measureProfiles.map((m) =>
      reviewScore !== null
        ? random.normal(0.4 * m.spreadBetweenUnits * scoreDraw, m.spreadBetweenUnits)
        : random.normal(awarded ? 0.15 * m.spreadBetweenUnits : 0, m.spreadBetweenUnits),
    );
    const followUpEffect = declaredMeasures.map(() => ({ sum: 0, years: 0 }));
    const stopsAfter = random.uniform() < profile.attritionShare ? years[random.integerBetween(Math.floor(years.length / 2), years.length - 2)] : Infinity;
    if (stopsAfter !== Infinity) leaving++;
    for (const [yearIndex, fiscalYear] of years.entries()) {
      if (fiscalYear > stopsAfter) break;
      const sinceAward = fiscalYear - callRound.awardFiscalYear;
      const treated = awarded && sinceAward >= 0;
      const values = declaredMeasures.map((declared, m) => {
        const shape = measureProfiles[m];
        const untreated = shape.firstYearMean + unitEffects[m] + shape.trendPerYear * yearIndex + 0.5 * shape.yearlyNoise * yearShock[yearIndex] + random.normal(0, shape.yearlyNoise);
        const reported = (latent: number) => withinRange(declared, declared.type === 'integer' ? Math.round(latent) : round(latent, declared));
        if (!declared.required && !treated) return null;
        const withoutAward = reported(untreated);
        const value = treated ? reported(untreated + effectAt(profile.effectKind, shape.effectOfAward, sinceAward)) : withoutAward;
        if (treated && stopsAfter === Infinity) realised[m].add(sinceAward, value - withoutAward);
        const window = followUpYears[m];
        if (treated && window !== null && sinceAward < window && value !== null && withoutAward !== null) {
          followUpEffect[m].sum += value - withoutAward;
          followUpEffect[m].years++;
        }
        return value;
      });
      outcomeRows.push([unitId, fiscalYear, ...values]);
    }
    followUpEffect.forEach((effect, m) => {
      const window = followUpYears[m];
      if (awarded && window !== null && effect.years === window && years.includes(callRound.awardFiscalYear - 1)) {
        atCutoff[m].sum += effect.sum / window;
        atCutoff[m].count++;
      }
    });
  }

  let invalidApplicantRows = 0;
  let invalidOutcomeRows = 0;
  if (options.withInvalidRows) {
    const [first, second, third] = [0, 1, 2].map((i) => programme.callRounds[i % programme.callRounds.length]);
    const template = applicantRows[0];
    const valid = newCorporateNumber();
    const mistyped = `${(Number(valid[0]) + 1) % 10}${valid.slice(1)}`;
    const invalidId = (n: number) => (unit === 'project' ? `PRJ-X-${n}` : `SITE-X-${n}`);
    const invalidApplicants: Record<string, CsvValue>[] = [
      { ...template, corporate_number: mistyped, project_id: invalidId(1), site_id: invalidId(1), firm_name: '合成データ（番号誤記）', call_round: first.round, application_date: first.opens, decision: 'awarded', award_fiscal_year: first.awardFiscalYear, subsidy_amount_yen: 5_000_000 },
      { ...template, corporate_number: newCorporateNumber(), project_id: invalidId(2), site_id: invalidId(2), firm_name: '合成データ（従業員数不正）', call_round: second.round, application_date: second.opens, decision: 'rejected', award_fiscal_year: null, subsidy_amount_yen: null, employees: '約30' },
      { ...template, corporate_number: newCorporateNumber(), project_id: invalidId(3), site_id: invalidId(3), firm_name: '合成データ（審査中）', call_round: third.round, application_date: third.opens, decision: 'pending', award_fiscal_year: null, subsidy_amount_yen: null },
    ];
    applicantRows.push(...invalidApplicants);
    const strayUnit = unit === 'firm' ? newCorporateNumber() : invalidId(9);
    const measureValues = declaredMeasures.map((declared) => (declared.required ? (declared.min ?? 0) + 1 : null));
    const invalidOutcomes: CsvValue[][] = [
      [strayUnit, years[1], 'n/a', ...measureValues.slice(1)],
      // Two years in one cell (FY2021, 令和3年度 and R3 are read): which one it reports cannot be told.
      [strayUnit, `${years[0]}-${years[0] + 1}`, ...measureValues],
    ];
    outcomeRows.push(...invalidOutcomes);
    invalidApplicantRows = invalidApplicants.length;
    invalidOutcomeRows = invalidOutcomes.length;
  }

  const statisticsRows = officialStatistics(programme, years, random, seed);
  return {
    applicantsCsv: toCsv(applicantColumns, applicantRows.map((row) => applicantColumns.map((column) => row[column] ?? null))),
    outcomesCsv: toCsv(outcomeColumns, outcomeRows),
    statisticsCsv: toCsv(STATISTICS_COLUMNS, statisticsRows),
    manifest: {
      programmeId: programme.id,
      synthetic: true,
      seed,
      unitOfAnalysis: unit,
      applicants: unitCount,
      awarded: awardedCount,
      applicantFirms: firms.length,
      outcomeRows: outcomeRows.length - invalidOutcomeRows,
      statisticsRows: statisticsRows.length,
      unitsLeavingPanel: leaving,
      invalidApplicantRows,
      invalidOutcomeRows,
      effectKind: profile.effectKind,
      trueEffects: Object.fromEntries(
        declaredMeasures.map((declared, m) => [
          declared.name,
          { ...realised[m].estimands(), ...(followUpYears[m] !== null && atCutoff[m].count ? { atCutoff: atCutoff[m].sum / atCutoff[m].count } : {}) },
        ]),
      ),
      ...(derived.length ? { derivedProfile: { derived, profile } } : {}),
    },
  };
}

/**
 * Values for the indicators the programme reads from official statistics: from the baseline toward the
 * target (most of the way by the target year), with a little noise, over the panel's years.
 */
function officialStatistics(programme: ProgrammeFile, years: readonly number[], random: SeededRandom, seed: number): CsvValue[][] {
  const rows: CsvValue[][] = [];
  for (const indicator of LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.logicModel[stage])) {
    if (indicator.computation?.source !== 'statistics') continue;
    const start = indicator.baseline ?? { value: indicator.target.value / 2, fiscalYear: years[0] };
    const span = Math.max(1, indicator.target.fiscalYear - start.fiscalYear);
    for (const fiscalYear of years.filter((year) => year >= start.fiscalYear)) {
      const path = start.value + (0.8 * (indicator.target.value - start.value) * (fiscalYear - start.fiscalYear)) / span;
      const value = path + random.normal(0, 0.02 * Math.abs(indicator.target.value - start.value) + 1e-9);
      rows.push([indicator.id, fiscalYear, Math.round(value * 1000) / 1000, indicator.computation.publisher, `synthetic: generated by ebpm generate (seed ${seed}); not a published figure`]);
    }
  }
  return rows;
}

function round(value: number, declared: MeasureDeclaration): number {
  const digits = declared.max !== undefined && declared.max <= 1 ? 1000 : 10;
  return Math.round(value * digits) / digits;
}

function withinRange(declared: MeasureDeclaration, value: number): number {
  return Math.min(declared.max ?? Infinity, Math.max(declared.min ?? -Infinity, value));
}
