/**
 * A programme's own published review sheets, read from the bi.review_* views: for each project it names
 * (reviewSheetProjects), the latest review year loaded, with its logic model (nodes and edges), its indicators'
 * targets and actuals by fiscal year, its budget and execution by budget year, what ebpm's checks found in it
 * (bi.review_findings) and its largest payees (bi.review_payees, the payee level). Numbers stay the decimal text
 * the views hold (numeric read as text), so nothing is rounded on the way: 0.6 stays 0.6, 291.66667 stays so.
 */
import { sql, type Kysely } from 'kysely';
import type { Programme } from '../../programmes/catalogue.js';
import type { Database } from '../../sql/database.js';
import { combinedOrigins, PUBLISHED_ONLY, type ReviewSheetOrigins } from '../../review-sheets/attribution.js';
import { readProjectSheet, type SheetBudgetYear, type SheetFinding, type YearValue } from '../../review-sheets/project-sheet.js';

export type NodeKind = 'activity' | 'output' | 'outcome';
export type OutcomeTerm = 'short' | 'mid' | 'long';

export interface SheetNode {
  readonly kind: NodeKind;
  readonly number: number;
  readonly term: OutcomeTerm | null;
  readonly goal: string | null;
}

/** One fiscal year of an indicator: numbers as the view's decimal text (unrounded), the cells as published beside them. */
export type SheetIndicatorYear = YearValue;

export interface SheetIndicator {
  readonly projectId: number;
  readonly kind: 'output' | 'outcome';
  readonly nodeNumber: number;
  /**
   * Which indicator of the node number, in file order, as the loader numbers it and a catalogue's reviewSheetIndicator
   * without a term refers to it: counted across an outcome number's terms (アウトカム2 短期's indicator 1, アウトカム2
   * 長期's 2). A reference with a term counts the node's own indicators (ordinalInNode).
   */
  readonly seq: number;
  /** Which of its own node's indicators (the node being kind, term and number), and how many the node has: what labels show. */
  readonly ordinalInNode: number;
  readonly indicatorsOfNode: number;
  readonly term: OutcomeTerm | null;
  readonly qualitative: boolean | null;
  readonly name: string | null;
  readonly unit: string | null;
  readonly direction: string | null;
  /** A qualitative outcome's result as published (定性的なアウトカムに関する成果実績): text, where it has no yearly values. */
  readonly qualitativeResult: string | null;
  readonly years: readonly SheetIndicatorYear[];
}

export interface SheetEdge {
  readonly fromKind: NodeKind | null;
  readonly fromNode: number;
  /** Outcome numbers restart per term, so an outcome end is named by its term too (null for other kinds). */
  readonly fromTerm: OutcomeTerm | null;
  readonly toKind: NodeKind | null;
  readonly toNode: number;
  readonly toTerm: OutcomeTerm | null;
  readonly rationale: string | null;
}

/** One budget year's total row, as `review-sheets show` reads it: amounts in yen as decimal text, rates as ratios (1 = 100 %). */
export type { SheetBudgetYear } from '../../review-sheets/project-sheet.js';

export interface ReviewSheetProject {
  readonly projectId: number;
  readonly reviewYear: number;
  readonly name: string | null;
  readonly ministry: string | null;
  readonly bureau: string | null;
  readonly department: string | null;
  readonly division: string | null;
  readonly nodes: readonly SheetNode[];
  readonly edges: readonly SheetEdge[];
  readonly indicators: readonly SheetIndicator[];
  readonly budget: readonly SheetBudgetYear[];
  /** What bi.review_findings found in this project's sheet, in check order. */
  readonly findings: readonly SheetFinding[];
  readonly payees: SheetPayees;
  /** Earlier review years loaded for the project (latest first): the report shows the latest, and says these exist. */
  readonly earlierReviewYears: readonly number[];
  /** Whether its review year's files are the RS system's or synthetic (`ebpm generate`'s). */
  readonly origins: ReviewSheetOrigins;
}

/** A payee of 5-1 at the payee level (its contracts are already summed in its total, so nothing is counted twice). */
export interface SheetPayee {
  readonly blockNumber: string | null;
  readonly blockName: string | null;
  readonly payeeName: string | null;
  readonly corporateNumber: string | null;
  readonly corporateNumberValid: boolean | null;
  /** Yen as decimal text. */
  readonly totalYen: string | null;
}

export interface SheetPayees {
  /** Payees listed in 5-1, and the sum of their totals in yen (decimal text; null when none has a total). */
  readonly count: number;
  readonly totalYen: string | null;
  /** The largest payees by total, at most LARGEST_PAYEES. */
  readonly largest: readonly SheetPayee[];
}

/** How many payees the report lists by name; the count and the sum cover them all. */
export const LARGEST_PAYEES = 10;

export interface ReviewSheetData {
  /** The 予算事業IDs the catalogue names, in its order. */
  readonly named: readonly number[];
  /** The named projects with any sheet loaded, in the catalogue's order. */
  readonly projects: readonly ReviewSheetProject[];
  /** The named projects with nothing loaded. */
  readonly notLoaded: readonly number[];
  /** What the projects shown were read from: the section's source line cites the RS system, says synthetic, or both. */
  readonly origins: ReviewSheetOrigins;
}

const KIND_ORDER: Record<NodeKind, number> = { activity: 0, output: 1, outcome: 2 };

/** The review years each project has rows for, in any of the views, latest first. */
async function loadedReviewYears(db: Kysely<Database>, projectIds: readonly number[]): Promise<Map<number, number[]>> {
  const { rows } = await sql<{ project_id: number; review_years: number[] }>`
    SELECT project_id, array_agg(DISTINCT review_year ORDER BY review_year DESC)::integer[] AS review_years FROM (
      SELECT project_id, review_year FROM bi.review_projects
      UNION ALL SELECT project_id, review_year FROM bi.review_logic_model_nodes
      UNION ALL SELECT project_id, review_year FROM bi.review_logic_model_edges
      UNION ALL SELECT project_id, review_year FROM bi.review_budget_execution
    ) years WHERE project_id = ANY(${[...projectIds]}::integer[]) GROUP BY project_id`.execute(db);
  return new Map(rows.map((row) => [row.project_id, row.review_years]));
}

/**
 * The report's view of one project's sheet: the nodes, every output and outcome indicator (flat, in the model's order) and the
 * edges and budget, as review-sheets/project-sheet.ts reads them for `review-sheets show`.
 */
async function readProject(db: Kysely<Database>, projectId: number, reviewYear: number): Promise<Omit<ReviewSheetProject, 'earlierReviewYears'>> {
  const sheet = await readProjectSheet(db, projectId, reviewYear);
  const term = (kind: NodeKind, value: string | null): OutcomeTerm | null => (kind === 'outcome' ? (value as OutcomeTerm | null) : null);
  const indicators: SheetIndicator[] = sheet.nodes.flatMap((node) =>
    node.kind === 'activity'
      ? []
      : node.indicators
          // Every indicator of the sheet, also one with no yearly value (a qualitative outcome may state its result in
          // text only, an indicator may have no value published yet): the page says so, and a catalogue reference to it
          // finds it.
          .map((indicator, index, all) => ({
            projectId, kind: node.kind as 'output' | 'outcome', nodeNumber: node.number, seq: indicator.seq,
            ordinalInNode: index + 1, indicatorsOfNode: all.length, term: term(node.kind, node.term),
            qualitative: indicator.qualitative, name: indicator.name, unit: indicator.unit, direction: indicator.direction,
            qualitativeResult: indicator.qualitativeResult, years: indicator.values,
          })),
  );
  return {
    projectId,
    reviewYear,
    name: sheet.projectName,
    ministry: sheet.ministry,
    bureau: sheet.bureau,
    department: sheet.department,
    division: sheet.division,
    nodes: sheet.nodes
      .map((node) => ({ kind: node.kind, number: node.number, term: term(node.kind, node.term), goal: node.goal }))
      .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.number - b.number),
    edges: sheet.edges.map((edge) => ({ ...edge, fromTerm: term(edge.fromKind, edge.fromTerm), toTerm: term(edge.toKind, edge.toTerm) })),
    indicators: indicators.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.nodeNumber - b.nodeNumber || a.seq - b.seq),
    budget: sheet.budget,
    findings: sheet.findings,
    payees: await readPayees(db, projectId, reviewYear),
    origins: sheet.origins,
  };
}

async function readPayees(db: Kysely<Database>, projectId: number, reviewYear: number): Promise<SheetPayees> {
  const [summary, largest] = await Promise.all([
    sql<{ payees: number; total_yen: string | null }>`
      SELECT count(*)::integer AS payees, sum(payee_total_yen)::text AS total_yen
        FROM bi.review_payees WHERE review_year = ${reviewYear} AND project_id = ${projectId}`.execute(db),
    sql<{ block_number: string | null; block_name: string | null; payee_name: string | null; corporate_number: string | null; corporate_number_valid: boolean | null; total_yen: string | null }>`
      SELECT block_number, block_name, payee_name, corporate_number, corporate_number_valid, payee_total_yen::text AS total_yen
        FROM bi.review_payees WHERE review_year = ${reviewYear} AND project_id = ${projectId}
       ORDER BY payee_total_yen DESC NULLS LAST, block_number, payee_name LIMIT ${LARGEST_PAYEES}`.execute(db),
  ]);
  return {
    count: summary.rows[0]?.payees ?? 0,
    totalYen: summary.rows[0]?.total_yen ?? null,
    largest: largest.rows.map((row) => ({
      blockNumber: row.block_number, blockName: row.block_name, payeeName: row.payee_name,
      corporateNumber: row.corporate_number, corporateNumberValid: row.corporate_number_valid, totalYen: row.total_yen,
    })),
  };
}

/** The sheets of the projects a programme names; none named reads nothing. */
export async function readReviewSheetData(db: Kysely<Database>, programme: Programme): Promise<ReviewSheetData> {
  const named = programme.file.reviewSheetProjects.map((project) => project.projectId);
  if (named.length === 0) return { named, projects: [], notLoaded: [], origins: PUBLISHED_ONLY };
  const years = await loadedReviewYears(db, named);
  const projects: ReviewSheetProject[] = [];
  for (const projectId of named) {
    const [latest, ...earlier] = years.get(projectId) ?? [];
    if (latest !== undefined) projects.push({ ...(await readProject(db, projectId, latest)), earlierReviewYears: earlier });
  }
  return { named, projects, notLoaded: named.filter((projectId) => !years.has(projectId)), origins: combinedOrigins(projects.map((project) => project.origins)) };
}
