/**
 * A differencing attack on published outputs, as a reader with the public views, the public HTML or the public
 * XLSX (and the catalogue) would run it against the disclosure rule. Each output is first read into one shape
 * (PublishedOutput: KPI values by fiscal year, effect series with their overall estimates, pooled synthetic-DiD
 * path points, each number with the rounding it was shown at), then every known recovery is tried against the
 * true values of the withheld cells (read from the internal tables):
 * - products and ratios within a fiscal year (count = applications × rate, rate = count / applications);
 * - an aggregate minus its published parts (an overall effect over cohorts, years or post-award event times,
 *   weighted equally or by units; totals across years against an input file's row count);
 * - unit counts by subtraction (an overall or a year's units minus the published cohorts');
 * - path points times their unit counts against KPI sums, and the other way round.
 * A recovery is a withheld cell whose true value an attack pins down within the rounding of its inputs.
 * The readers (publishedFromViews, publishedFromHtml, publishedFromWorkbook) are separate from the attacks, so
 * another output (a new HTML or XLSX layout) needs only a reader.
 */
import type ExcelJS from 'exceljs';
import { sql, type Kysely } from 'kysely';
import type { Programme } from '../../programmes/catalogue.js';
import { ESTIMATOR_LABELS } from '../../report/design-labels.js';
import { LOGIC_MODEL_STAGE_KEYS } from '../../schemas/catalogue.js';
import type { Database } from '../../sql/database.js';

/** A number as published, with the half-width of the rounding it was shown at (0 when exact). */
export interface Shown {
  readonly value: number;
  readonly halfUnit: number;
}

export type SeriesKind = 'cohort' | 'year' | 'event_time' | 'synthetic_path';

export interface PublishedKpi {
  readonly programmeId: string;
  readonly indicatorId: string;
  readonly fiscalYear: number;
  /** Null when the output withholds it. */
  readonly value: Shown | null;
}

export interface PublishedCell {
  readonly key: number;
  /** Null when withheld. */
  readonly value: Shown | null;
  readonly units: Shown | null;
}

export interface PublishedSeries {
  readonly programmeId: string;
  readonly outcome: string;
  readonly kind: SeriesKind;
  readonly cells: readonly PublishedCell[];
}

export interface PublishedOverall {
  readonly programmeId: string;
  readonly outcome: string;
  readonly estimator: string;
  readonly value: Shown | null;
  readonly units: Shown | null;
}

export interface PublishedOutput {
  /** What was read: 'views', an HTML file, a workbook. */
  readonly source: string;
  readonly kpis: readonly PublishedKpi[];
  readonly series: readonly PublishedSeries[];
  readonly overall: readonly PublishedOverall[];
  /** Published totals an attacker may subtract KPI values from (e.g. an applicant file's consenting rows), by programme. */
  readonly totals: readonly { readonly programmeId: string; readonly value: Shown }[];
}

/** The true values behind the outputs, from the internal tables. */
export interface TrueValues {
  readonly kpis: ReadonlyMap<string, number>;
  readonly cells: ReadonlyMap<string, { readonly value: number; readonly units: number }>;
}

export interface Recovery {
  readonly source: string;
  readonly attack: string;
  readonly cell: string;
  readonly recovered: number;
  readonly truth: number;
}

export const kpiKey = (programmeId: string, indicatorId: string, fiscalYear: number) => `${programmeId}|kpi|${indicatorId}|${fiscalYear}`;
export const cellKey = (programmeId: string, outcome: string, kind: SeriesKind, key: number) => `${programmeId}|${outcome}|${kind}|${key}`;

/** An interval for a value computed from shown numbers: [centre − error, centre + error]. */
interface Estimate {
  readonly centre: number;
  readonly error: number;
}

const exact = (value: number): Estimate => ({ centre: value, error: 0 });
const fromShown = (shown: Shown): Estimate => ({ centre: shown.value, error: shown.halfUnit });
const add = (a: Estimate, b: Estimate): Estimate => ({ centre: a.centre + b.centre, error: a.error + b.error });
const scale = (a: Estimate, k: number): Estimate => ({ centre: a.centre * k, error: a.error * Math.abs(k) });
const times = (a: Estimate, b: Estimate): Estimate => ({ centre: a.centre * b.centre, error: Math.abs(a.centre) * b.error + Math.abs(b.centre) * a.error + a.error * b.error });
const over = (a: Estimate, b: Estimate): Estimate | null => {
  if (Math.abs(b.centre) <= b.error) return null;
  const low = Math.abs(b.centre) - b.error;
  return { centre: a.centre / b.centre, error: (a.error + (Math.abs(a.centre) * b.error) / low) / low };
};
const sum = (terms: readonly Estimate[]): Estimate => terms.reduce(add, exact(0));

/**
 * The estimate pins the truth down: the truth lies in its interval, and the interval is narrow enough to name it
 * (an integer count to the unit, anything else to half a percent).
 */
export function pinsDown(estimate: Estimate, truth: number): boolean {
  const slack = 1e-7 * Math.max(1, Math.abs(truth));
  if (Math.abs(estimate.centre - truth) > estimate.error + slack) return false;
  const narrow = Number.isInteger(truth) ? 0.5 : 0.005 * Math.max(Math.abs(truth), 1e-9);
  return estimate.error < narrow;
}

function record(found: Recovery[], source: string, attack: string, cell: string, estimate: Estimate, truth: number | undefined): void {
  if (truth !== undefined && Number.isFinite(estimate.centre) && pinsDown(estimate, truth)) found.push({ source, attack, cell, recovered: estimate.centre, truth });
}

/** Products and ratios of two published KPIs of the same programme and fiscal year (count = applications × rate). */
export function productsAndRatios(output: PublishedOutput, truth: TrueValues): Recovery[] {
  const found: Recovery[] = [];
  const byYear = groupBy(output.kpis, (kpi) => `${kpi.programmeId}|${kpi.fiscalYear}`);
  for (const kpis of byYear.values()) {
    const published = kpis.filter((kpi) => kpi.value !== null);
    for (const withheld of kpis.filter((kpi) => kpi.value === null)) {
      const target = truth.kpis.get(kpiKey(withheld.programmeId, withheld.indicatorId, withheld.fiscalYear));
      for (const a of published) {
        for (const b of published) {
          if (a === b) continue;
          const x = fromShown(a.value as Shown);
          const y = fromShown(b.value as Shown);
          // The same formula on the unrounded values: a recovery is an arithmetic relation that holds in the data
          // (awarded = applications × rate), not two rounded numbers whose ratio happens to land near a withheld one.
          const trueA = truth.kpis.get(kpiKey(a.programmeId, a.indicatorId, a.fiscalYear));
          const trueB = truth.kpis.get(kpiKey(b.programmeId, b.indicatorId, b.fiscalYear));
          const candidates: [string, Estimate | null, number | undefined][] = [
            [`${a.indicatorId} × ${b.indicatorId}`, times(x, y), trueA === undefined || trueB === undefined ? undefined : trueA * trueB],
            [`${a.indicatorId} × ${b.indicatorId} / 100`, scale(times(x, y), 0.01), trueA === undefined || trueB === undefined ? undefined : (trueA * trueB) / 100],
            [`${a.indicatorId} / ${b.indicatorId}`, over(x, y), trueA === undefined || !trueB ? undefined : trueA / trueB],
            [`100 × ${a.indicatorId} / ${b.indicatorId}`, over(scale(x, 100), y), trueA === undefined || !trueB ? undefined : (100 * trueA) / trueB],
          ];
          for (const [how, estimate, onTrueValues] of candidates) {
            const holds = target === undefined || onTrueValues === undefined || Math.abs(onTrueValues - target) <= 1e-6 * Math.max(1, Math.abs(target));
            if (estimate && holds) record(found, output.source, `product or ratio (${how})`, `${withheld.programmeId} ${withheld.indicatorId} FY${withheld.fiscalYear}`, estimate, target);
          }
        }
      }
    }
  }
  return found;
}

/** Which overall estimate averages a series, and which of its cells it averages. */
const AGGREGATES: Readonly<Record<SeriesKind, { readonly estimator: string; readonly contributes: (key: number) => boolean } | null>> = {
  cohort: { estimator: 'cs_group', contributes: () => true },
  year: { estimator: 'cs_calendar', contributes: () => true },
  event_time: { estimator: 'cs_dynamic', contributes: (key) => key >= 0 },
  synthetic_path: null,
};

/**
 * An overall estimate times its weights minus the published cells (equal weights, and unit weights), when that
 * leaves one withheld cell; and the overall's units minus the published cells' units, which leaves the withheld
 * cells' units.
 */
export function aggregateMinusParts(output: PublishedOutput, truth: TrueValues): Recovery[] {
  const found: Recovery[] = [];
  for (const series of output.series) {
    const aggregate = AGGREGATES[series.kind];
    if (!aggregate) continue;
    const overall = output.overall.find((row) => row.programmeId === series.programmeId && row.outcome === series.outcome && row.estimator === aggregate.estimator);
    if (!overall?.value) continue;
    const cells = series.cells.filter((cell) => aggregate.contributes(cell.key));
    const withheld = cells.filter((cell) => cell.value === null);
    if (withheld.length !== 1) continue;
    const [hidden] = withheld;
    const published = cells.filter((cell) => cell.value !== null);
    const name = `${series.programmeId} ${series.outcome} ${series.kind} ${hidden.key}`;
    const target = truth.cells.get(cellKey(series.programmeId, series.outcome, series.kind, hidden.key));
    // Equal weights: K × overall − Σ published.
    const equal = add(scale(fromShown(overall.value), cells.length), scale(sum(published.map((cell) => fromShown(cell.value as Shown))), -1));
    record(found, output.source, 'overall minus published cells (equal weights)', name, equal, target?.value);
    // Unit weights, the withheld cell's units being the overall's minus the published cells'.
    if (overall.units && published.every((cell) => cell.units)) {
      const hiddenUnits = add(fromShown(overall.units), scale(sum(published.map((cell) => fromShown(cell.units as Shown))), -1));
      record(found, output.source, 'overall units minus published units', `${name} (units)`, hiddenUnits, target?.units);
      const weighted = add(times(fromShown(overall.value), fromShown(overall.units)), scale(sum(published.map((cell) => times(fromShown(cell.value as Shown), fromShown(cell.units as Shown)))), -1));
      const value = over(weighted, hiddenUnits);
      if (value) record(found, output.source, 'overall minus published cells (unit weights)', name, value, target?.value);
    }
  }
  return found;
}

/**
 * Unit counts by subtraction: any two published counts of a programme (cells' units, overall units) whose
 * difference is the units of a withheld cell of the same outcome, or a withheld KPI count of the programme.
 */
export function unitDifferences(output: PublishedOutput, truth: TrueValues): Recovery[] {
  const found: Recovery[] = [];
  for (const programmeId of new Set(output.series.map((series) => series.programmeId))) {
    for (const outcome of new Set(output.series.filter((series) => series.programmeId === programmeId).map((series) => series.outcome))) {
      const ofOutcome = output.series.filter((series) => series.programmeId === programmeId && series.outcome === outcome);
      const counts: { name: string; units: Shown }[] = [
        ...ofOutcome.flatMap((series) => series.cells.flatMap((cell) => (cell.value !== null && cell.units ? [{ name: `${series.kind} ${cell.key}`, units: cell.units }] : []))),
        ...output.overall.filter((row) => row.programmeId === programmeId && row.outcome === outcome && row.units).map((row) => ({ name: `overall ${row.estimator}`, units: row.units as Shown })),
      ];
      const differences = counts.flatMap((a) => counts.filter((b) => b !== a && b.units.value < a.units.value).map((b) => ({ how: `${a.name} − ${b.name}`, estimate: add(fromShown(a.units), scale(fromShown(b.units), -1)) })));
      const hiddenCells = ofOutcome.flatMap((series) => series.cells.filter((cell) => cell.value === null).map((cell) => ({ series, cell })));
      for (const { series, cell } of hiddenCells) {
        const target = truth.cells.get(cellKey(programmeId, outcome, series.kind, cell.key))?.units;
        // A difference equal to the hidden cell's units is only evidence when those differ from every published count.
        if (target === undefined || counts.some((count) => count.units.value === target)) continue;
        for (const { how, estimate } of differences) record(found, output.source, `units by subtraction (${how})`, `${programmeId} ${outcome} ${series.kind} ${cell.key} (units)`, estimate, target);
      }
    }
  }
  return found;
}

/** Published totals (an applicant file's rows) minus the published years of a KPI, when one year is withheld. */
export function totalsAcrossYears(output: PublishedOutput, truth: TrueValues): Recovery[] {
  const found: Recovery[] = [];
  for (const kpis of groupBy(output.kpis, (kpi) => `${kpi.programmeId}|${kpi.indicatorId}`).values()) {
    const withheld = kpis.filter((kpi) => kpi.value === null);
    if (withheld.length !== 1) continue;
    const [hidden] = withheld;
    const rest = sum(kpis.filter((kpi) => kpi.value !== null).map((kpi) => fromShown(kpi.value as Shown)));
    for (const total of output.totals.filter((t) => t.programmeId === hidden.programmeId)) {
      record(found, output.source, 'total minus published years', `${hidden.programmeId} ${hidden.indicatorId} FY${hidden.fiscalYear}`, add(fromShown(total.value), scale(rest, -1)), truth.kpis.get(kpiKey(hidden.programmeId, hidden.indicatorId, hidden.fiscalYear)));
    }
  }
  return found;
}

/**
 * Path points times their units against KPI values: a withheld point's mean or sum (mean × units) shown as a
 * KPI, or a withheld KPI shown as a published point's mean or sum.
 */
export function pathPointsTimesUnits(output: PublishedOutput, truth: TrueValues): Recovery[] {
  const found: Recovery[] = [];
  for (const series of output.series.filter((s) => s.kind === 'synthetic_path')) {
    const kpis = output.kpis.filter((kpi) => kpi.programmeId === series.programmeId);
    for (const cell of series.cells) {
      const name = `${series.programmeId} ${series.outcome} path e=${cell.key}`;
      if (cell.value === null) {
        const target = truth.cells.get(cellKey(series.programmeId, series.outcome, 'synthetic_path', cell.key));
        if (!target) continue;
        for (const kpi of kpis.filter((k) => k.value !== null)) {
          record(found, output.source, `KPI ${kpi.indicatorId} FY${kpi.fiscalYear} as the point's mean`, name, fromShown(kpi.value as Shown), target.value);
          const mean = over(fromShown(kpi.value as Shown), exact(target.units));
          if (mean) record(found, output.source, `KPI ${kpi.indicatorId} FY${kpi.fiscalYear} over the point's units`, name, mean, target.value);
        }
      } else if (cell.units) {
        const total = times(fromShown(cell.value), fromShown(cell.units));
        for (const kpi of kpis.filter((k) => k.value === null)) {
          const target = truth.kpis.get(kpiKey(kpi.programmeId, kpi.indicatorId, kpi.fiscalYear));
          record(found, output.source, `path point e=${cell.key} mean × units`, `${kpi.programmeId} ${kpi.indicatorId} FY${kpi.fiscalYear}`, total, target);
        }
      }
    }
  }
  return found;
}

/** Every attack on one output. */
export function attackOutput(output: PublishedOutput, truth: TrueValues): Recovery[] {
  return [...productsAndRatios(output, truth), ...aggregateMinusParts(output, truth), ...unitDifferences(output, truth), ...totalsAcrossYears(output, truth), ...pathPointsTimesUnits(output, truth)];
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}

const shownExactly = (value: number | null | undefined): Shown | null => (value === null || value === undefined ? null : { value: Number(value), halfUnit: 0 });

/** The true values, from the internal tables (not readable by BI tools). */
export async function readTrueValues(db: Kysely<Database>): Promise<TrueValues> {
  const { rows: kpis } = await sql<{ programme_id: string; indicator_id: string; fiscal_year: number; value: number }>`
    SELECT programme_id, indicator_id, fiscal_year, value FROM bi.kpi_by_fiscal_year`.execute(db);
  const { rows: cells } = await sql<{ programme_id: string; outcome: string; kind: SeriesKind; key: number; value: number | null; units: number }>`
    SELECT l.programme_id, e.outcome,
           CASE e.estimator WHEN 'cs_group' THEN 'cohort' WHEN 'cs_calendar' THEN 'year' ELSE 'event_time' END AS kind,
           coalesce(e.cohort, e.period, e.event_time) AS key, e.estimate AS value, e.cell_units AS units
      FROM bi.latest_runs l JOIN results.effect_estimates e USING (run_key)
     WHERE (e.estimator = 'cs_group' AND e.cohort IS NOT NULL) OR (e.estimator = 'cs_calendar' AND e.period IS NOT NULL) OR (e.estimator = 'cs_dynamic' AND e.event_time IS NOT NULL)
    UNION ALL
    SELECT programme_id, outcome, 'synthetic_path', fiscal_year - award_fiscal_year,
           sum(treated_units * treated_mean) / sum(treated_units), sum(treated_units)::integer
      FROM bi.synthetic_trajectories GROUP BY programme_id, outcome, fiscal_year - award_fiscal_year`.execute(db);
  return {
    kpis: new Map(kpis.map((row) => [kpiKey(row.programme_id, row.indicator_id, row.fiscal_year), Number(row.value)])),
    cells: new Map(cells.filter((row) => row.value !== null).map((row) => [cellKey(row.programme_id, row.outcome, row.kind, row.key), { value: Number(row.value), units: Number(row.units) }])),
  };
}

/** What the public views publish. */
export async function publishedFromViews(db: Kysely<Database>): Promise<PublishedOutput> {
  const { rows: kpis } = await sql<{ programme_id: string; indicator_id: string; fiscal_year: number; value: number | null }>`
    SELECT programme_id, indicator_id, fiscal_year, value FROM bi.public_kpi_by_fiscal_year`.execute(db);
  const seriesRows = async (view: string, key: string, kind: SeriesKind, valueColumn = 'estimate') => {
    const { rows } = await sql<{ programme_id: string; outcome: string; key: number; value: number | null; units: number | null }>`
      SELECT programme_id, outcome, ${sql.ref(key)} AS key, ${sql.ref(valueColumn)} AS value, units FROM ${sql.table(view)}`.execute(db);
    return rows.map((row) => ({ ...row, kind }));
  };
  const cells = [
    ...(await seriesRows('bi.public_effects_by_cohort', 'award_fiscal_year', 'cohort')),
    ...(await seriesRows('bi.public_effects_by_year', 'fiscal_year', 'year')),
    ...(await seriesRows('bi.public_event_study', 'event_time', 'event_time')),
    ...(await seriesRows('bi.public_synthetic_paths', 'event_time', 'synthetic_path', 'treated_mean')),
  ];
  const series = [...groupBy(cells, (row) => `${row.programme_id}|${row.outcome}|${row.kind}`).values()].map((rows) => ({
    programmeId: rows[0].programme_id,
    outcome: rows[0].outcome,
    kind: rows[0].kind,
    cells: rows.map((row) => ({ key: row.key, value: shownExactly(row.value), units: shownExactly(row.units) })),
  }));
  const { rows: overall } = await sql<{ programme_id: string; outcome: string; estimator: string; estimate: number | null; units: number | null }>`
    SELECT programme_id, outcome, estimator, estimate, units FROM bi.public_effect_estimates`.execute(db);
  const { rows: totals } = await sql<{ programme_id: string; rows: number }>`
    SELECT programme_id, rows_loaded - rows_without_consent AS rows FROM bi.input_quality WHERE kind = 'applicants'`.execute(db);
  return {
    source: 'public views',
    kpis: kpis.map((row) => ({ programmeId: row.programme_id, indicatorId: row.indicator_id, fiscalYear: row.fiscal_year, value: shownExactly(row.value) })),
    series,
    overall: overall.map((row) => ({ programmeId: row.programme_id, outcome: row.outcome, estimator: row.estimator, value: shownExactly(row.estimate), units: shownExactly(row.units) })),
    totals: totals.map((row) => ({ programmeId: row.programme_id, value: { value: Number(row.rows), halfUnit: 0 } })),
  };
}

/** A number written in text, with the half-width of its last shown digit. */
export function parseShown(text: string): Shown | null {
  const match = /[-−]?\d[\d,]*(?:\.(\d+))?/.exec(text);
  if (!match) return null;
  const value = Number(match[0].replace(/,/g, '').replace('−', '-'));
  const decimals = match[1]?.length ?? 0;
  return { value, halfUnit: 0.5 * 10 ** -decimals };
}

const WITHHELD_TEXT = /非公表|秘匿|withheld|suppressed/i;

/** A table as rows of cell texts (numbers kept as they are written), from an HTML page or a worksheet. */
export type Grid = readonly (readonly { readonly text: string; readonly shown: Shown | null }[])[];

/**
 * KPI values in a grid: a row names an indicator (its id, or its Japanese name) and either a fiscal year
 * (FY2024) followed by the value, or values under fiscal-year columns of a header row.
 */
export function kpisFromGrid(grid: Grid, programme: Programme): PublishedKpi[] {
  const indicators = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.file.logicModel[stage]);
  const found: PublishedKpi[] = [];
  let yearColumns: Map<number, number> | null = null;
  for (const row of grid) {
    const years = row.flatMap((cell, column) => {
      const match = /^\s*FY(\d{4})\s*$/.exec(cell.text);
      return match ? [[column, Number(match[1])] as [number, number]] : [];
    });
    if (years.length > 1) {
      yearColumns = new Map(years);
      continue;
    }
    const indicator = indicators.find((candidate) => row.some((cell) => cell.text.trim() === candidate.id || cell.text.startsWith(candidate.nameJa)));
    if (!indicator) continue;
    const add = (fiscalYear: number, cell: { text: string; shown: Shown | null } | undefined) => {
      if (!cell || cell.text.trim() === '' || cell.text.trim() === '—') return;
      if (WITHHELD_TEXT.test(cell.text)) found.push({ programmeId: programme.id, indicatorId: indicator.id, fiscalYear, value: null });
      else if (cell.shown) found.push({ programmeId: programme.id, indicatorId: indicator.id, fiscalYear, value: cell.shown });
    };
    if (years.length === 1) add(years[0][1], row[years[0][0] + 1]);
    else if (yearColumns) for (const [column, year] of yearColumns) add(year, row[column]);
  }
  return found;
}

/** The tables of an HTML page as grids. */
export function gridsFromHtml(html: string): Grid[] {
  const text = (cell: string) =>
    cell
      .replace(/<[^>]+>/g, ' ')
      .replace(/&nbsp;/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
      .trim();
  return [...html.matchAll(/<table[\s\S]*?<\/table>/g)].map(([table]) =>
    [...table.matchAll(/<tr[\s\S]*?<\/tr>/g)].map(([row]) =>
      [...row.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map(([, cell]) => {
        const shownText = text(cell);
        return { text: shownText, shown: parseShown(shownText) };
      }),
    ),
  );
}

interface ChartPoint {
  readonly x?: number;
  readonly estimate?: number;
  readonly y?: number;
  readonly series?: string;
  readonly units?: number;
}

/** The points of the page's charts (the vega-lite specs it embeds), by chart id. */
export function chartPointsFromHtml(html: string): Map<string, ChartPoint[]> {
  const match = /const charts = (\[[\s\S]*?\]);\n/.exec(html);
  const charts = match ? (JSON.parse(match[1].replace(/<\\\//g, '</')) as { id: string; spec: unknown }[]) : [];
  const points = new Map<string, ChartPoint[]>();
  const collect = (node: unknown, into: ChartPoint[]) => {
    if (Array.isArray(node)) for (const item of node) collect(item, into);
    else if (node && typeof node === 'object') {
      const values = (node as { values?: unknown }).values;
      if (Array.isArray(values) && values.every((value) => value && typeof value === 'object')) into.push(...(values as ChartPoint[]));
      for (const child of Object.values(node)) if (child !== values) collect(child, into);
    }
  };
  for (const chart of charts) {
    const into: ChartPoint[] = [];
    collect(chart.spec, into);
    points.set(chart.id, into);
  }
  return points;
}

const CHART_KINDS: readonly [RegExp, SeriesKind][] = [
  [/^event-study/, 'event_time'],
  [/^by-cohort/, 'cohort'],
  [/^by-year/, 'year'],
  [/^synthetic-path/, 'synthetic_path'],
];

/**
 * A public HTML page read as a reader would: the KPI tables, the effects table (outcome, estimator, estimate),
 * and the charts' points, matched to outcomes by the numbers they carry (the internal values tell which outcome
 * a chart draws; an attacker would read the heading).
 */
export function publishedFromHtml(html: string, programme: Programme, truth: TrueValues, source: string): PublishedOutput {
  const grids = gridsFromHtml(html);
  const kpis = grids.flatMap((grid) => kpisFromGrid(grid, programme));
  const outcomes = programme.studySpec.outcomes;
  // The effects table tags each row with its outcome and estimator (an outcome's name spans its rows); older pages are read by their labels.
  const tagged = overallFromTaggedRows(html, programme);
  const overall: PublishedOverall[] = tagged.length > 0 ? tagged : grids.flatMap((grid) => grid.flatMap((row) => overallFromRow(row, programme)));
  const series: PublishedSeries[] = [];
  for (const [id, points] of chartPointsFromHtml(html)) {
    const kind = CHART_KINDS.find(([pattern]) => pattern.test(id))?.[1];
    if (!kind) continue;
    const drawn = points.filter((point) => typeof point.x === 'number' && (typeof point.estimate === 'number' || (kind === 'synthetic_path' && typeof point.y === 'number')));
    const treated = kind === 'synthetic_path' ? drawn.filter((point) => point.series === drawn[0]?.series) : drawn;
    const valueOf = (point: ChartPoint) => (kind === 'synthetic_path' ? (point.y as number) : (point.estimate as number));
    // The outcome whose internal values the chart's points equal.
    const outcome = outcomes.find((candidate) =>
      treated.length > 0 && treated.every((point) => {
        const internal = truth.cells.get(cellKey(programme.id, candidate, kind, point.x as number));
        return internal !== undefined && Math.abs(internal.value - valueOf(point)) <= 1e-6 * Math.max(1, Math.abs(internal.value));
      }),
    );
    if (!outcome) continue;
    const keys = [...truth.cells.keys()].filter((key) => key.startsWith(`${programme.id}|${outcome}|${kind}|`)).map((key) => Number(key.split('|')[3]));
    const drawnAt = new Map(treated.map((point) => [point.x as number, point]));
    series.push({
      programmeId: programme.id,
      outcome,
      kind,
      cells: keys.map((key) => {
        const point = drawnAt.get(key);
        return { key, value: point ? { value: valueOf(point), halfUnit: 0 } : null, units: point && typeof point.units === 'number' ? { value: point.units, halfUnit: 0 } : null };
      }),
    });
  }
  const inputs = grids.flatMap((grid) => grid.filter((row) => row[0]?.text === 'applicants' && row[2]?.shown).map((row) => ({ programmeId: programme.id, value: row[2].shown as Shown })));
  return { source, kpis, series, overall, totals: inputs };
}

/** Effects-table rows tagged data-outcome and data-estimator: the estimate as its data-field cell shows it, null when the row says it is withheld. */
function overallFromTaggedRows(html: string, programme: Programme): PublishedOverall[] {
  return [...html.matchAll(/<tr[^>]*\bdata-outcome="([^"]+)" data-estimator="([^"]+)"[^>]*>([\s\S]*?)<\/tr>/g)].flatMap(([, outcome, estimator, row]) => {
    const cell = /<td[^>]*data-field="estimate"[^>]*>([\s\S]*?)<\/td>/.exec(row);
    if (!cell) return [];
    const withheld = WITHHELD_TEXT.test(row.replace(/<[^>]+>/g, ' '));
    const shown = parseShown(cell[1].replace(/<[^>]+>/g, ''));
    if (!withheld && !shown) return [];
    return [{ programmeId: programme.id, outcome, estimator, value: withheld ? null : shown, units: null }];
  });
}

/** The estimators by the labels the outputs give them (report/design-labels.ts), longest first: '年度別の平均' ends '採択年度別の平均'. */
const ESTIMATOR_BY_LABEL = Object.entries(ESTIMATOR_LABELS)
  .flatMap(([estimator, label]) => [[label.ja, estimator], [label.en, estimator], [estimator, estimator]] as [string, string][])
  .sort(([a], [b]) => b.length - a.length);

/** An effects-table row: the outcome (its id or its indicator's name), the estimator (by label) and the estimate after them. */
function overallFromRow(row: Grid[number], programme: Programme): PublishedOverall[] {
  const indicators = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.file.logicModel[stage]);
  const outcome = programme.studySpec.outcomes.find((candidate) => {
    const indicator = indicators.find((i) => i.id === programme.studySpec.outcomeIndicators?.[candidate]);
    return row.some((cell) => cell.text === candidate || cell.text.includes(`(${candidate})`) || (indicator !== undefined && cell.text.startsWith(indicator.nameJa)));
  });
  const at = row.findIndex((cell) => ESTIMATOR_BY_LABEL.some(([label]) => cell.text.startsWith(label)));
  if (!outcome || at < 0) return [];
  const estimator = ESTIMATOR_BY_LABEL.find(([label]) => row[at].text.startsWith(label))?.[1] as string;
  const valueCell = row.slice(at + 1).find((cell) => cell.shown || WITHHELD_TEXT.test(cell.text));
  if (!valueCell) return [];
  return [{ programmeId: programme.id, outcome, estimator, value: WITHHELD_TEXT.test(valueCell.text) ? null : valueCell.shown, units: null }];
}

/** A worksheet as a grid: numbers as stored (their cell format's decimals as the rounding shown), text as written. */
export function gridFromWorksheet(sheet: ExcelJS.Worksheet): Grid {
  const grid: { text: string; shown: Shown | null }[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const cells: { text: string; shown: Shown | null }[] = [];
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      const value = cell.value;
      const decimals = /0\.(0+)/.exec(cell.numFmt ?? '')?.[1].length;
      const percent = (cell.numFmt ?? '').includes('%');
      const shown =
        typeof value === 'number'
          ? { value: percent ? value * 100 : value, halfUnit: decimals === undefined ? 0 : 0.5 * 10 ** -decimals * (percent ? 1 : 1) }
          : typeof value === 'string'
            ? parseShown(value)
            : null;
      cells[column - 1] = { text: value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value), shown };
    });
    grid[rowNumber - 1] = Array.from({ length: cells.length }, (_, i) => cells[i] ?? { text: '', shown: null });
  });
  return Array.from({ length: grid.length }, (_, i) => grid[i] ?? []);
}

/** A workbook read as a reader would: each programme's sheet (named by programme id) for its KPI values and headline effects. */
export function publishedFromWorkbook(workbook: ExcelJS.Workbook, programmes: readonly Programme[], source: string): PublishedOutput {
  const kpis: PublishedKpi[] = [];
  const overall: PublishedOverall[] = [];
  for (const programme of programmes) {
    const sheet = workbook.worksheets.find((candidate) => candidate.name === programme.id.slice(0, 31) || candidate.name.startsWith(programme.id.slice(0, 20)));
    if (!sheet) continue;
    const grid = gridFromWorksheet(sheet);
    kpis.push(...kpisFromGrid(grid, programme));
    for (const row of grid) {
      const outcome = programme.studySpec.outcomes.find((candidate) => row[0]?.text === candidate);
      if (!outcome) continue;
      const valueCell = row.slice(1).find((cell) => cell.shown || WITHHELD_TEXT.test(cell.text));
      overall.push({ programmeId: programme.id, outcome, estimator: 'headline', value: valueCell && !WITHHELD_TEXT.test(valueCell.text) ? valueCell.shown : null, units: null });
    }
  }
  return { source, kpis, series: [], overall, totals: [] };
}

/**
 * The outputs the OLD rule would publish from the same internal values: each cell withheld only when it rests
 * on fewer than `minimum` units, nothing withheld beside it. The attacks must find recoveries here (the test of
 * the test).
 */
export async function publishedUnderPrimaryOnly(db: Kysely<Database>, minimum: number): Promise<PublishedOutput> {
  const views = await publishedFromViews(db);
  const { rows: kpis } = await sql<{ programme_id: string; indicator_id: string; fiscal_year: number; value: number; units: number | null }>`
    SELECT programme_id, indicator_id, fiscal_year, value, units FROM bi.kpi_by_fiscal_year`.execute(db);
  const truth = await readTrueValues(db);
  const { rows: overall } = await sql<{ programme_id: string; outcome: string; estimator: string; estimate: number | null; treated_units: number }>`
    SELECT programme_id, outcome, estimator, estimate, treated_units FROM bi.effect_estimates`.execute(db);
  return {
    source: 'primary suppression only (the old rule)',
    kpis: kpis.map((row) => ({ programmeId: row.programme_id, indicatorId: row.indicator_id, fiscalYear: row.fiscal_year, value: row.units !== null && row.units < minimum ? null : shownExactly(row.value) })),
    series: views.series.map((series) => ({
      ...series,
      cells: series.cells.map((cell) => {
        const internal = truth.cells.get(cellKey(series.programmeId, series.outcome, series.kind, cell.key));
        const open = internal !== undefined && internal.units >= minimum;
        return { key: cell.key, value: open ? shownExactly(internal.value) : null, units: open ? shownExactly(internal.units) : null };
      }),
    })),
    overall: overall.map((row) => ({ programmeId: row.programme_id, outcome: row.outcome, estimator: row.estimator, value: row.treated_units < minimum ? null : shownExactly(row.estimate), units: row.treated_units < minimum ? null : shownExactly(row.treated_units) })),
    totals: views.totals,
  };
}

/**
 * The linear audit behind τ-ARGUS's: the staggered-DiD tables are linear in the ATT(g,t) (a cohort averages its
 * post-award cells; a year and an event time weight cohorts by size; the overall effects average those), so a
 * withheld cell is recoverable exactly when its coefficients lie in the span of the published estimates'. Each
 * published equation is first checked against the internal values (an equation the attacker cannot write down
 * correctly is dropped and reported), then every withheld cell is tested by rank.
 */
export async function linearAudit(db: Kysely<Database>, output?: PublishedOutput): Promise<{ recoveries: string[]; equations: number; unusable: string[] }> {
  const { rows: cells } = await sql<{ programme_id: string; outcome: string; g: number; t: number; att: number }>`
    SELECT programme_id, outcome, award_fiscal_year AS g, fiscal_year AS t, estimate AS att FROM bi.group_time_effects WHERE status = 'estimated'`.execute(db);
  const { rows: sizes } = await sql<{ programme_id: string; outcome: string; g: number; n: number }>`
    SELECT l.programme_id, e.outcome, e.cohort AS g, e.cell_units AS n FROM bi.latest_runs l JOIN results.effect_estimates e USING (run_key)
     WHERE e.estimator = 'cs_group' AND e.cohort IS NOT NULL`.execute(db);
  const published = output ?? (await publishedFromViews(db));
  const internal = await readTrueValues(db);
  const recoveries: string[] = [];
  const unusable: string[] = [];
  let equations = 0;
  for (const [key, ofOutcome] of groupBy(cells, (cell) => `${cell.programme_id}|${cell.outcome}`)) {
    const [programmeId, outcome] = key.split('|');
    const index = new Map(ofOutcome.map((cell, i) => [`${cell.g}|${cell.t}`, i]));
    const att = ofOutcome.map((cell) => Number(cell.att));
    const size = new Map(sizes.filter((s) => s.programme_id === programmeId && s.outcome === outcome).map((s) => [s.g, Number(s.n)]));
    const post = ofOutcome.filter((cell) => cell.t >= cell.g);
    const vector = (terms: readonly { g: number; t: number; w: number }[]) => {
      const v = new Float64Array(ofOutcome.length);
      const total = terms.reduce((sum, term) => sum + term.w, 0);
      for (const term of terms) v[index.get(`${term.g}|${term.t}`) as number] += term.w / total;
      return v;
    };
    const coefficients = (kind: SeriesKind, k: number): Float64Array | null => {
      const terms =
        kind === 'cohort'
          ? post.filter((cell) => cell.g === k).map((cell) => ({ g: cell.g, t: cell.t, w: 1 }))
          : kind === 'year'
            ? post.filter((cell) => cell.t === k).map((cell) => ({ g: cell.g, t: cell.t, w: size.get(cell.g) ?? 0 }))
            : ofOutcome.filter((cell) => cell.t - cell.g === k).map((cell) => ({ g: cell.g, t: cell.t, w: size.get(cell.g) ?? 0 }));
      return terms.length ? vector(terms) : null;
    };
    const rows: Float64Array[] = [];
    const check = (name: string, v: Float64Array | null, value: number) => {
      if (!v) return;
      const predicted = v.reduce((sum, c, i) => sum + c * att[i], 0);
      if (Math.abs(predicted - value) > 1e-6 * Math.max(1, Math.abs(value))) unusable.push(`${programmeId} ${outcome} ${name}: ${predicted} ≠ ${value}`);
      else rows.push(v);
    };
    const targets: { name: string; v: Float64Array }[] = [];
    for (const series of published.series.filter((s) => s.programmeId === programmeId && s.outcome === outcome && s.kind !== 'synthetic_path')) {
      for (const cell of series.cells) {
        const v = coefficients(series.kind, cell.key);
        if (cell.value) check(`${series.kind} ${cell.key}`, v, cell.value.value);
        else if (v && internal.cells.has(cellKey(programmeId, outcome, series.kind, cell.key))) targets.push({ name: `${series.kind} ${cell.key}`, v });
      }
    }
    const overall = (estimator: string) => published.overall.find((row) => row.programmeId === programmeId && row.outcome === outcome && row.estimator === estimator)?.value?.value;
    const mean = (vectors: readonly (Float64Array | null)[]) => {
      const present = vectors.filter((v): v is Float64Array => v !== null);
      if (!present.length) return null;
      const v = new Float64Array(ofOutcome.length);
      for (const p of present) for (let i = 0; i < v.length; i++) v[i] += p[i] / present.length;
      return v;
    };
    const simple = overall('cs_simple');
    if (simple !== undefined) check('cs_simple', vector(post.map((cell) => ({ g: cell.g, t: cell.t, w: size.get(cell.g) ?? 0 }))), simple);
    const dynamic = overall('cs_dynamic');
    const postTimes = [...new Set(post.map((cell) => cell.t - cell.g))];
    if (dynamic !== undefined) check('cs_dynamic', mean(postTimes.map((e) => coefficients('event_time', e))), dynamic);
    const calendar = overall('cs_calendar');
    if (calendar !== undefined) check('cs_calendar', mean([...new Set(post.map((cell) => cell.t))].map((t) => coefficients('year', t))), calendar);
    const group = overall('cs_group');
    if (group !== undefined) {
      const cohorts = [...new Set(post.map((cell) => cell.g))];
      const v = new Float64Array(ofOutcome.length);
      const total = cohorts.reduce((sum, g) => sum + (size.get(g) ?? 0), 0);
      for (const g of cohorts) {
        const c = coefficients('cohort', g) as Float64Array;
        for (let i = 0; i < v.length; i++) v[i] += (c[i] * (size.get(g) ?? 0)) / total;
      }
      check('cs_group', v, group);
    }
    equations += rows.length;
    const base = rank(rows);
    for (const target of targets) if (rank([...rows, target.v]) === base) recoveries.push(`${programmeId} ${outcome} ${target.name}`);
  }
  return { recoveries, equations, unusable };
}

/** Rank by Gaussian elimination with partial pivoting (relative tolerance 1e-9). */
function rank(rows: readonly Float64Array[]): number {
  const m = rows.map((row) => Float64Array.from(row));
  const columns = m[0]?.length ?? 0;
  const scale = Math.max(1e-300, ...m.flatMap((row) => Array.from(row, Math.abs)));
  let r = 0;
  for (let c = 0; c < columns && r < m.length; c++) {
    let pivot = r;
    for (let i = r + 1; i < m.length; i++) if (Math.abs(m[i][c]) > Math.abs(m[pivot][c])) pivot = i;
    if (Math.abs(m[pivot][c]) <= 1e-9 * scale) continue;
    [m[r], m[pivot]] = [m[pivot], m[r]];
    for (let i = 0; i < m.length; i++) {
      if (i === r) continue;
      const f = m[i][c] / m[r][c];
      if (f !== 0) for (let j = c; j < columns; j++) m[i][j] -= f * m[r][j];
    }
    r++;
  }
  return r;
}
