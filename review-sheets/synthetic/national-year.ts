/**
 * A synthetic national review year: N projects (5,700 by default, as published a year) spread over the ministries
 * in roughly their published proportions, each with the shape the README of the national files describes:
 * ≈ 1.8 activities and ≈ 4.8 output/outcome indicators (3-1 ≈ 20.7 records a project, ≈ 118,000 at national
 * scale), up to four budget years with total and account rows, two payment blocks of about five payees with about
 * 2.5 contracts each (5-1 ≈ 34 records a project, ≈ 193,000). It carries what the review's checks should find: a
 * few invalid 法人番号 check digits, achievement rates that disagree with actual ÷ target, outcomes whose target
 * cannot be reached on their trend, budget years executed under half, outcomes with no target and no reason,
 * target years passed with no actual, long-term outcomes no edge reaches, and outputs repeated as outcomes: each
 * of the seven checks of bi.review_findings has something to find. Every name and figure is invented (the names
 * say 合成); the same seed gives the same files.
 */
import { withCheckDigit } from '../../schemas/corporate-number.js';
import { SeededRandom } from '../../stats/random.js';
import type { BudgetAccount, BudgetYear, Contract, ImplementationMethod, LogicEdge, LogicNode, NodeIndicator, OutcomeTerm, Payee, PayeeBlock, ReviewProjectModel, WritingStyle } from './project-model.js';

export interface NationalYearOptions {
  readonly projects: number;
  readonly seed: number;
  readonly reviewYear: number;
  /** The first 予算事業ID; synthetic projects use a range no published project uses. */
  readonly firstProjectId?: number;
}

/** How often each checkable problem occurs. */
export const NATIONAL_QUIRK_RATES = {
  invalidCorporateNumber: 0.005,
  disagreeingAchievement: 0.03,
  unreachableOutcome: 0.05,
  executionUnderHalf: 0.04,
  /** A quantitative outcome whose sheet gives actuals but no target and no reason (outcome_without_target). */
  outcomeWithoutTarget: 0.01,
  /** An indicator whose 1.目標年度 is a past year with its actual left blank (target_year_passed_without_actual). */
  targetYearPassed: 0.01,
  /** A project whose 3-2 lost the edges into its long-term outcome (outcome_unreached). */
  disconnectedOutcome: 0.01,
  /** A short-term outcome named exactly as the project's first output indicator (output_repeated_as_outcome). */
  outputRepeatedAsOutcome: 0.01,
} as const;

export const FIRST_NATIONAL_PROJECT_ID = 500001;

/** Ministries with their place in the official order and an approximate share of the year's projects (not counted from the published files). */
const MINISTRIES: readonly (readonly [name: string, order: number, share: number])[] = [
  ['内閣官房', 3, 0.02], ['内閣府', 6, 0.055], ['警察庁', 9, 0.02], ['金融庁', 12, 0.008], ['デジタル庁', 13, 0.04],
  ['復興庁', 14, 0.012], ['総務省', 15, 0.05], ['法務省', 16, 0.03], ['外務省', 17, 0.045], ['財務省', 18, 0.025],
  ['文部科学省', 19, 0.11], ['厚生労働省', 20, 0.15], ['農林水産省', 21, 0.1], ['経済産業省', 22, 0.1],
  ['国土交通省', 23, 0.12], ['環境省', 24, 0.06], ['防衛省', 26, 0.035], ['こども家庭庁', 27, 0.02],
];

/** A ministry's place in the official order (府省庁の建制順), by name. */
export function ministryOrder(ministry: string): number | undefined {
  return MINISTRIES.find(([name]) => name === ministry)?.[1];
}

const THEMES = ['人材育成', '研究開発', '設備導入支援', '地域振興', '情報システム運用', '調査研究', '普及啓発', '国際協力', '防災対策', '基盤整備', '実証事業', '技術支援'];
const ROLES = ['事業の執行・管理', '補助金の交付', '調査・分析の実施', '機器・ソフトウェア等の貸付', '研修の実施', '広報の実施', '研究開発の実施'];
const METHODS = ['一般競争契約（最低価格）', '一般競争契約（総合評価）', '随意契約（企画競争）', '随意契約（その他）', '公募', '国庫債務負担行為等'];
const TEAM_FINDINGS = ['現状通り', '事業内容の一部改善', '事業全体の抜本的な改善', '予定通り終了'];
const REFLECTIONS = ['現状通り', '縮減', '執行等改善', '廃止'];
const SPECIAL_ACCOUNTS: readonly (readonly [string, string])[] = [['エネルギー対策', 'エネルギー需給勘定'], ['東日本大震災復興', '復興勘定'], ['労働保険', '雇用勘定'], ['食料安定供給', '農業経営安定勘定']];
const UNITS: readonly (readonly [unit: string, level: number])[] = [['件', 120], ['人', 3000], ['％', 70], ['回', 12], ['社', 40], ['か所', 25], ['千人', 150], ['億円', 80]];
/** The dashes the published files write for "none", and an empty cell. */
const NONE_MARKS = ['', '', '', '-', 'ー', '－', '--', 'ｰ', '―', '‐'];

const FIRM_POOL = 20_000;

class NationalYear {
  private readonly random: SeededRandom;
  private readonly firms: readonly { name: string; number: string; address: string }[];

  constructor(private readonly options: NationalYearOptions) {
    this.random = new SeededRandom(options.seed);
    this.firms = Array.from({ length: FIRM_POOL }, (_, index) => ({
      name: `合成株式会社${String(index + 1).padStart(5, '0')}`,
      number: withCheckDigit(String(this.random.integerBetween(1, 9)) + String(this.random.integerBetween(0, 99_999_999_999)).padStart(11, '0')),
      address: `東京都千代田区合成${(index % 9) + 1}丁目${(index % 30) + 1}番`,
    }));
  }

  private chance(p: number): boolean {
    return this.random.uniform() < p;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random.uniform() * items.length)];
  }

  /** A log-normal figure around a median. */
  private around(median: number, spread: number): number {
    return median * Math.exp(this.random.normal(0, spread));
  }

  /** Free text, sometimes with a line break inside (quoted in the file). */
  private prose(...sentences: string[]): string {
    return sentences.join(this.chance(0.15) ? '\n' : '');
  }

  *projects(): Generator<ReviewProjectModel> {
    const { projects, reviewYear } = this.options;
    let id = this.options.firstProjectId ?? FIRST_NATIONAL_PROJECT_ID;
    const totalShare = MINISTRIES.reduce((total, [, , share]) => total + share, 0);
    let assigned = 0;
    for (const [index, [ministry, order, share]] of MINISTRIES.entries()) {
      const count = index === MINISTRIES.length - 1 ? projects - assigned : Math.min(projects - assigned, Math.round((projects * share) / totalShare));
      assigned += count;
      for (let i = 0; i < count; i++) yield this.project(id++, ministry, order, reviewYear);
    }
  }

  private project(projectId: number, ministry: string, ministryOrder: number, reviewYear: number): ReviewProjectModel {
    const theme = this.pick(THEMES);
    const isNew = this.chance(0.1);
    const startYear = isNew ? reviewYear : this.chance(0.05) ? null : reviewYear - this.random.integerBetween(1, 15);
    const style: WritingStyle = { numberedOutcomeTerms: this.chance(0.8), noneMark: this.pick(NONE_MARKS), trailingSpaces: this.chance(0.9) };
    const budgetMedian = Math.round(this.around(3e8, 1.5) / 1000) * 1000;
    const name = `合成事業${projectId}（${theme}）`;
    const nodes = this.logicModel(reviewYear, startYear ?? reviewYear - 10);
    return {
      projectId,
      name,
      organisation: { ministryOrder, policyMinistry: ministry, ministry, bureau: `合成${this.random.integerBetween(1, 8)}局`, department: '', division: `${theme}推進課`, office: '' },
      overview: {
        purpose: this.prose(`${theme}を通じて政策目標の達成に資することを目的とする。`, '（合成データ）'),
        issues: `${theme}に関する課題が残されている。`,
        summary: `${theme}に係る取組を実施する。`,
        category: isNew ? '新規事業' : '前年度事業',
        startYear,
        endYear: this.chance(0.6) ? null : reviewYear + this.random.integerBetween(0, 6),
        mainExpenses: this.chance(0.05) ? ['その他の事項経費', 'エネルギー対策費'] : [this.pick(['その他の事項経費', '科学技術振興費', '公共事業関係費', '社会保障関係費', '文教関係費'])],
        methods: [this.pick<ImplementationMethod>(['直接実施', '直接実施', '補助', '交付', 'その他'])],
      },
      budgetYears: this.budgetYears(reviewYear, isNew ? reviewYear : Math.max(reviewYear - 3, startYear ?? reviewYear - 3), budgetMedian),
      nodes,
      edges: this.edges(nodes),
      check: {
        selfCheck: this.prose('事業の必要性、効率性、有効性を点検した。', '成果目標の達成状況を確認した。'),
        improvementDirection: this.chance(0.8) ? '引き続き効率的な執行に努める。' : null,
        externalReviewYear: this.chance(0.2) ? reviewYear : null,
        externalReviewFindings: null,
        teamFinding: this.pick(TEAM_FINDINGS),
        teamFindingDetail: this.chance(0.7) ? '成果目標の達成に向け、執行の効率化を図るべき。' : null,
        reflection: this.pick(REFLECTIONS),
        reflectedGeneralAccountYen: this.chance(0.2) ? -Math.round(this.around(1e7, 1) / 1000) * 1000 : null,
      },
      blocks: this.blocks(budgetMedian),
      style,
    };
  }

  private budgetYears(reviewYear: number, firstYear: number, median: number): BudgetYear[] {
    const roll = this.random.uniform();
    const accounts: { section: '一般会計' | '特別会計'; account: string; subAccount: string | null; share: number }[] =
      roll < 0.88 ? [{ section: '一般会計', account: '一般会計', subAccount: null, share: 1 }]
      : roll < 0.95 ? [{ section: '特別会計', ...this.special(), share: 1 }]
      : [{ section: '特別会計', ...this.special(), share: 0.3 }, { section: '一般会計', account: '一般会計', subAccount: null, share: 0.7 }];
    const years: BudgetYear[] = [];
    let carriedIn = 0;
    for (let year = firstYear; year <= reviewYear; year++) {
      const initial = Math.round(this.around(median, 0.15) / 1000) * 1000;
      const supplementary = this.chance(0.15) ? Math.round(this.around(median * 0.3, 0.8) / 1000) * 1000 : 0;
      const current = initial + supplementary + carriedIn;
      const underHalf = year < reviewYear && this.chance(NATIONAL_QUIRK_RATES.executionUnderHalf);
      const rate = year === reviewYear ? 0 : underHalf ? 0.2 + 0.29 * this.random.uniform() : 0.75 + 0.25 * this.random.uniform();
      const executed = Math.round((current * rate) / 1000) * 1000;
      const carriedOver = year < reviewYear && this.chance(0.15) ? Math.round(((current - executed) * this.random.uniform()) / 1000) * 1000 : 0;
      const request = Math.round(this.around(median, 0.15) / 1000) * 1000;
      years.push({
        year,
        increaseReason: this.chance(0.5) ? '事業計画の見直しによる増減' : null,
        accounts: accounts.map((a, index): BudgetAccount => {
          // Shares are rounded to the thousand yen; the last account takes the remainder, so the total row equals the sum.
          const part = (value: number) => (index === accounts.length - 1 ? value - accounts.slice(0, -1).reduce((s, o) => s + Math.round((value * o.share) / 1000) * 1000, 0) : Math.round((value * a.share) / 1000) * 1000);
          return { section: a.section, account: a.account, subAccount: a.subAccount, initial: part(initial), supplementary: part(supplementary), carriedIn: part(carriedIn), reserve: 0, executed: part(executed), carriedOver: part(carriedOver), nextYearRequest: part(request), requested: 0 };
        }),
      });
      carriedIn = carriedOver;
    }
    return years.reverse();
  }

  private special(): { account: string; subAccount: string } {
    const [account, subAccount] = this.pick(SPECIAL_ACCOUNTS);
    return { account, subAccount };
  }

  private logicModel(reviewYear: number, startYear: number): LogicNode[] {
    const nodes: LogicNode[] = [];
    const count = (extra1: number, extra2: number) => 1 + (this.chance(extra1) ? 1 : 0) + (this.chance(extra2) ? 1 : 0);
    const activities = count(0.6, 0.2);
    for (let i = 0; i < activities; i++) nodes.push({ kind: 'activity', number: 101 + i, term: null, qualitative: false, goal: this.prose('事業を実施する。', '関係機関と連携する。'), qualitativeReason: null, qualitativeResult: null, indicators: [] });
    const outputs = count(0.6, 0.2);
    for (let i = 0; i < outputs; i++) {
      const indicators = Array.from({ length: this.chance(0.2) ? 2 : 1 }, (_, k) => this.indicator(`活動指標${i + 1}-${k + 1}`, reviewYear, startYear, 'output'));
      nodes.push({ kind: 'output', number: 201 + i, term: null, qualitative: false, goal: '活動目標を達成する。', qualitativeReason: null, qualitativeResult: null, indicators });
    }
    const repeatedOutputName = this.chance(NATIONAL_QUIRK_RATES.outputRepeatedAsOutcome) ? nodes.find((node) => node.kind === 'output')?.indicators[0]?.name : undefined;
    const outcomes: [OutcomeTerm, number][] = [['short', 301], ...(this.chance(0.2) ? [['short', 302] as [OutcomeTerm, number]] : []), ...(this.chance(0.4) ? [['mid', 401] as [OutcomeTerm, number]] : []), ['long', 501]];
    for (const [term, number] of outcomes) {
      const qualitative = this.chance(0.05);
      const withoutTarget = !qualitative && this.chance(NATIONAL_QUIRK_RATES.outcomeWithoutTarget);
      const name = number === 301 && repeatedOutputName !== undefined && !qualitative ? repeatedOutputName : `成果指標${number}`;
      const quantitative = this.indicator(name, reviewYear, startYear, 'outcome');
      nodes.push({
        kind: 'outcome',
        number,
        term,
        qualitative,
        goal: this.prose('成果目標を達成する。', '社会的な効果を発現させる。'),
        qualitativeReason: qualitative ? '定量的な指標の設定が困難であるため。' : null,
        qualitativeResult: qualitative ? '調査により一定の効果を確認した。' : null,
        indicators: [qualitative ? this.qualitativeIndicator(reviewYear) : withoutTarget ? { ...quantitative, targetYear: null, targets: {}, achievements: {} } : quantitative],
      });
    }
    return nodes;
  }

  private qualitativeIndicator(reviewYear: number): NodeIndicator {
    return { name: '調査結果', unit: null, direction: null, dataSource: '合成調査', targetYear: null, targets: {}, actuals: { [reviewYear - 1]: '調査を実施し、効果を確認した。' }, achievements: {} };
  }

  private indicator(name: string, reviewYear: number, startYear: number, kind: 'output' | 'outcome'): NodeIndicator {
    const [unit, level] = this.pick(UNITS);
    const down = kind === 'outcome' && this.chance(0.15);
    const unreachable = kind === 'outcome' && this.chance(NATIONAL_QUIRK_RATES.unreachableOutcome);
    const firstYear = Math.max(startYear, reviewYear - 3);
    const passed = firstYear < reviewYear && this.chance(NATIONAL_QUIRK_RATES.targetYearPassed);
    const targetYear = passed ? this.random.integerBetween(firstYear, reviewYear - 1) : kind === 'output' && this.chance(0.6) ? null : reviewYear + this.random.integerBetween(0, 8);
    const base = Math.max(1, Math.round(this.around(level, 0.6)));
    const growth = (down ? -1 : 1) * 0.03 * this.random.uniform();
    const targets: Record<number, number> = {};
    const actuals: Record<number, number> = {};
    const achievements: Record<number, number> = {};
    for (let year = firstYear; year <= reviewYear; year++) {
      const target = Math.round(base * (1 + growth) ** (year - firstYear));
      targets[year] = target;
      if (year === reviewYear) continue;
      // An unreachable outcome stalls at half its target; others scatter around it.
      const actual = Math.max(0, Math.round(target * (unreachable ? 0.5 : this.random.normal(1, 0.15))));
      actuals[year] = actual;
      const achievement = down ? (actual > 0 ? (target / actual) * 100 : null) : target > 0 ? (actual / target) * 100 : null;
      if (achievement === null) continue;
      achievements[year] = this.chance(NATIONAL_QUIRK_RATES.disagreeingAchievement) ? Math.round(achievement * (1.2 + this.random.uniform())) : Math.round(achievement * 1e5) / 1e5;
    }
    if (targetYear !== null) targets[targetYear] = Math.round(base * (1 + growth) ** (targetYear - firstYear) * (unreachable ? 3 : 1));
    if (passed && targetYear !== null) {
      // The target year has passed and the sheet reports nothing for it.
      delete actuals[targetYear];
      delete achievements[targetYear];
    }
    return { name, unit, direction: kind === 'output' ? null : down ? 'down' : 'up', dataSource: kind === 'outcome' ? '合成統計' : null, targetYear, targets, actuals, achievements };
  }

  /** Each output from an activity, each outcome from the stage before it. */
  private edges(nodes: readonly LogicNode[]): LogicEdge[] {
    const of = (kind: string, term?: OutcomeTerm) => nodes.filter((node) => node.kind === kind && (term === undefined || node.term === term));
    const activities = of('activity');
    const outputs = of('output');
    const short = of('outcome', 'short');
    const mid = of('outcome', 'mid');
    const long = of('outcome', 'long');
    const edge = (from: LogicNode, to: LogicNode): LogicEdge => ({ from: { kind: from.kind, number: from.number }, to: { kind: to.kind, number: to.number }, rationale: to.kind === 'outcome' ? this.prose('前段の成果が', '次の成果につながるため。') : null });
    const disconnected = this.chance(NATIONAL_QUIRK_RATES.disconnectedOutcome);
    const all = [
      ...outputs.map((output, index) => edge(activities[index % activities.length], output)),
      ...short.flatMap((outcome) => outputs.map((output) => edge(output, outcome))),
      ...(mid.length ? [...mid.flatMap((m) => short.map((s) => edge(s, m))), ...long.flatMap((l) => mid.map((m) => edge(m, l)))] : long.flatMap((l) => short.map((s) => edge(s, l)))),
    ];
    // A sheet whose long-term outcome no edge reaches.
    return disconnected ? all.filter((link) => !(link.to.kind === 'outcome' && long.some((node) => node.number === link.to.number))) : all;
  }

  private blocks(median: number): PayeeBlock[] {
    const count = 1 + (this.chance(0.6) ? 1 : 0) + (this.chance(0.3) ? 1 : 0) + (this.chance(0.1) ? 1 : 0);
    return Array.from({ length: count }, (_, index) => {
      const payees = Array.from({ length: this.random.integerBetween(1, 8) }, () => this.payee(median));
      return { letter: String.fromCharCode(65 + index), name: `${payees[0].name}ほか`, role: this.pick(ROLES), payees };
    });
  }

  private payee(median: number): Payee {
    const firm = this.pick(this.firms);
    const contracts: Contract[] = Array.from({ length: this.random.integerBetween(1, 4) }, () => ({
      summary: this.prose('合成業務の委託', '（合成データ）'),
      amount: Math.round(median * 0.02 * Math.exp(this.random.normal(0, 1))),
      method: this.pick(METHODS),
      bidders: this.random.integerBetween(0, 6),
      winningRate: Math.round(this.random.uniform() * 10000) / 100,
    }));
    const unnumbered = this.chance(0.03);
    // A mistyped number: the check digit no longer matches the base number.
    const number = this.chance(NATIONAL_QUIRK_RATES.invalidCorporateNumber) ? `${(Number(firm.number[0]) % 9) + 1}${firm.number.slice(1)}` : firm.number;
    return {
      name: unnumbered ? '合成個人事業主' : firm.name,
      corporateNumber: unnumbered ? null : number,
      address: firm.address,
      corporateKind: unnumbered ? '' : '301',
      total: contracts.reduce((total, contract) => total + contract.amount, 0),
      contracts,
    };
  }
}

/** The projects of a synthetic national review year, one at a time. */
export function nationalReviewYear(options: NationalYearOptions): Iterable<ReviewProjectModel> {
  return new NationalYear(options).projects();
}
