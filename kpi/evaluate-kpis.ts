/**
 * The KPI engine: every indicator is data (a source table, an optional filter and an aggregate written as
 * arquero expressions); one function evaluates them all per fiscal year.
 */
import * as aq from 'arquero';
import type { KpiDefinition, KpiSourceTable } from '../schemas/kpi-definition.js';

/** Source tables; each must have a corporate_number column, counted for disclosure control. */
export type KpiSourceTables = Readonly<Record<KpiSourceTable, aq.ColumnTable>>;

export interface KpiValue {
  readonly indicatorId: string;
  readonly fiscalYear: number;
  readonly value: number;
  /** Distinct firms behind the value, so public views can suppress values from too few. */
  readonly firms: number;
}

export class KpiExpressionError extends Error {
  constructor(
    readonly indicatorId: string,
    readonly expression: string,
    cause: unknown,
  ) {
    super(
      `indicator ${indicatorId}: cannot evaluate "${expression}": ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}. ` +
        'Fix the expression in the programme catalogue (arquero syntax, columns as d.name, aggregates as op.sum/op.mean/op.count).',
      { cause },
    );
    this.name = 'KpiExpressionError';
  }
}

export function evaluateKpi(definition: KpiDefinition, tables: KpiSourceTables): KpiValue[] {
  let table = tables[definition.source];
  try {
    if (definition.filter) table = table.filter(definition.filter);
    table = table.filter(`d => d[${JSON.stringify(definition.fiscalYearColumn)}] != null`);
    const grouped = table.groupby(definition.fiscalYearColumn).rollup({ value: definition.value, firms: 'd => op.distinct(d.corporate_number)' });
    const fiscalYears = grouped.array(definition.fiscalYearColumn) as ArrayLike<number>;
    const values = grouped.array('value') as ArrayLike<number>;
    const firms = grouped.array('firms') as ArrayLike<number>;
    const result: KpiValue[] = [];
    for (let i = 0; i < grouped.numRows(); i++) {
      if (Number.isFinite(values[i])) result.push({ indicatorId: definition.id, fiscalYear: fiscalYears[i], value: values[i], firms: firms[i] });
    }
    return result.sort((a, b) => a.fiscalYear - b.fiscalYear);
  } catch (error) {
    throw new KpiExpressionError(definition.id, `${definition.filter ?? ''} ${definition.value}`.trim(), error);
  }
}

export function evaluateKpis(definitions: readonly KpiDefinition[], tables: KpiSourceTables): KpiValue[] {
  return definitions.flatMap((definition) => evaluateKpi(definition, tables));
}

/** Japanese fiscal year of an ISO date: April to March, named by the calendar year it starts in. */
export function fiscalYearOfDate(isoDate: string): number {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  return month >= 4 ? year : year - 1;
}
