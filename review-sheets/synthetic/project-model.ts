/**
 * One project of a review year as the sheets describe it: organisation, overview, budget years, logic model,
 * the review's checks and the payees. Generators (a national year, the catalogue's programmes) build these;
 * the writer renders them in the published format. Values are what the project reports; how a value is written
 * (a dash for none, 長期 with or without its number, trailing spaces) is the project's writing style.
 */

export interface ProjectOrganisation {
  /** 府省庁の建制順: the ministry's place in the official order. */
  readonly ministryOrder: number;
  readonly policyMinistry: string;
  readonly ministry: string;
  readonly bureau: string;
  readonly department: string;
  readonly division: string;
  readonly office: string;
}

export interface ProjectOverview {
  readonly purpose: string;
  readonly issues: string;
  readonly summary: string;
  /** 事業区分, e.g. 前年度事業, 新規事業. */
  readonly category: string;
  readonly startYear: number | null;
  readonly endYear: number | null;
  /** 主要経費: 1-2 has one row per category. */
  readonly mainExpenses: readonly string[];
  /** 実施方法: which of 直接実施, 補助, 負担, 交付, 分担金・拠出金, その他 apply. */
  readonly methods: readonly ImplementationMethod[];
}

export type ImplementationMethod = '直接実施' | '補助' | '負担' | '交付' | '分担金・拠出金' | 'その他';

/** One account of a budget year (2-1 account row), in yen. */
export interface BudgetAccount {
  readonly section: '一般会計' | '特別会計';
  readonly account: string;
  readonly subAccount: string | null;
  readonly initial: number;
  readonly supplementary: number;
  readonly carriedIn: number;
  readonly reserve: number;
  readonly executed: number;
  readonly carriedOver: number;
  readonly nextYearRequest: number;
  readonly requested: number;
}

/** One budget year: the total row is the sum of its accounts. */
export interface BudgetYear {
  readonly year: number;
  readonly accounts: readonly BudgetAccount[];
  readonly increaseReason: string | null;
}

export type NodeKind = 'activity' | 'output' | 'outcome';
export type OutcomeTerm = 'short' | 'mid' | 'long';

/** Values by fiscal year (2007–2060): numbers, or text for a qualitative outcome. */
export type YearValues = Readonly<Record<number, number | string>>;

export interface NodeIndicator {
  readonly name: string;
  readonly unit: string | null;
  readonly direction: 'up' | 'down' | null;
  readonly dataSource: string | null;
  /** The year the 1.目標年度 row flags with a 1; null when the sheet names none. */
  readonly targetYear: number | null;
  readonly targets: YearValues;
  readonly actuals: YearValues;
  /** 4.達成率 as the sheet reports it, in %. */
  readonly achievements: YearValues;
}

export interface LogicNode {
  readonly kind: NodeKind;
  /** アクティビティ 1xx, アウトプット 2xx, アウトカム 3xx–5xx. */
  readonly number: number;
  readonly term: OutcomeTerm | null;
  /** A qualitative outcome (定性的): its result is text. */
  readonly qualitative: boolean;
  readonly goal: string;
  readonly qualitativeReason: string | null;
  readonly qualitativeResult: string | null;
  /** None for an activity; one or more for an output or outcome. */
  readonly indicators: readonly NodeIndicator[];
}

export interface LogicEdge {
  readonly from: { readonly kind: NodeKind; readonly number: number };
  readonly to: { readonly kind: NodeKind; readonly number: number };
  readonly rationale: string | null;
}

export interface ReviewCheck {
  readonly selfCheck: string;
  readonly improvementDirection: string | null;
  readonly externalReviewYear: number | null;
  readonly externalReviewFindings: string | null;
  readonly teamFinding: string;
  readonly teamFindingDetail: string | null;
  readonly reflection: string;
  readonly reflectedGeneralAccountYen: number | null;
}

export interface Contract {
  readonly summary: string;
  readonly amount: number;
  readonly method: string;
  readonly bidders: number;
  /** 落札率 in %. */
  readonly winningRate: number;
}

export interface Payee {
  readonly name: string;
  /** As written: may fail its check digit. */
  readonly corporateNumber: string | null;
  readonly address: string;
  /** 法人種別 code, e.g. 301 for a 株式会社. */
  readonly corporateKind: string;
  readonly total: number;
  readonly contracts: readonly Contract[];
  /** The row その他 (その他支出先 TRUE): the payees not listed by name, in one sum. */
  readonly other?: boolean;
}

export interface PayeeBlock {
  /** 支出先ブロック番号: A, B, … */
  readonly letter: string;
  readonly name: string;
  readonly role: string;
  readonly payees: readonly Payee[];
  /** 支出先の数: the payees' rows when absent; more when one row その他 carries the rest. */
  readonly payeeCount?: number;
}

/** How this project's sheet happens to be written: each choice is one the published files show. */
export interface WritingStyle {
  /** 3.長期 (true) or 長期. */
  readonly numberedOutcomeTerms: boolean;
  /** What is written where a free-text field has nothing: '' or a dash (-, ー, －, --, ｰ, ―, ‐). */
  readonly noneMark: string;
  /** 5-1 numbers and 法人番号 followed by a space, as the national files have them. */
  readonly trailingSpaces: boolean;
}

export interface ReviewProjectModel {
  readonly projectId: number;
  readonly name: string;
  readonly organisation: ProjectOrganisation;
  readonly overview: ProjectOverview;
  readonly budgetYears: readonly BudgetYear[];
  readonly nodes: readonly LogicNode[];
  readonly edges: readonly LogicEdge[];
  readonly check: ReviewCheck;
  readonly blocks: readonly PayeeBlock[];
  readonly style: WritingStyle;
}
