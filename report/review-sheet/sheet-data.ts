/**
 * A programme's own published review sheets, read from the bi.review_* views: for each project it names
 * (reviewSheetProjects), the latest review year loaded, with its logic model (nodes and edges), its indicators'
 * targets and actuals by fiscal year, and its budget and execution by budget year. Numbers stay the decimal text
 * the views hold (numeric read as text), so nothing is rounded on the way: 0.6 stays 0.6, 291.66667 stays so.
 */
import { sql, type Kysely } from 'kysely';
import type { Programme } from '../../programmes/catalogue.js';
import type { Database } from '../../sql/database.js';

export type NodeKind = 'activity' | 'output' | 'outcome';
export type OutcomeTerm = 'short' | 'mid' | 'long';

export interface SheetNode {
  readonly kind: NodeKind;
  readonly number: number;
  readonly term: OutcomeTerm | null;
  readonly goal: string | null;
}

export interface SheetIndicatorYear {
  readonly fiscalYear: number;
  /** Decimal text as the view holds it; null when none or not a number (then see targetText / actualText). */
  readonly target: string | null;
  readonly actual: string | null;
  readonly achievementReported: string | null;
  /** Unrounded, from the view (direction-aware). */
  readonly achievementComputed: string | null;
  readonly isTargetYear: boolean;
  /** The cells as published, for qualitative outcomes. */
  readonly targetText: string | null;
  readonly actualText: string | null;
}

export interface SheetIndicator {
  readonly projectId: number;
  readonly kind: 'output' | 'outcome';
  readonly nodeNumber: number;
  readonly seq: number;
  readonly term: OutcomeTerm | null;
  readonly qualitative: boolean | null;
  readonly name: string | null;
  readonly unit: string | null;
  readonly direction: string | null;
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

/** One budget year's total row, amounts in yen as decimal text, rates as ratios (1 = 100 %). */
export interface SheetBudgetYear {
  readonly budgetYear: number;
  readonly initialYen: string | null;
  readonly supplementaryYen: string | null;
  readonly carriedInYen: string | null;
  readonly reserveYen: string | null;
  readonly currentBudgetYen: string | null;
  readonly executedYen: string | null;
  readonly executionRate: string | null;
  readonly executionRateReported: string | null;
  readonly carriedOverYen: string | null;
}

export interface ReviewSheetProject {
  readonly projectId: number;
  readonly reviewYear: number;
  readonly name: string | null;
  readonly ministry: string | null;
  readonly bureau: string | null;
  readonly division: string | null;
  readonly nodes: readonly SheetNode[];
  readonly edges: readonly SheetEdge[];
  readonly indicators: readonly SheetIndicator[];
  readonly budget: readonly SheetBudgetYear[];
}

export interface ReviewSheetData {
  /** The 予算事業IDs the catalogue names, in its order. */
  readonly named: readonly number[];
  /** The named projects with any sheet loaded, in the catalogue's order. */
  readonly projects: readonly ReviewSheetProject[];
  /** The named projects with nothing loaded. */
  readonly notLoaded: readonly number[];
}

const KIND_ORDER: Record<NodeKind, number> = { activity: 0, output: 1, outcome: 2 };

/** The latest review year each project has rows for, in any of the views. */
async function latestReviewYears(db: Kysely<Database>, projectIds: readonly number[]): Promise<Map<number, number>> {
  const { rows } = await sql<{ project_id: number; review_year: number }>`
    SELECT project_id, max(review_year)::integer AS review_year FROM (
      SELECT project_id, review_year FROM bi.review_projects
      UNION ALL SELECT project_id, review_year FROM bi.review_logic_model_nodes
      UNION ALL SELECT project_id, review_year FROM bi.review_logic_model_edges
      UNION ALL SELECT project_id, review_year FROM bi.review_budget_execution
    ) years WHERE project_id = ANY(${[...projectIds]}::integer[]) GROUP BY project_id`.execute(db);
  return new Map(rows.map((row) => [row.project_id, row.review_year]));
}

async function readProject(db: Kysely<Database>, projectId: number, reviewYear: number): Promise<ReviewSheetProject> {
  const key = sql`project_id = ${projectId} AND review_year = ${reviewYear}`;
  const { rows: [overview] } = await sql<{ project_name: string | null; ministry: string | null; bureau: string | null; division: string | null }>`
    SELECT project_name, ministry, bureau, division FROM bi.review_projects WHERE ${key}`.execute(db);
  const { rows: nodes } = await sql<{ node_kind: NodeKind; node_number: number; outcome_term: OutcomeTerm | null; goal: string | null }>`
    SELECT node_kind, node_number, outcome_term, goal FROM bi.review_logic_model_nodes WHERE ${key}`.execute(db);
  const { rows: edges } = await sql<{ from_kind: NodeKind | null; from_node: number; from_term: OutcomeTerm | null; to_kind: NodeKind | null; to_node: number; to_term: OutcomeTerm | null; rationale: string | null }>`
    SELECT from_kind, from_node, from_term, to_kind, to_node, to_term, rationale FROM bi.review_logic_model_edges WHERE ${key}
     ORDER BY from_kind, from_term, from_node, to_kind, to_term, to_node`.execute(db);
  const { rows: values } = await sql<{
    node_kind: 'output' | 'outcome'; node_number: number; indicator_seq: number; outcome_term: OutcomeTerm | null; qualitative: boolean | null;
    indicator_name: string | null; unit: string | null; direction: string | null; fiscal_year: number; target_value: string | null; actual_value: string | null;
    achievement_reported: string | null; achievement_computed: string | null; is_target_year: boolean; target_text: string | null; actual_text: string | null;
  }>`
    SELECT node_kind, node_number, indicator_seq, outcome_term, qualitative, indicator_name, unit, direction, fiscal_year,
           target_value::text AS target_value, actual_value::text AS actual_value, achievement_reported::text AS achievement_reported,
           achievement_computed::text AS achievement_computed, is_target_year, target_text, actual_text
      FROM bi.review_indicator_values WHERE ${key} AND node_kind IN ('output', 'outcome')
     ORDER BY node_kind DESC, node_number, indicator_seq, fiscal_year`.execute(db);
  const { rows: budget } = await sql<{
    budget_year: number; initial_budget_yen: string | null; supplementary_yen: string | null; carried_in_yen: string | null; reserve_yen: string | null;
    current_budget_yen: string | null; executed_yen: string | null; execution_rate: string | null; execution_rate_reported: string | null; carried_over_yen: string | null;
  }>`
    SELECT budget_year, initial_budget_yen::text AS initial_budget_yen, supplementary_yen::text AS supplementary_yen, carried_in_yen::text AS carried_in_yen,
           reserve_yen::text AS reserve_yen, current_budget_yen::text AS current_budget_yen, executed_yen::text AS executed_yen,
           execution_rate::text AS execution_rate, execution_rate_reported::text AS execution_rate_reported, carried_over_yen::text AS carried_over_yen
      FROM bi.review_budget_execution WHERE ${key} ORDER BY budget_year`.execute(db);

  const indicators = new Map<string, SheetIndicator & { years: SheetIndicatorYear[] }>();
  for (const row of values) {
    const id = `${row.node_kind}:${row.node_number}:${row.indicator_seq}`;
    let indicator = indicators.get(id);
    if (!indicator) {
      indicator = {
        projectId, kind: row.node_kind, nodeNumber: row.node_number, seq: row.indicator_seq, term: row.outcome_term, qualitative: row.qualitative,
        name: row.indicator_name, unit: row.unit, direction: row.direction, years: [],
      };
      indicators.set(id, indicator);
    }
    indicator.years.push({
      fiscalYear: row.fiscal_year, target: row.target_value, actual: row.actual_value, achievementReported: row.achievement_reported,
      achievementComputed: row.achievement_computed, isTargetYear: row.is_target_year, targetText: row.target_text, actualText: row.actual_text,
    });
  }
  return {
    projectId,
    reviewYear,
    name: overview?.project_name ?? null,
    ministry: overview?.ministry ?? null,
    bureau: overview?.bureau ?? null,
    division: overview?.division ?? null,
    nodes: nodes
      .map((node) => ({ kind: node.node_kind, number: node.node_number, term: node.outcome_term, goal: node.goal }))
      .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.number - b.number),
    edges: edges.map((edge) => ({ fromKind: edge.from_kind, fromNode: edge.from_node, fromTerm: edge.from_term, toKind: edge.to_kind, toNode: edge.to_node, toTerm: edge.to_term, rationale: edge.rationale })),
    indicators: [...indicators.values()].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.nodeNumber - b.nodeNumber || a.seq - b.seq),
    budget: budget.map((row) => ({
      budgetYear: row.budget_year,
      initialYen: row.initial_budget_yen,
      supplementaryYen: row.supplementary_yen,
      carriedInYen: row.carried_in_yen,
      reserveYen: row.reserve_yen,
      currentBudgetYen: row.current_budget_yen,
      executedYen: row.executed_yen,
      executionRate: row.execution_rate,
      executionRateReported: row.execution_rate_reported,
      carriedOverYen: row.carried_over_yen,
    })),
  };
}

/** The sheets of the projects a programme names; none named reads nothing. */
export async function readReviewSheetData(db: Kysely<Database>, programme: Programme): Promise<ReviewSheetData> {
  const named = programme.file.reviewSheetProjects.map((project) => project.projectId);
  if (named.length === 0) return { named, projects: [], notLoaded: [] };
  const years = await latestReviewYears(db, named);
  const projects: ReviewSheetProject[] = [];
  for (const projectId of named) {
    const year = years.get(projectId);
    if (year !== undefined) projects.push(await readProject(db, projectId, year));
  }
  return { named, projects, notLoaded: named.filter((projectId) => !years.has(projectId)) };
}
