/**
 * A project model as the records of each published table, cell by published column: how the RS system writes
 * them (the 13 key columns, four rows per indicator with a 1 flagging the target year, a total row above the
 * account rows, block → payee → contract rows) and the project's writing style (dashes for none, 長期 with or
 * without its number, trailing spaces, 翌年度要求額（合計） with a decimal point).
 */
import { PUBLISHED_HEADERS, type ReviewTable } from '../published-headers.js';
import type { BudgetAccount, BudgetYear, LogicNode, NodeKind, OutcomeTerm, ReviewProjectModel, YearValues } from './project-model.js';

type Cells = Record<string, string>;

const KIND_LABELS: Record<NodeKind, string> = { activity: 'アクティビティ', output: 'アウトプット', outcome: 'アウトカム' };
const TERM_LABELS: Record<OutcomeTerm, readonly [string, string]> = { short: ['1.短期', '短期'], mid: ['2.中期', '中期'], long: ['3.長期', '長期'] };
const DIRECTION_LABELS = { up: '上がると良い指標', down: '下がると良い指標' } as const;
const ROW_LABELS = ['1.目標年度', '2.目標値', '3.実績値', '4.達成率'] as const;
const IMPLEMENTATION_COLUMNS = ['直接実施', '補助', '負担', '交付', '分担金・拠出金', 'その他'] as const;

/** A number as the sheets write it: whole numbers plain, others with at most five decimals. */
export function publishedNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(5).replace(/\.?0+$/, '');
}

function keyCells(project: ReviewProjectModel, reviewYear: number): Cells {
  const o = project.organisation;
  return {
    シート種別: 'レビューシート',
    事業年度: String(reviewYear),
    予算事業ID: String(project.projectId),
    事業名: project.name,
    府省庁の建制順: String(o.ministryOrder),
    政策所管府省庁: o.policyMinistry,
    府省庁: o.ministry,
    '局・庁': o.bureau,
    部: o.department,
    課: o.division,
    室: o.office,
  };
}

function inOrder(table: ReviewTable, cells: Cells): string[] {
  return PUBLISHED_HEADERS[table].map((column) => cells[column] ?? '');
}

function sum(accounts: readonly BudgetAccount[], pick: (account: BudgetAccount) => number): number {
  return accounts.reduce((total, account) => total + pick(account), 0);
}

const current = (a: BudgetAccount) => a.initial + a.supplementary + a.carriedIn + a.reserve;

/** 1-2: one record per 主要経費. */
export function overviewRecords(project: ReviewProjectModel, reviewYear: number): string[][] {
  const v = project.overview;
  const none = project.style.noneMark;
  return v.mainExpenses.map((expense) =>
    inOrder('1-2', {
      ...keyCells(project, reviewYear),
      事業の目的: v.purpose,
      '現状・課題': v.issues,
      事業の概要: v.summary,
      事業概要URL: none,
      事業区分: v.category,
      事業開始年度: v.startYear === null ? '' : String(v.startYear),
      開始年度不明: v.startYear === null ? 'TRUE' : 'FALSE',
      '事業終了（予定）年度': v.endYear === null ? '' : String(v.endYear),
      終了予定なし: v.endYear === null ? 'TRUE' : 'FALSE',
      主要経費: expense,
      備考: none,
      ...Object.fromEntries(IMPLEMENTATION_COLUMNS.map((method) => [`実施方法ー${method}`, v.methods.includes(method) ? '1' : ''])),
    }),
  );
}

function budgetTotal(project: ReviewProjectModel, reviewYear: number, year: BudgetYear): string[] {
  const accounts = year.accounts;
  const currentTotal = sum(accounts, current);
  const executed = sum(accounts, (a) => a.executed);
  return inOrder('2-1', {
    ...keyCells(project, reviewYear),
    予算年度: String(year.year),
    '当初予算（合計）': String(sum(accounts, (a) => a.initial)),
    '補正予算（合計）': String(sum(accounts, (a) => a.supplementary)),
    '前年度からの繰越し（合計）': String(sum(accounts, (a) => a.carriedIn)),
    '予備費等（合計）': String(sum(accounts, (a) => a.reserve)),
    '計（歳出予算現額合計）': String(currentTotal),
    '執行額（合計）': String(executed),
    執行率: year.year < reviewYear && currentTotal > 0 ? publishedNumber(Math.round((executed / currentTotal) * 1e5) / 1e5) : '',
    '翌年度への繰越し(合計）': String(sum(accounts, (a) => a.carriedOver)),
    // As published: always with a decimal point (34482000.0).
    '翌年度要求額（合計）': `${sum(accounts, (a) => a.nextYearRequest)}.0`,
    主な増減理由: year.increaseReason ?? project.style.noneMark,
  });
}

function budgetAccount(project: ReviewProjectModel, reviewYear: number, year: number, account: BudgetAccount): string[] {
  return inOrder('2-1', {
    ...keyCells(project, reviewYear),
    予算年度: String(year),
    会計区分: account.section,
    会計: account.account,
    勘定: account.subAccount ?? '',
    当初予算: String(account.initial),
    第1次補正予算: String(account.supplementary),
    ...Object.fromEntries([2, 3, 4, 5].map((n) => [`第${n}次補正予算`, '0'])),
    前年度から繰越し: String(account.carriedIn),
    予備費等1: String(account.reserve),
    予備費等2: '0',
    予備費等3: '0',
    予備費等4: '0',
    歳出予算現額: String(current(account)),
    執行額: String(account.executed),
    翌年度要求額: String(account.nextYearRequest),
    要望額: String(account.requested),
  });
}

/** 2-1: per budget year, the total row, then one row per account. */
export function budgetRecords(project: ReviewProjectModel, reviewYear: number): string[][] {
  return project.budgetYears.flatMap((year) => [budgetTotal(project, reviewYear, year), ...year.accounts.map((account) => budgetAccount(project, reviewYear, year.year, account))]);
}

function nodeCells(project: ReviewProjectModel, node: LogicNode): Cells {
  const style = project.style;
  return {
    'アクティビティ・アウトプット・アウトカムの番号': String(node.number),
    '種別（アクティビティ・アウトプット・アウトカム）': KIND_LABELS[node.kind],
    アウトカムの期間: node.term ? TERM_LABELS[node.term][style.numberedOutcomeTerms ? 0 : 1] : '',
    成果目標の種類: node.kind === 'outcome' ? (node.qualitative ? '定性的' : '定量的') : '',
    'アクティビティ／活動目標／成果目標': node.goal,
  };
}

function yearCells(values: YearValues): Cells {
  return Object.fromEntries(Object.entries(values).map(([year, value]) => [year, typeof value === 'number' ? publishedNumber(value) : value]));
}

/** 3-1: an activity in one record; each indicator of an output or outcome in four. */
export function indicatorRecords(project: ReviewProjectModel, reviewYear: number): string[][] {
  const key = keyCells(project, reviewYear);
  const none = project.style.noneMark;
  return project.nodes.flatMap((node) => {
    const common = { ...key, ...nodeCells(project, node) };
    if (node.kind === 'activity') return [inOrder('3-1', common)];
    return node.indicators.flatMap((indicator) => {
      const described = {
        ...common,
        '活動指標／成果指標': indicator.name,
        単位: indicator.unit ?? none,
        '改善の上向き／下向き': indicator.direction ? DIRECTION_LABELS[indicator.direction] : '',
        '成果実績及び目標値の根拠として用いた統計・データ名（出典）': indicator.dataSource ?? '',
        定性的なアウトカム目標を設定している理由: node.qualitativeReason ?? '',
        定性的なアウトカムに関する成果実績: node.qualitativeResult ?? '',
      };
      const values = [indicator.targetYear === null ? {} : { [indicator.targetYear]: '1' }, yearCells(indicator.targets), yearCells(indicator.actuals), yearCells(indicator.achievements)];
      return ROW_LABELS.map((label, index) => inOrder('3-1', { ...described, '目標年度／目標値／実績値／達成率': label, ...values[index] }));
    });
  });
}

/** 3-2: one record per edge of the logic model. */
export function edgeRecords(project: ReviewProjectModel, reviewYear: number): string[][] {
  const key = keyCells(project, reviewYear);
  const nodes = new Map(project.nodes.map((node) => [`${node.kind}:${node.number}`, node]));
  const style = project.style;
  return project.edges.map((edge) => {
    const from = nodes.get(`${edge.from.kind}:${edge.from.number}`)!;
    const to = nodes.get(`${edge.to.kind}:${edge.to.number}`)!;
    const term = (node: LogicNode) => (node.term ? TERM_LABELS[node.term][style.numberedOutcomeTerms ? 0 : 1] : '');
    return inOrder('3-2', {
      ...key,
      '派生元ーアクティビティ・アウトプット・アウトカムの番号': String(from.number),
      '派生元ー種別（アクティビティ・アウトプット・アウトカム）': KIND_LABELS[from.kind],
      派生元ーアウトカムの期間: term(from),
      '派生元ーアクティビティの内容/ 活動目標／成果目標': from.goal,
      '派生元ー活動指標／成果指標': from.indicators[0]?.name ?? '',
      '派生先ーアクティビティ・アウトプット・アウトカムの番号': String(to.number),
      '派生先ー種別（アクティビティ・アウトプット・アウトカム）': KIND_LABELS[to.kind],
      派生先ーアウトカムの期間: term(to),
      '派生先ー 活動目標／成果目標': to.goal,
      '派生先ー活動指標／成果指標': to.indicators[0]?.name ?? '',
      後続アウトカムへのつながり: edge.rationale ?? style.noneMark,
    });
  });
}

/** 4-1: one record per project. */
export function checkRecords(project: ReviewProjectModel, reviewYear: number): string[][] {
  const c = project.check;
  const none = project.style.noneMark;
  return [
    inOrder('4-1', {
      ...keyCells(project, reviewYear),
      '事業所管部局による点検・改善ー点検結果': c.selfCheck,
      '事業所管部局による点検・改善ー改善の方向性': c.improvementDirection ?? none,
      '外部有識者による点検ー最終実施年度': c.externalReviewYear === null ? '' : String(c.externalReviewYear),
      '外部有識者による点検ー点検対象': c.externalReviewYear === null ? '外部有識者による点検対象外' : '書面点検',
      '外部有識者による点検ー所見': c.externalReviewFindings ?? none,
      行政事業レビュー推進チームの所見: c.teamFinding,
      行政事業レビュー推進チームの所見の詳細: c.teamFindingDetail ?? none,
      '所見を踏まえた改善点／概算要求における反映状況': c.reflection,
      '反映額（一般会計）': c.reflectedGeneralAccountYen === null ? '' : String(c.reflectedGeneralAccountYen),
    }),
  ];
}

/** 5-1: per block its row, then per payee its row and its contracts' rows. */
export function payeeRecords(project: ReviewProjectModel, reviewYear: number): string[][] {
  const key = keyCells(project, reviewYear);
  const space = project.style.trailingSpaces ? ' ' : '';
  const records: string[][] = [];
  for (const block of project.blocks) {
    const blockTotal = block.payees.reduce((total, payee) => total + payee.total, 0);
    records.push(inOrder('5-1', { ...key, 支出先ブロック番号: block.letter, 支出先ブロック名: block.name, 支出先の数: String(block.payeeCount ?? block.payees.length), 事業を行う上での役割: block.role, ブロックの合計支出額: `${blockTotal}${space}` }));
    for (const payee of block.payees) {
      const payeeCells = {
        ...key,
        支出先ブロック番号: block.letter,
        支出先名: payee.name,
        法人番号: payee.corporateNumber === null ? '' : `${payee.corporateNumber}${space}`,
        所在地: payee.address,
        法人種別: payee.corporateKind,
        その他支出先: payee.other ? 'TRUE' : 'FALSE',
      };
      records.push(inOrder('5-1', { ...payeeCells, 支出先の合計支出額: `${payee.total}${space}` }));
      for (const contract of payee.contracts) {
        records.push(
          inOrder('5-1', {
            ...payeeCells,
            契約概要: contract.summary,
            金額: `${contract.amount}${space}`,
            契約方式等: contract.method,
            入札者数: String(contract.bidders),
            落札率: publishedNumber(contract.winningRate),
            その他の契約: 'FALSE',
          }),
        );
      }
    }
  }
  return records;
}

/** The records of each written table for one project. */
export const RECORDS_OF_TABLE = {
  '1-2': overviewRecords,
  '2-1': budgetRecords,
  '3-1': indicatorRecords,
  '3-2': edgeRecords,
  '4-1': checkRecords,
  '5-1': payeeRecords,
} as const satisfies Record<ReviewTable, (project: ReviewProjectModel, reviewYear: number) => string[][]>;
