/**
 * The KPI engine: every indicator is data. One computed from the programme's records names a table, an
 * optional filter and an aggregate written as arquero expressions; one published by a statistics office
 * is read as loaded. One function evaluates them all per fiscal year.
 */
import * as aq from 'arquero';
import type { KpiDefinition, KpiRecordTable, RecordComputation } from '../schemas/kpi-definition.js';

/** Record tables; each has a unit_id and a corporate_number column (integer codes in the pipeline), counted for disclosure control. */
export type KpiRecordTables = Readonly<Record<KpiRecordTable, aq.ColumnTable>>;

/** A value as published, from the programme's statistics files. */
export interface PublishedValue {
  readonly indicatorId: string;
  readonly fiscalYear: number;
  readonly value: number;
}

export interface KpiSources {
  readonly records: KpiRecordTables;
  readonly statistics: readonly PublishedValue[];
  /** Consortium members (firm codes) of each project, by unit code: firms behind a value besides the lead applicants. */
  readonly membersOfUnit?: ReadonlyMap<number, readonly number[]>;
}

export interface KpiValue {
  readonly indicatorId: string;
  readonly fiscalYear: number;
  readonly value: number;
  /** Distinct firms behind the value (applicants, lead applicants and consortium members of projects, operators of sites), so public views can suppress values from too few; null for a published statistic. */
  readonly firms: number | null;
  /** Distinct units of analysis (firms, projects or sites) behind the value; null for a published statistic. */
  readonly units: number | null;
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

/**
 * Distinct ids per fiscal year (as op.distinct counts them, null not counted). The pipeline gives ids as small
 * integer codes (see activities/kpis.ts), so a bitmap per year replaces arquero's map of values: a national
 * programme's 800,000 outcome rows are counted in milliseconds rather than hundreds of them. Other ids (strings,
 * in hand-made tables) are counted with a set per year.
 */
export function distinctByYear(years: ArrayLike<number>, ids: ArrayLike<unknown>): Map<number, number> {
  const yearIndex = new Map<number, number>();
  let maxId = -1;
  let codes = true;
  for (let i = 0; i < years.length; i++) {
    if (!yearIndex.has(years[i])) yearIndex.set(years[i], yearIndex.size);
    const id = ids[i];
    if (id === null || id === undefined) continue;
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0) maxId = Math.max(maxId, id);
    else codes = false;
  }
  const counts = new Int32Array(yearIndex.size);
  if (codes) {
    const seen = new Uint8Array((maxId + 1) * yearIndex.size);
    for (let i = 0; i < years.length; i++) {
      const id = ids[i] as number | null | undefined;
      if (id === null || id === undefined) continue;
      const year = yearIndex.get(years[i]) as number;
      const slot = id * yearIndex.size + year;
      if (seen[slot] === 0) {
        seen[slot] = 1;
        counts[year]++;
      }
    }
  } else {
    const sets = Array.from({ length: yearIndex.size }, () => new Set<unknown>());
    for (let i = 0; i < years.length; i++) if (ids[i] !== null && ids[i] !== undefined) sets[yearIndex.get(years[i]) as number].add(ids[i]);
    sets.forEach((set, year) => (counts[year] = set.size));
  }
  return new Map([...yearIndex].map(([year, index]) => [year, counts[index]]));
}

/** Distinct firms per fiscal year: each row's applicant firm and the consortium members of its unit. */
function distinctFirmsByYear(years: ArrayLike<number>, firms: ArrayLike<unknown>, units: ArrayLike<unknown>, members: ReadonlyMap<number, readonly number[]>): Map<number, number> {
  const sets = new Map<number, Set<unknown>>();
  for (let i = 0; i < years.length; i++) {
    let set = sets.get(years[i]);
    if (!set) sets.set(years[i], (set = new Set()));
    if (firms[i] !== null && firms[i] !== undefined) set.add(firms[i]);
    for (const member of members.get(units[i] as number) ?? []) set.add(member);
  }
  return new Map([...sets].map(([year, set]) => [year, set.size]));
}

function evaluateOnRecords(indicatorId: string, computation: RecordComputation, tables: KpiRecordTables, members?: ReadonlyMap<number, readonly number[]>): KpiValue[] {
  let table = tables[computation.source];
  try {
    if (computation.filter) table = table.filter(computation.filter);
    table = table.filter(`d => d[${JSON.stringify(computation.fiscalYearColumn)}] != null`);
    const grouped = table.groupby(computation.fiscalYearColumn).rollup({ value: computation.value });
    const fiscalYears = grouped.array(computation.fiscalYearColumn) as ArrayLike<number>;
    const values = grouped.array('value') as ArrayLike<number>;
    const yearOfRow = table.array(computation.fiscalYearColumn) as ArrayLike<number>;
    const unitIds = table.array('unit_id') as ArrayLike<unknown>;
    const firmIds = table.array('corporate_number') as ArrayLike<unknown>;
    const firms = members?.size ? distinctFirmsByYear(yearOfRow, firmIds, unitIds, members) : distinctByYear(yearOfRow, firmIds);
    const units = distinctByYear(yearOfRow, unitIds);
    const result: KpiValue[] = [];
    for (let i = 0; i < grouped.numRows(); i++) {
      if (Number.isFinite(values[i])) result.push({ indicatorId, fiscalYear: fiscalYears[i], value: values[i], firms: firms.get(fiscalYears[i]) ?? 0, units: units.get(fiscalYears[i]) ?? 0 });
    }
    return result.sort((a, b) => a.fiscalYear - b.fiscalYear);
  } catch (error) {
    throw new KpiExpressionError(indicatorId, `${computation.filter ?? ''} ${computation.value}`.trim(), error);
  }
}

export function evaluateKpi(definition: KpiDefinition, sources: KpiSources): KpiValue[] {
  const { computation } = definition;
  if (computation.source === 'statistics') {
    return sources.statistics
      .filter((published) => published.indicatorId === definition.id && Number.isFinite(published.value))
      .map((published) => ({ ...published, firms: null, units: null }))
      .sort((a, b) => a.fiscalYear - b.fiscalYear);
  }
  return evaluateOnRecords(definition.id, computation, sources.records, sources.membersOfUnit);
}

export function evaluateKpis(definitions: readonly KpiDefinition[], sources: KpiSources): KpiValue[] {
  return definitions.flatMap((definition) => evaluateKpi(definition, sources));
}

/** Japanese fiscal year of an ISO date: April to March, named by the calendar year it starts in. */
export function fiscalYearOfDate(isoDate: string): number {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  return month >= 4 ? year : year - 1;
}
