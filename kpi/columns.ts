/**
 * The columns a KPI computation expression may name, per computation source: the one list that
 * activities/kpis.ts builds its tables from, that catalogue validation checks expressions against, and that
 * the README's table is checked against (test/catalogue.test.ts), so the three cannot drift apart.
 */
import { fileDeclaration } from '../programmes/file-declaration.js';
import type { ProgrammeFile } from '../schemas/catalogue.js';
import type { KpiRecordTable } from '../schemas/kpi-definition.js';

export interface KpiColumn {
  readonly name: string;
  readonly description: string;
}

/** Columns of the applications table, one row per application. */
export const APPLICATION_KPI_COLUMNS = [
  { name: 'unit_id', description: 'the unit of analysis (firm, project or site), as an integer code: count it, e.g. op.distinct(d.unit_id)' },
  { name: 'corporate_number', description: 'the applicant firm, as an integer code: count it' },
  { name: 'awarded', description: 'true when the application was awarded' },
  { name: 'award_fiscal_year', description: 'fiscal year of the award (null when not awarded)' },
  { name: 'application_fiscal_year', description: 'fiscal year (April–March) of the application date' },
  { name: 'subsidy_amount_yen', description: 'subsidy awarded, yen (null when not awarded)' },
  { name: 'requested_amount_yen', description: 'subsidy requested, yen' },
  { name: 'employees', description: 'employees of the applicant at application' },
] as const satisfies readonly KpiColumn[];

/** Columns of the outcomes table, one row per unit and fiscal year, besides the programme's declared outcome measures. */
export const OUTCOME_KPI_COLUMNS = [
  { name: 'unit_id', description: 'the unit of analysis, as an integer code: count it' },
  { name: 'corporate_number', description: "the firm behind the unit (its first application's applicant), as an integer code: count it" },
  { name: 'fiscal_year', description: 'fiscal year the outcome row reports' },
  { name: 'awarded', description: 'true when the unit was ever awarded' },
  { name: 'award_fiscal_year', description: "fiscal year of the unit's first award (null when never awarded)" },
  { name: 'post_award', description: 'true from the fiscal year of the first award on' },
] as const satisfies readonly KpiColumn[];

export type ApplicationKpiColumn = (typeof APPLICATION_KPI_COLUMNS)[number]['name'];
export type OutcomeKpiColumn = (typeof OUTCOME_KPI_COLUMNS)[number]['name'];

/** The outcome measures the programme declares (its outcomes file's measure fields): columns of the outcomes table too. */
export function declaredOutcomeMeasures(file: ProgrammeFile): string[] {
  return fileDeclaration(file, 'outcomes').measures.map((measure) => measure.name);
}

/** Every column an expression over `source` may name for this programme. */
export function kpiColumnsOf(source: KpiRecordTable, file: ProgrammeFile): string[] {
  return source === 'applications' ? APPLICATION_KPI_COLUMNS.map((c) => c.name) : [...OUTCOME_KPI_COLUMNS.map((c) => c.name), ...declaredOutcomeMeasures(file)];
}

/**
 * Columns an arquero expression names through its row parameter (`d => op.sum(d.x)`, `d['x']`). Written as
 * the catalogue writes them: one arrow function whose first parameter is the row.
 */
export function columnsNamedIn(expression: string): string[] {
  const parameter = /^\s*(?:\(\s*)?([A-Za-z_$][\w$]*)/.exec(expression)?.[1];
  if (!parameter || !/=>/.test(expression)) return [];
  const escaped = parameter.replace(/\$/g, '\\$');
  const pattern = new RegExp(`(?<![\\w$.])${escaped}\\s*(?:\\.\\s*([A-Za-z_$][\\w$]*)|\\[\\s*(['"])([^'"]+)\\2\\s*\\])`, 'g');
  const names = new Set<string>();
  const body = expression.slice(expression.indexOf('=>') + 2);
  for (const match of body.matchAll(pattern)) names.add(match[1] ?? match[3]);
  return [...names];
}

/** The columns an expression names that the table does not have, with the list of those it does. */
export function unknownKpiColumns(source: KpiRecordTable, file: ProgrammeFile, expression: string): { unknown: string[]; valid: string[] } {
  const valid = kpiColumnsOf(source, file);
  return { unknown: columnsNamedIn(expression).filter((name) => !valid.includes(name)), valid };
}

/** The README's table of columns per computation source (test/catalogue.test.ts checks the README holds it). */
export function kpiColumnsMarkdown(): string {
  const rows = (source: string, columns: readonly KpiColumn[]) => columns.map((c) => `| ${source} | \`d.${c.name}\` | ${c.description} |`);
  return [
    '| source | column | meaning |',
    '| --- | --- | --- |',
    ...rows('applications', APPLICATION_KPI_COLUMNS),
    ...rows('outcomes', OUTCOME_KPI_COLUMNS),
    '| outcomes | `d.<measure>` | each outcome measure the programme declares in `dataRequirements.fields` (file `outcomes`, with a `measure`); null where not reported |',
    '| statistics | — | no expression: the value is read as published from the statistics file (indicator, fiscal_year, value, source, provenance) |',
  ].join('\n');
}
