/**
 * One mapping per loaded table: from a record's cells (by published column name) to the row stored in core.
 * The whole record is kept beside it (record), so no published column is lost.
 */
import { numberCell, presentText } from './cell-values.js';
import type { ReviewTable } from './published-headers.js';
import { amount, corporateNumber, flag, mapWith, projectKey, RecordProblem, text, tooLongNumber, wholeNumber, type Cells, type Mapped } from './records.js';
import { YearValues } from './year-values.js';

/**
 * The fiscal-year cells (2007–2060) of a record, kept out of its cells by name: numeric keys would make each
 * record's object a sparse array, which at 118,000 records of 3-1 cost more than the rest of the load.
 */
export interface FiscalYearCells {
  readonly columns: readonly string[];
  /** Where each column is in the record. */
  readonly indexes: readonly number[];
  readonly record: readonly string[];
  /** The columns are years in ascending order, as published (columnsInKeyOrder): a row's JSON is then written directly. */
  readonly inKeyOrder: boolean;
}


// Maps, not object literals: a cell holding "constructor" or "toString" would find what every object inherits.
const ROW_KINDS = new Map([
  ['1.目標年度', 'target_year'],
  ['2.目標値', 'target'],
  ['3.実績値', 'actual'],
  ['4.達成率', 'achievement'],
]);
const NODE_KINDS = new Map([
  ['アクティビティ', 'activity'],
  ['アウトプット', 'output'],
  ['アウトカム', 'outcome'],
]);
const OUTCOME_TERMS = new Map([
  ['短期', 'short'],
  ['中期', 'mid'],
  ['長期', 'long'],
]);
const DIRECTIONS = new Map([
  ['上がると良い指標', 'up'],
  ['下がると良い指標', 'down'],
]);

function nodeKind(value: string | null, column: string): string | null {
  if (value === null) return null;
  const kind = NODE_KINDS.get(value);
  if (!kind) throw new RecordProblem(`${column} "${value}" is none of アクティビティ, アウトプット, アウトカム`);
  return kind;
}

/** 1.短期 / 2.中期 / 3.長期, the number sometimes left out. */
function outcomeTerm(value: string | null, column: string): string | null {
  if (value === null) return null;
  const term = OUTCOME_TERMS.get(value.replace(/^\d\s*[.．]\s*/, ''));
  if (!term) throw new RecordProblem(`${column} "${value}" is none of 短期, 中期, 長期`);
  return term;
}

/*
 * Each row is one object literal with no spread: V8 then builds it from a fixed shape at once, where spreading the
 * key into it added its properties one by one (a third of the mapping's time at a national year).
 */

function project(cells: Cells, reviewYear: number): Mapped {
  return mapWith(() => ({
    review_year: reviewYear,
    project_id: projectKey(cells, reviewYear),
    project_name: text(cells, '事業名'),
    ministry: text(cells, '府省庁'),
    policy_ministry: text(cells, '政策所管府省庁'),
    bureau: text(cells, '局・庁'),
    department: text(cells, '部'),
    division: text(cells, '課'),
    purpose: text(cells, '事業の目的'),
    project_category: text(cells, '事業区分'),
    start_year: wholeNumber(cells, '事業開始年度'),
    end_year: wholeNumber(cells, '事業終了（予定）年度'),
    no_end_planned: flag(cells, '終了予定なし'),
    main_expense: text(cells, '主要経費'),
  }));
}

/** 2-1: a total row (会計区分 empty, …（合計） filled) or an account row (会計区分 filled); both are kept, apart. */
function budget(cells: Cells, reviewYear: number): Mapped {
  return mapWith(() => {
    const accountSection = text(cells, '会計区分');
    const isTotal = accountSection === null;
    return {
      review_year: reviewYear,
      project_id: projectKey(cells, reviewYear),
      budget_year: wholeNumber(cells, '予算年度'),
      is_total: isTotal,
      account_section: accountSection,
      account: text(cells, '会計'),
      sub_account: text(cells, '勘定'),
      initial_budget_yen: amount(cells, isTotal ? '当初予算（合計）' : '当初予算'),
      supplementary_yen: isTotal ? amount(cells, '補正予算（合計）') : null,
      carried_in_yen: amount(cells, isTotal ? '前年度からの繰越し（合計）' : '前年度から繰越し'),
      reserve_yen: isTotal ? amount(cells, '予備費等（合計）') : null,
      current_budget_yen: amount(cells, isTotal ? '計（歳出予算現額合計）' : '歳出予算現額'),
      executed_yen: amount(cells, isTotal ? '執行額（合計）' : '執行額'),
      execution_rate_reported: isTotal ? amount(cells, '執行率') : null,
      carried_over_yen: isTotal ? amount(cells, '翌年度への繰越し(合計）') : null,
      next_year_request_yen: amount(cells, isTotal ? '翌年度要求額（合計）' : '翌年度要求額'),
    };
  });
}

/**
 * 3-1: an activity in one row; each output/outcome indicator in four rows (1.目標年度 with a 1 in the target
 * year's column, 2.目標値, 3.実績値, 4.達成率). indicator_seq tells apart several indicators of one node number: a new
 * 1.目標年度 row starts the next one. A node is its kind, outcome term and number: the numbers restart per kind and,
 * for outcomes, per term (アウトカム 1 短期 and アウトカム 1 長期 are two nodes; their indicators get seq 1 and 2).
 */
function indicatorRow(cells: Cells, reviewYear: number, years: FiscalYearCells, sequence: IndicatorSequence, openings: NodeOpenings): Mapped {
  return mapWith(() => {
    const projectId = projectKey(cells, reviewYear);
    const node = wholeNumber(cells, 'アクティビティ・アウトプット・アウトカムの番号');
    if (node === null) throw new RecordProblem('アクティビティ・アウトプット・アウトカムの番号 is empty');
    const label = text(cells, '目標年度／目標値／実績値／達成率');
    const rowKind = label === null ? null : (ROW_KINDS.get(label) ?? ROW_KINDS.get(label.replace(/\s/g, '')));
    if (label !== null && !rowKind) throw new RecordProblem(`目標年度／目標値／実績値／達成率 "${label}" is none of 1.目標年度, 2.目標値, 3.実績値, 4.達成率`);
    const kind = nodeKind(text(cells, '種別（アクティビティ・アウトプット・アウトカム）'), '種別（アクティビティ・アウトプット・アウトカム）');
    const yearValues = new YearValues(years.inKeyOrder);
    for (let k = 0; k < years.columns.length; k++) {
      const column = years.columns[k];
      const cell = years.record[years.indexes[k]];
      if (cell === '' || cell === undefined) continue;
      // Numbers are normalised (trailing spaces, 95.0 → 95); qualitative text is kept as published.
      const number = numberCell(cell);
      // Kept as text, a number too long for numeric would fail every refresh of the views that cast it.
      if (!number.ok && number.tooLong) throw new RecordProblem(tooLongNumber(column, number.text));
      const value = number.ok ? number.value : presentText(cell);
      if (value !== null) yearValues.set(column, value);
    }
    const type = text(cells, '成果目標の種類');
    const direction = text(cells, '改善の上向き／下向き');
    // Before the indicator is numbered: a row refused for its term must not count as one of its node's rows.
    const term = outcomeTerm(text(cells, 'アウトカムの期間'), 'アウトカムの期間');
    const row = {
      review_year: reviewYear,
      project_id: projectId,
      node_number: node,
      indicator_seq: sequence.next(projectId, kind, node, rowKind),
      row_kind: rowKind ?? null,
      node_kind: kind,
      outcome_term: term,
      qualitative: type === null ? null : type === '定性的',
      goal: text(cells, 'アクティビティ／活動目標／成果目標'),
      indicator_name: text(cells, '活動指標／成果指標'),
      unit: text(cells, '単位'),
      direction: direction === null ? null : (DIRECTIONS.get(direction) ?? direction),
      data_source: text(cells, '成果実績及び目標値の根拠として用いた統計・データ名（出典）'),
      qualitative_reason: text(cells, '定性的なアウトカム目標を設定している理由'),
      qualitative_result: text(cells, '定性的なアウトカムに関する成果実績'),
      year_values: yearValues,
      opens_node: false,
    };
    // Last, once nothing can refuse the row: a node is opened by its first row stored.
    row.opens_node = openings.opens(projectId, kind, term, node);
    return row;
  });
}

/**
 * Marks the first row of each node (project, kind, outcome term, number) in file order, activities included:
 * bi.review_logic_model_nodes shows that row of each node of the files in force (migration 0048), as 0030's view
 * found it by sorting every 3-1 row. Rows of no kind open no node.
 */
export class NodeOpenings {
  private readonly opened = new Set<string>();
  /** The node of the row before: a node's rows come one after another in the published files. */
  private last: { readonly projectId: number; readonly kind: string; readonly term: string | null; readonly node: number } | null = null;

  opens(projectId: number, kind: string | null, term: string | null, node: number): boolean {
    if (kind === null) return false;
    const last = this.last;
    if (last !== null && last.node === node && last.projectId === projectId && last.kind === kind && last.term === term) return false;
    this.last = { projectId, kind, term, node };
    // No term is '' here: the terms are short, mid and long, so a node without one stays apart from every term.
    const key = `${projectId}\t${kind}\t${term ?? ''}\t${node}`;
    if (this.opened.has(key)) return false;
    this.opened.add(key);
    return true;
  }
}

/** Numbers the indicators of each node in file order. */
export class IndicatorSequence {
  private readonly counts = new Map<string, { count: number }>();
  /** The node of the row before, and its count: a node's rows come one after another in the published files. */
  private last: { readonly projectId: number; readonly kind: string | null; readonly node: number; readonly counted: { count: number } } | null = null;

  next(projectId: number, kind: string | null, node: number, rowKind: string | undefined | null): number {
    let counted: { count: number };
    const last = this.last;
    if (last !== null && last.node === node && last.projectId === projectId && last.kind === kind) counted = last.counted;
    else {
      // Node numbers restart per kind (activity 1, output 1, outcome 1 are three nodes).
      const key = `${projectId}:${kind ?? ''}:${node}`;
      counted = this.counts.get(key) ?? { count: 0 };
      this.counts.set(key, counted);
      this.last = { projectId, kind, node, counted };
    }
    if (rowKind === 'target_year' || counted.count === 0) counted.count++;
    return counted.count;
  }
}

function edge(cells: Cells, reviewYear: number): Mapped {
  return mapWith(() => {
    const from = wholeNumber(cells, '派生元ーアクティビティ・アウトプット・アウトカムの番号');
    const to = wholeNumber(cells, '派生先ーアクティビティ・アウトプット・アウトカムの番号');
    if (from === null || to === null) throw new RecordProblem('an edge needs both 派生元 and 派生先 node numbers');
    return {
      review_year: reviewYear,
      project_id: projectKey(cells, reviewYear),
      from_node: from,
      to_node: to,
      from_kind: nodeKind(text(cells, '派生元ー種別（アクティビティ・アウトプット・アウトカム）'), '派生元ー種別'),
      to_kind: nodeKind(text(cells, '派生先ー種別（アクティビティ・アウトプット・アウトカム）'), '派生先ー種別'),
      rationale: text(cells, '後続アウトカムへのつながり'),
      // Outcome numbers restart per term: the term is part of the node (アウトカム 1 短期 → アウトカム 1 長期).
      from_term: outcomeTerm(text(cells, '派生元ーアウトカムの期間'), '派生元ーアウトカムの期間'),
      to_term: outcomeTerm(text(cells, '派生先ーアウトカムの期間'), '派生先ーアウトカムの期間'),
    };
  });
}

function review(cells: Cells, reviewYear: number): Mapped {
  return mapWith(() => ({
    review_year: reviewYear,
    project_id: projectKey(cells, reviewYear),
    self_check_result: text(cells, '事業所管部局による点検・改善ー点検結果'),
    improvement_direction: text(cells, '事業所管部局による点検・改善ー改善の方向性'),
    external_review_year: wholeNumber(cells, '外部有識者による点検ー最終実施年度'),
    external_review_findings: text(cells, '外部有識者による点検ー所見'),
    team_finding: text(cells, '行政事業レビュー推進チームの所見'),
    team_finding_detail: text(cells, '行政事業レビュー推進チームの所見の詳細'),
    reflection: text(cells, '所見を踏まえた改善点／概算要求における反映状況'),
    reflected_general_account_yen: amount(cells, '反映額（一般会計）'),
  }));
}

/**
 * 5-1 flattens three levels: a block row (ブロックの合計支出額), a payee row (支出先の合計支出額, 法人番号) and contract
 * rows (金額). Each amount belongs to its level only, so that money is counted once per level.
 */
function payee(cells: Cells, reviewYear: number): Mapped {
  return mapWith(() => {
    const blockTotal = amount(cells, 'ブロックの合計支出額');
    const payeeTotal = amount(cells, '支出先の合計支出額');
    const contractAmount = amount(cells, '金額');
    const level =
      blockTotal !== null || text(cells, '支出先ブロック名') !== null ? 'block'
      : payeeTotal !== null ? 'payee'
      : contractAmount !== null || text(cells, '契約概要') !== null ? 'contract'
      : text(cells, '支出先名') !== null ? 'payee'
      : null;
    if (level === null) throw new RecordProblem('the row has no block, payee or contract: no block name, payee name, contract or amount');
    const corporate = corporateNumber(cells, '法人番号');
    return {
      review_year: reviewYear,
      project_id: projectKey(cells, reviewYear),
      level,
      block_number: text(cells, '支出先ブロック番号'),
      block_name: text(cells, '支出先ブロック名'),
      block_total_yen: blockTotal,
      payee_name: text(cells, '支出先名'),
      corporate_number: corporate.value,
      corporate_number_valid: corporate.valid,
      payee_total_yen: payeeTotal,
      contract_summary: text(cells, '契約概要'),
      contract_yen: contractAmount,
    };
  });
}

export interface TableMapping {
  /** Fresh per file: 3-1 numbers indicators in file order. */
  map(cells: Cells, reviewYear: number, years: FiscalYearCells): Mapped;
}

export function mappingFor(table: ReviewTable): TableMapping {
  switch (table) {
    case '1-2': return { map: project };
    case '2-1': return { map: budget };
    case '3-1': {
      const sequence = new IndicatorSequence();
      const openings = new NodeOpenings();
      return { map: (cells, year, years) => indicatorRow(cells, year, years, sequence, openings) };
    }
    case '3-2': return { map: edge };
    case '4-1': return { map: review };
    case '5-1': return { map: payee };
  }
}
