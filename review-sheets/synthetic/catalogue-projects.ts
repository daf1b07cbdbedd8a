/**
 * The review sheets of a catalogue programme's projects (reviewSheetProjects), built from its catalogue logic
 * model: activity and output indicators become outputs (2xx), short- and mid-term outcomes and the impact become
 * outcomes 3xx, 4xx and 5xx with their units, directions, target years and targets. Where a value is simple to
 * take from the programme's generated applicants it is taken from them: applications received, the award rate
 * and units awarded per fiscal year, the budget's execution (subsidies awarded per award year) and the payees
 * (the latest round's awarded units, their 法人番号 and subsidies). Outcome actuals are plausible synthetic values:
 * the path from baseline to target with seeded noise, not the generated outcomes. The review year is the latest
 * award year of the programmes written, so every earlier year has its actuals.
 */
import { parse } from 'csv-parse/sync';
import type { Indicator, ProgrammeFile } from '../../schemas/catalogue.js';
import { SeededRandom } from '../../stats/random.js';
import { ministryOrder } from './national-year.js';
import type { BudgetYear, LogicEdge, LogicNode, NodeIndicator, OutcomeTerm, PayeeBlock, ReviewProjectModel } from './project-model.js';

/** What of a programme's generated data the sheets read: its applicants file. */
export interface ProgrammeSheetInput {
  readonly programme: ProgrammeFile;
  readonly applicantsCsv: string;
}

interface Applicant {
  readonly corporateNumber: string;
  readonly firmName: string;
  readonly applicationYear: number;
  readonly awarded: boolean;
  readonly awardYear: number | null;
  readonly subsidyYen: number;
}

/** The applicant rows that are well formed (the generated file carries invalid rows on purpose). */
function applicantsOf(csv: string): Applicant[] {
  const records = parse(csv, { columns: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, string | undefined>[];
  return records.flatMap((record) => {
    const date = /^(\d{4})-(\d{2})-\d{2}$/.exec(record.application_date ?? '');
    const decision = record.decision;
    if (!date || (decision !== 'awarded' && decision !== 'rejected') || !/^\d{13}$/.test(record.corporate_number ?? '')) return [];
    const awardYear = Number(record.award_fiscal_year);
    return [{
      corporateNumber: record.corporate_number!,
      firmName: record.firm_name ?? '',
      // The fiscal year starts in April.
      applicationYear: Number(date[1]) - (Number(date[2]) < 4 ? 1 : 0),
      awarded: decision === 'awarded',
      awardYear: decision === 'awarded' && Number.isInteger(awardYear) && awardYear > 0 ? awardYear : null,
      subsidyYen: Number(record.subsidy_amount_yen) || 0,
    }];
  });
}

/** The review year for a set of programmes: the latest award year among them. */
export function catalogueReviewYear(programmes: readonly ProgrammeFile[]): number {
  return Math.max(...programmes.flatMap((programme) => programme.callRounds.map((round) => round.awardFiscalYear)));
}

function countBy(applicants: readonly Applicant[], year: (a: Applicant) => number | null): Map<number, number> {
  const counts = new Map<number, number>();
  for (const applicant of applicants) {
    const key = year(applicant);
    if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Actual values per fiscal year from the applicants, for the indicators simple to count; null for any other. */
function countedActuals(indicator: Indicator, applicants: readonly Applicant[]): Map<number, number> | null {
  const computation = indicator.computation;
  if (!computation || computation.source !== 'applications') return null;
  const byApplicationYear = countBy(applicants, (a) => a.applicationYear);
  if (computation.value === 'd => op.count()' && computation.filter === undefined && computation.fiscalYearColumn === 'application_fiscal_year') return byApplicationYear;
  if (computation.value === 'd => op.count()' && computation.filter === 'd => d.awarded' && computation.fiscalYearColumn === 'award_fiscal_year') return countBy(applicants, (a) => a.awardYear);
  if (computation.value === 'd => 100 * op.mean(d.awarded ? 1 : 0)' && computation.filter === undefined) {
    const awarded = countBy(applicants.filter((a) => a.awarded), (a) => a.applicationYear);
    return new Map([...byApplicationYear].map(([year, count]) => [year, Math.round((100 * (awarded.get(year) ?? 0) * 1e5) / count) / 1e5]));
  }
  return null;
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Targets by fiscal year: from the baseline (or the first year) to the target, straight. */
function targetPath(indicator: Indicator, years: readonly number[]): Map<number, number> {
  const target = indicator.target;
  const start = indicator.baseline ?? { value: target.value, fiscalYear: years[0] - 1 };
  const path = new Map<number, number>();
  for (const year of [...years, target.fiscalYear]) {
    const share = Math.min(1, Math.max(0, (year - start.fiscalYear) / Math.max(1, target.fiscalYear - start.fiscalYear)));
    path.set(year, round(start.value + share * (target.value - start.value), 2));
  }
  return path;
}

function sheetIndicator(indicator: Indicator, years: readonly number[], reviewYear: number, applicants: readonly Applicant[], random: SeededRandom): NodeIndicator {
  const direction = indicator.direction === 'lower_is_better' ? 'down' : 'up';
  const targets = targetPath(indicator, years);
  const counted = countedActuals(indicator, applicants);
  const actuals: Record<number, number> = {};
  const achievements: Record<number, number> = {};
  for (const year of years) {
    if (year >= reviewYear) continue;
    const target = targets.get(year)!;
    // A year without applicants has no count to report: left empty rather than written as 0.
    if (counted && !counted.has(year)) continue;
    const actual = counted ? counted.get(year)! : round(target * random.normal(0.95, 0.08), 2);
    actuals[year] = actual;
    const achievement = direction === 'down' ? (actual > 0 ? (target / actual) * 100 : null) : target !== 0 ? (actual / target) * 100 : null;
    if (achievement !== null) achievements[year] = round(achievement, 5);
  }
  return {
    name: indicator.nameJa,
    unit: indicator.unit,
    direction,
    dataSource: indicator.dataSource,
    targetYear: indicator.target.fiscalYear,
    targets: Object.fromEntries([...targets].filter(([year]) => year <= reviewYear || year === indicator.target.fiscalYear)),
    actuals,
    achievements,
  };
}

/**
 * A sheet's goal is written in Japanese, as the published sheets are; the catalogue's definitions are English, so
 * the goal is made from the indicator's Japanese name and its direction.
 */
function outcomeGoal(indicator: { nameJa: string; direction: 'higher_is_better' | 'lower_is_better' }): string {
  return indicator.direction === 'lower_is_better' ? `${indicator.nameJa}を引き下げる。` : `${indicator.nameJa}を引き上げる。`;
}

const OUTCOME_STAGES: readonly (readonly ['shortTermOutcome' | 'midTermOutcome' | 'impact', OutcomeTerm, number])[] = [
  ['shortTermOutcome', 'short', 301],
  ['midTermOutcome', 'mid', 401],
  ['impact', 'long', 501],
];

function logicModel(programme: ProgrammeFile, years: readonly number[], reviewYear: number, applicants: readonly Applicant[], random: SeededRandom): { nodes: LogicNode[]; edges: LogicEdge[] } {
  const activity: LogicNode = { kind: 'activity', number: 101, term: null, qualitative: false, goal: `${programme.nameJa}の公募、審査、交付決定を行う。`, qualitativeReason: null, qualitativeResult: null, indicators: [] };
  const outputs: LogicNode[] = [...programme.logicModel.activity, ...programme.logicModel.output].map((indicator, index) => ({
    kind: 'output', number: 201 + index, term: null, qualitative: false, goal: `${indicator.nameJa}の目標値を達成する。`, qualitativeReason: null, qualitativeResult: null,
    indicators: [sheetIndicator(indicator, years, reviewYear, applicants, random)],
  }));
  const stages = OUTCOME_STAGES.map(([stage, term, first]) =>
    programme.logicModel[stage].map((indicator, index): LogicNode => ({
      kind: 'outcome', number: first + index, term, qualitative: false, goal: outcomeGoal(indicator), qualitativeReason: null, qualitativeResult: null,
      indicators: [sheetIndicator(indicator, years, reviewYear, applicants, random)],
    })),
  );
  const edge = (from: LogicNode, to: LogicNode): LogicEdge => ({ from: { kind: from.kind, number: from.number }, to: { kind: to.kind, number: to.number }, rationale: to.kind === 'outcome' ? `${from.indicators[0]?.name ?? from.goal}が${to.indicators[0]?.name ?? to.goal}につながる（カタログのロジックモデル）。` : null });
  const chain = [outputs, ...stages].filter((nodes) => nodes.length);
  const edges = [...outputs.map((output) => edge(activity, output)), ...chain.slice(1).flatMap((nodes, index) => nodes.flatMap((to) => chain[index].map((from) => edge(from, to))))];
  return { nodes: [activity, ...outputs, ...stages.flat()], edges };
}

/** Per award year: the subsidies awarded are the execution; the budget a little above them. */
function budgetYears(years: readonly number[], reviewYear: number, applicants: readonly Applicant[]): BudgetYear[] {
  const awardedYen = new Map<number, number>();
  for (const applicant of applicants) if (applicant.awardYear !== null) awardedYen.set(applicant.awardYear, (awardedYen.get(applicant.awardYear) ?? 0) + applicant.subsidyYen);
  const average = [...awardedYen.values()].reduce((sum, yen) => sum + yen, 0) / Math.max(1, awardedYen.size);
  return years.map((year): BudgetYear => {
    const awarded = awardedYen.get(year) ?? average;
    const initial = Math.round((awarded * 1.1) / 1000) * 1000;
    const executed = year < reviewYear ? Math.round(awarded) : 0;
    return {
      year,
      increaseReason: null,
      accounts: [{ section: '一般会計', account: '一般会計', subAccount: null, initial, supplementary: 0, carriedIn: 0, reserve: 0, executed, carriedOver: 0, nextYearRequest: initial, requested: 0 }],
    };
  }).reverse();
}

/** Payees listed by name in block A; the rest of the year's awarded units are one その他 row. */
const NAMED_PAYEES = 20;

/**
 * Block A: the awarded units of the latest award year before the review year, the largest subsidies first, each
 * with its subsidy; beyond the first twenty, one row その他 (その他支出先 TRUE, as published) carries the rest in one
 * sum, so that the block's total is the year's execution in 2-1, as a published sheet's payees add up to what the
 * project spent. 支出先の数 counts them all.
 */
function payeeBlocks(applicants: readonly Applicant[], reviewYear: number): PayeeBlock[] {
  // A loop, not Math.max(...years): a national call's million applicants overflow the call stack as arguments.
  let latest = Number.NEGATIVE_INFINITY;
  for (const a of applicants) if (a.awardYear !== null && a.awardYear < reviewYear && a.awardYear > latest) latest = a.awardYear;
  if (latest === Number.NEGATIVE_INFINITY) return [];
  const awarded = applicants.filter((a) => a.awardYear === latest && a.subsidyYen > 0).sort((a, b) => b.subsidyYen - a.subsidyYen || a.corporateNumber.localeCompare(b.corporateNumber));
  if (!awarded.length) return [];
  const named = awarded.slice(0, NAMED_PAYEES);
  const others = awarded.slice(NAMED_PAYEES);
  const othersYen = others.reduce((sum, a) => sum + a.subsidyYen, 0);
  const contract = (amount: number) => [{ summary: `${latest}年度 補助金交付`, amount, method: '補助', bidders: 0, winningRate: 0 }];
  return [{
    letter: 'A',
    name: `${named[0].firmName}ほか`,
    role: '補助事業の実施',
    payeeCount: awarded.length,
    payees: [
      ...named.map((a) => ({ name: a.firmName, corporateNumber: a.corporateNumber, address: '合成データ', corporateKind: '301', total: a.subsidyYen, contracts: contract(a.subsidyYen) })),
      ...(others.length ? [{ name: 'その他', corporateNumber: null, address: '', corporateKind: '', total: othersYen, contracts: [], other: true }] : []),
    ],
  }];
}

/** The sheets of each of the programme's review-sheet projects (one model per 予算事業ID). */
export function catalogueProjectModels(input: ProgrammeSheetInput, reviewYear: number, seed: number): ReviewProjectModel[] {
  const { programme } = input;
  const applicants = applicantsOf(input.applicantsCsv);
  const firstYear = Math.min(...programme.callRounds.map((round) => round.awardFiscalYear));
  const years = Array.from({ length: reviewYear - firstYear + 1 }, (_, index) => firstYear + index);
  return programme.reviewSheetProjects.map((project) => {
    const random = new SeededRandom(seed + project.projectId);
    const [ministry, ...rest] = programme.ministry.split(/\s*\/\s*|\s+/);
    const bureau = rest.filter((part) => !/^[A-Z]+$/.test(part)).join('／');
    const { nodes, edges } = logicModel(programme, years, reviewYear, applicants, random);
    return {
      projectId: project.projectId,
      name: `${programme.nameJa}（合成データ）`,
      // The catalogue writes "経済産業省 中小企業庁" or "内閣府 / 文部科学省 / …": the first is the ministry, the rest its bureau.
      organisation: { ministryOrder: ministryOrder(ministry) ?? 22, policyMinistry: ministry, ministry, bureau: bureau || '合成局', department: '', division: '合成課', office: '' },
      overview: {
        purpose: `${programme.nameJa}により政策目標の達成を図る。（ebpm のカタログから作った合成のレビューシート）`,
        // The catalogue states the kind of support in English only: the sheet's Japanese says what it is and keeps the
        // English as a quotation, so the sheet is Japanese text throughout, as published sheets are.
        issues: `${programme.nameJa}が対象とする政策課題（カタログの英語名: ${programme.nameEn}）。`,
        summary: `${programme.nameJa}として支援を行う（カタログの支援形態: ${programme.kindOfSupport}）。`,
        category: firstYear >= reviewYear ? '新規事業' : '前年度事業',
        startYear: firstYear,
        endYear: null,
        mainExpenses: ['その他の事項経費'],
        methods: ['補助'],
      },
      budgetYears: budgetYears(years, reviewYear, applicants),
      nodes,
      edges,
      check: {
        selfCheck: 'カタログのロジックモデルに沿って成果目標の達成状況を点検した（合成データ）。',
        improvementDirection: null,
        externalReviewYear: null,
        externalReviewFindings: null,
        teamFinding: '現状通り',
        teamFindingDetail: null,
        reflection: '現状通り',
        reflectedGeneralAccountYen: null,
      },
      blocks: payeeBlocks(applicants, reviewYear),
      style: { numberedOutcomeTerms: true, noneMark: '', trailingSpaces: true },
    };
  });
}
