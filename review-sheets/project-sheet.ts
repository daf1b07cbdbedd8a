/**
 * One project's loaded review sheet, read from the views (and, for nodes without any value, the 3-1 rows in
 * force): its logic-model nodes with their indicators and yearly values, the edges, the budget and the findings.
 * What `ebpm review-sheets show` prints and `ebpm programmes draft-from-review-sheet` drafts from.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../sql/database.js';
import type { ReviewSheetOrigins } from './attribution.js';
import { originsOfReviewYears } from './file-origins.js';

export type NodeKind = 'activity' | 'output' | 'outcome';

export interface YearValue {
  readonly fiscalYear: number;
  /** Numbers as stored (exact decimal text); null when none or not a number. */
  readonly target: string | null;
  readonly actual: string | null;
  readonly achievementReported: string | null;
  readonly achievementComputed: string | null;
  readonly isTargetYear: boolean;
  /** The cells as published (text, for qualitative outcomes). */
  readonly targetText: string | null;
  readonly actualText: string | null;
}

export interface SheetIndicator {
  readonly seq: number;
  readonly name: string | null;
  readonly unit: string | null;
  /** up, down, another text as published, or null. */
  readonly direction: string | null;
  readonly qualitative: boolean | null;
  readonly qualitativeReason: string | null;
  readonly qualitativeResult: string | null;
  readonly dataSource: string | null;
  /** Every fiscal year with a value, ascending. */
  readonly values: readonly YearValue[];
}

export interface SheetNode {
  readonly kind: NodeKind;
  /** short, mid or long for an outcome; null otherwise. */
  readonly term: string | null;
  readonly number: number;
  /** アクティビティ／活動目標／成果目標 as published. */
  readonly goal: string | null;
  readonly indicators: readonly SheetIndicator[];
}

export interface SheetEdge {
  readonly fromKind: NodeKind;
  readonly fromTerm: string | null;
  readonly fromNode: number;
  readonly toKind: NodeKind;
  readonly toTerm: string | null;
  readonly toNode: number;
  /** Why the one leads to the other (後続アウトカムへのつながり), as published. */
  readonly rationale: string | null;
}

export interface SheetBudgetYear {
  readonly budgetYear: number;
  readonly initialBudgetYen: string | null;
  readonly supplementaryYen: string | null;
  readonly carriedInYen: string | null;
  readonly reserveYen: string | null;
  readonly currentBudgetYen: string | null;
  readonly executedYen: string | null;
  /** executed ÷ current budget; null for the review year and later, or a budget of 0. */
  readonly executionRate: string | null;
  /** 執行率 as published (a ratio). */
  readonly executionRateReported: string | null;
  readonly carriedOverYen: string | null;
  readonly nextYearRequestYen: string | null;
}

export interface SheetFinding {
  readonly checkId: string;
  readonly detail: string;
}

export interface ProjectSheet {
  readonly reviewYear: number;
  readonly projectId: number;
  readonly projectName: string | null;
  readonly ministry: string | null;
  readonly bureau: string | null;
  /** 部: null when the sheet gives none, or its file was loaded before ebpm read it (migration 0038). */
  readonly department: string | null;
  readonly division: string | null;
  readonly purpose: string | null;
  readonly startYear: number | null;
  readonly endYear: number | null;
  readonly nodes: readonly SheetNode[];
  readonly edges: readonly SheetEdge[];
  readonly budget: readonly SheetBudgetYear[];
  readonly findings: readonly SheetFinding[];
  /** Whether the review year's files in force are the RS system's or synthetic (what the output's source line says). */
  readonly origins: ReviewSheetOrigins;
}

/** A project or review year the loaded sheets do not hold: the message names what is loaded. */
export class UnknownReviewSheetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownReviewSheetError';
  }
}

interface LoadedYear {
  readonly review_year: number;
  readonly projects: number;
}

/** Review years in force with their project counts (from 1-2, 2-1 and 3-1), newest first. */
export async function loadedReviewYears(db: Kysely<Database>): Promise<LoadedYear[]> {
  const { rows } = await sql<LoadedYear>`
    SELECT review_year, count(DISTINCT project_id)::integer AS projects FROM (
      SELECT p.review_year, p.project_id FROM core.review_projects p JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded'
      UNION ALL SELECT b.review_year, b.project_id FROM core.review_budget b JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded'
      UNION ALL SELECT i.review_year, i.project_id FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded'
    ) loaded GROUP BY review_year ORDER BY review_year DESC`.execute(db);
  return rows;
}

function loadedText(years: readonly LoadedYear[]): string {
  return years.length
    ? `loaded: ${years.map((year) => `review year ${year.review_year} (${year.projects.toLocaleString('en-US')} projects)`).join(', ')}`
    : 'no review sheets are loaded; run `ebpm review-sheets load FOLDER` first';
}

/** The review year to read: the one asked for (it must be loaded), else the latest loaded; never silently another. */
export async function reviewYearFor(db: Kysely<Database>, year: number | undefined): Promise<number> {
  const years = await loadedReviewYears(db);
  if (year === undefined) {
    if (!years.length) throw new UnknownReviewSheetError(loadedText(years));
    return years[0].review_year;
  }
  if (!years.some((loaded) => loaded.review_year === year)) throw new UnknownReviewSheetError(`review year ${year} is not loaded (${loadedText(years)})`);
  return year;
}

/** The project's review year: the one asked for, else the latest loaded for it. */
export async function projectReviewYear(db: Kysely<Database>, projectId: number, year: number | undefined): Promise<number> {
  const { rows } = await sql<{ review_year: number }>`
    SELECT DISTINCT review_year FROM (
      SELECT p.review_year FROM core.review_projects p JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded' AND p.project_id = ${projectId}
      UNION ALL SELECT b.review_year FROM core.review_budget b JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded' AND b.project_id = ${projectId}
      UNION ALL SELECT i.review_year FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded' AND i.project_id = ${projectId}
    ) own ORDER BY review_year DESC`.execute(db);
  const own = rows.map((row) => row.review_year);
  if (!own.length) throw new UnknownReviewSheetError(`予算事業ID ${projectId} is in no loaded review sheet (${loadedText(await loadedReviewYears(db))})`);
  if (year === undefined) return own[0];
  if (!own.includes(year)) throw new UnknownReviewSheetError(`予算事業ID ${projectId} has no sheet for review year ${year}; loaded for it: review year ${own.join(', ')}`);
  return year;
}

interface IndicatorRow {
  node_kind: NodeKind | null;
  node_number: number;
  indicator_seq: number;
  row_kind: string | null;
  outcome_term: string | null;
  qualitative: boolean | null;
  goal: string | null;
  indicator_name: string | null;
  unit: string | null;
  direction: string | null;
  data_source: string | null;
  qualitative_reason: string | null;
  qualitative_result: string | null;
}

interface ValueRow {
  node_kind: string;
  node_number: number;
  indicator_seq: number;
  fiscal_year: number;
  target_value: string | null;
  actual_value: string | null;
  achievement_reported: string | null;
  achievement_computed: string | null;
  is_target_year: boolean;
  target_text: string | null;
  actual_text: string | null;
}

const first = <T>(values: readonly (T | null)[]): T | null => values.find((value) => value !== null) ?? null;

/** Groups the 3-1 rows (file order) into nodes — kind, term, number — and their indicators. */
function nodesOf(rows: readonly IndicatorRow[], values: readonly ValueRow[]): SheetNode[] {
  const nodes = new Map<string, { kind: NodeKind; term: string | null; number: number; rows: IndicatorRow[] }>();
  for (const row of rows) {
    if (row.node_kind === null) continue;
    const key = `${row.node_kind}|${row.outcome_term ?? ''}|${row.node_number}`;
    const node = nodes.get(key) ?? { kind: row.node_kind, term: row.outcome_term, number: row.node_number, rows: [] };
    node.rows.push(row);
    nodes.set(key, node);
  }
  return [...nodes.values()].map((node) => {
    const seqs = node.kind === 'activity' ? [] : [...new Set(node.rows.map((row) => row.indicator_seq))];
    return {
      kind: node.kind,
      term: node.term,
      number: node.number,
      goal: first(node.rows.map((row) => row.goal)),
      indicators: seqs.map((seq) => {
        const own = node.rows.filter((row) => row.indicator_seq === seq);
        return {
          seq,
          name: first(own.map((row) => row.indicator_name)),
          unit: first(own.map((row) => row.unit)),
          direction: first(own.map((row) => row.direction)),
          qualitative: first(own.map((row) => row.qualitative)),
          qualitativeReason: first(own.map((row) => row.qualitative_reason)),
          qualitativeResult: first(own.map((row) => row.qualitative_result)),
          dataSource: first(own.map((row) => row.data_source)),
          values: values
            .filter((value) => value.node_kind === node.kind && value.node_number === node.number && value.indicator_seq === seq)
            .map((value) => ({
              fiscalYear: value.fiscal_year,
              target: value.target_value,
              actual: value.actual_value,
              achievementReported: value.achievement_reported,
              achievementComputed: value.achievement_computed,
              isTargetYear: value.is_target_year,
              targetText: value.target_text,
              actualText: value.actual_text,
            })),
        };
      }),
    };
  });
}

export async function readProjectSheet(db: Kysely<Database>, projectId: number, reviewYear: number): Promise<ProjectSheet> {
  const [project, indicatorRows, values, edges, budget, findings, origins] = await Promise.all([
    sql<{ project_name: string | null; ministry: string | null; bureau: string | null; department: string | null; division: string | null; purpose: string | null; start_year: number | null; end_year: number | null }>`
      SELECT project_name, ministry, bureau, department, division, purpose, start_year, end_year FROM bi.review_projects WHERE review_year = ${reviewYear} AND project_id = ${projectId}`.execute(db),
    sql<IndicatorRow>`
      SELECT i.node_kind, i.node_number, i.indicator_seq, i.row_kind, i.outcome_term, i.qualitative, i.goal, i.indicator_name, i.unit, i.direction,
             i.data_source, i.qualitative_reason, i.qualitative_result
        FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256)
       WHERE f.status = 'loaded' AND i.review_year = ${reviewYear} AND i.project_id = ${projectId}
       ORDER BY i.line`.execute(db),
    sql<ValueRow>`
      SELECT node_kind, node_number, indicator_seq, fiscal_year, target_value::text, actual_value::text, achievement_reported::text,
             achievement_computed::text, is_target_year, target_text, actual_text
        FROM bi.review_indicator_values WHERE review_year = ${reviewYear} AND project_id = ${projectId}
       ORDER BY node_kind, node_number, indicator_seq, fiscal_year`.execute(db),
    sql<{ from_kind: NodeKind; from_term: string | null; from_node: number; to_kind: NodeKind; to_term: string | null; to_node: number; rationale: string | null }>`
      SELECT from_kind, from_term, from_node, to_kind, to_term, to_node, rationale FROM bi.review_logic_model_edges
       WHERE review_year = ${reviewYear} AND project_id = ${projectId} AND from_kind IS NOT NULL AND to_kind IS NOT NULL
       ORDER BY from_kind, from_term, from_node, to_kind, to_term, to_node`.execute(db),
    sql<{
      budget_year: number; initial_budget_yen: string | null; supplementary_yen: string | null; carried_in_yen: string | null; reserve_yen: string | null;
      current_budget_yen: string | null; executed_yen: string | null; execution_rate: string | null; execution_rate_reported: string | null;
      carried_over_yen: string | null; next_year_request_yen: string | null;
    }>`
      SELECT budget_year, initial_budget_yen::text, supplementary_yen::text, carried_in_yen::text, reserve_yen::text, current_budget_yen::text,
             executed_yen::text, execution_rate::text, execution_rate_reported::text, carried_over_yen::text, next_year_request_yen::text
        FROM bi.review_budget_execution WHERE review_year = ${reviewYear} AND project_id = ${projectId} ORDER BY budget_year`.execute(db),
    sql<{ check_id: string; detail: string }>`
      SELECT check_id, detail FROM bi.review_findings WHERE review_year = ${reviewYear} AND project_id = ${projectId}
       ORDER BY check_id, node_kind, outcome_term, node_number, indicator_seq, fiscal_year, payee_name`.execute(db),
    originsOfReviewYears(db, [reviewYear]),
  ]);
  const about = project.rows[0];
  return {
    reviewYear,
    projectId,
    projectName: about?.project_name ?? null,
    ministry: about?.ministry ?? null,
    bureau: about?.bureau ?? null,
    department: about?.department ?? null,
    division: about?.division ?? null,
    purpose: about?.purpose ?? null,
    startYear: about?.start_year ?? null,
    endYear: about?.end_year ?? null,
    nodes: nodesOf(indicatorRows.rows, values.rows),
    edges: edges.rows.map((edge) => ({ fromKind: edge.from_kind, fromTerm: edge.from_term, fromNode: edge.from_node, toKind: edge.to_kind, toTerm: edge.to_term, toNode: edge.to_node, rationale: edge.rationale })),
    budget: budget.rows.map((row) => ({
      budgetYear: row.budget_year,
      initialBudgetYen: row.initial_budget_yen,
      supplementaryYen: row.supplementary_yen,
      carriedInYen: row.carried_in_yen,
      reserveYen: row.reserve_yen,
      currentBudgetYen: row.current_budget_yen,
      executedYen: row.executed_yen,
      executionRate: row.execution_rate,
      executionRateReported: row.execution_rate_reported,
      carriedOverYen: row.carried_over_yen,
      nextYearRequestYen: row.next_year_request_yen,
    })),
    findings: findings.rows.map((row) => ({ checkId: row.check_id, detail: row.detail })),
    origins,
  };
}
