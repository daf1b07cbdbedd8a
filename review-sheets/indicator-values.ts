/**
 * A 3-1 file's indicators by fiscal year, the rows of core.review_indicator_values (migration 0039), gathered from
 * the file's stored rows as they are read. 3-1 publishes an output or outcome indicator in four rows (1.目標年度,
 * 2.目標値, 3.実績値, 4.達成率) with a cell per fiscal year; a reader wants one row per indicator and year with the four
 * side by side. Until 0039 bi.review_indicator_values turned the rows round in SQL, over every file loaded, at the end
 * of each load (a materialized view's refresh: 1.66 s of PostgreSQL's time in a national year's load, beside the
 * findings' refresh, and more with each review year loaded beside it); the load has each row in hand already, so it
 * writes the result once, beside the rows.
 *
 * The rows are those of 0034's view, file by file: an indicator is the file, project, node kind, node number and
 * indicator_seq; its name, unit, direction, outcome term and whether it is qualitative are those of its first row
 * (rows without a row kind, the activities, are not indicators); a fiscal year is a row when any of the four rows
 * has a cell for it. Where a sheet repeats a row kind within one indicator (two 2.目標値 rows with no 1.目標年度 between
 * them), the year's cell is the greater text in code-point order, whatever the database's collation: what max() gives
 * under COLLATE "C" (migration 0039's backfill), and what 0034's view gave on databases made with C.UTF-8.
 */
import { copyTextField } from '../ingest/loading/copy-text.js';
import { NUMBER_CELL } from './cell-values.js';
import type { Row } from './records.js';
import { YearValues } from './year-values.js';

type RowKind = 'target_year' | 'target' | 'actual' | 'achievement';

/** The four rows' cells of one fiscal year, as stored in year_values (numbers normalised, text as published). */
type YearCells = { [kind in RowKind]?: string };

interface Indicator {
  /** The COPY text of what each of its rows repeats from its first row (INDICATOR_VALUE_COLUMNS up to fiscal_year). */
  readonly attributes: string;
  readonly years: Map<number, YearCells>;
}

/** core.review_indicator_values' columns written by the load, in COPY order (file_sha256 first, added by the store). */
export const INDICATOR_VALUE_COLUMNS = [
  'review_year',
  'project_id',
  'node_number',
  'indicator_seq',
  'node_kind',
  'outcome_term',
  'qualitative',
  'indicator_name',
  'unit',
  'direction',
  'fiscal_year',
  'is_target_year',
  'target_text',
  'actual_text',
  'achievement_text',
] as const;

const ROW_KINDS: ReadonlySet<string> = new Set<RowKind>(['target_year', 'target', 'actual', 'achievement']);

/** Compares by Unicode code point (UTF-16 code units order the characters beyond U+FFFF before U+E000–U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Stands for a null node kind in an indicator's key: no kind is this text, so such rows stay apart from every kind. */
const NO_KIND = '\u0000';

/** An indicator's key in IndicatorValues: its project, node kind, node number and indicator_seq (a file holds one review year). */
export function indicatorKey(row: Row): string {
  return `${String(row.project_id)}\t${typeof row.node_kind === 'string' ? row.node_kind : NO_KIND}\t${String(row.node_number)}\t${String(row.indicator_seq)}`;
}

export class IndicatorValues {
  private readonly indicators = new Map<string, Indicator>();
  /** The indicator of the row before: its rows come one after another in the published files. */
  private last: { readonly row: Row; readonly indicator: Indicator } | null = null;

  /** One stored 3-1 row, in file order. */
  add(row: Row): void {
    const kind = row.row_kind;
    if (typeof kind !== 'string' || !ROW_KINDS.has(kind)) return;
    const indicator = this.indicatorOf(row);
    const values = row.year_values;
    if (!(values instanceof YearValues)) return;
    for (const [column, value] of values.entries()) {
      const year = Number(column);
      let cells = indicator.years.get(year);
      if (cells === undefined) {
        cells = {};
        indicator.years.set(year, cells);
      }
      const held = cells[kind as RowKind];
      if (held === undefined || compareCodePoints(value, held) > 0) cells[kind as RowKind] = detached(value);
    }
  }

  private indicatorOf(row: Row): Indicator {
    const last = this.last;
    if (
      last !== null &&
      last.row.indicator_seq === row.indicator_seq &&
      last.row.node_number === row.node_number &&
      last.row.project_id === row.project_id &&
      last.row.node_kind === row.node_kind
    ) {
      return last.indicator;
    }
    const key = indicatorKey(row);
    let indicator = this.indicators.get(key);
    if (indicator === undefined) {
      indicator = { attributes: attributesOf(row), years: new Map() };
      this.indicators.set(key, indicator);
    }
    // Only the fields compared above are read again, so the row kept here holds no text of the file.
    this.last = { row: { project_id: row.project_id, node_kind: row.node_kind, node_number: row.node_number, indicator_seq: row.indicator_seq }, indicator };
    return indicator;
  }

  /**
   * Whether the indicator (as IndicatorValues keys it: project, node kind, node number, indicator_seq) has a fiscal year
   * whose target cell is a number: a row of core.review_indicator_values whose target_value is not null (the cell
   * matches NUMBER_CELL, as the table's generated column reads it). The cell is the year's after every row was added (the
   * greater text where a row kind repeats), as copyLines writes it.
   */
  hasNumericTarget(key: string): boolean {
    const indicator = this.indicators.get(key);
    if (indicator === undefined) return false;
    for (const cells of indicator.years.values()) if (cells.target !== undefined && NUMBER_CELL.test(cells.target)) return true;
    return false;
  }

  /**
   * The rows as lines of COPY text, `first` (the file's digest) before each: indicators in file order, each year in
   * the order its first cell came, the columns in INDICATOR_VALUE_COLUMNS' order.
   */
  *copyLines(first: string): Generator<string> {
    const lead = `${copyTextField(first)}\t`;
    for (const { attributes, years } of this.indicators.values()) {
      for (const [year, cells] of years) {
        yield `${lead}${attributes}\t${year}\t${cells.target_year === '1' ? 't' : 'f'}\t${cell(cells.target)}\t${cell(cells.actual)}\t${cell(cells.achievement)}\n`;
      }
    }
  }
}

const cell = (text: string | undefined) => copyTextField(text ?? null);

const ATTRIBUTE_COLUMNS = INDICATOR_VALUE_COLUMNS.slice(0, INDICATOR_VALUE_COLUMNS.indexOf('fiscal_year'));

function attributesOf(row: Row): string {
  const text = ATTRIBUTE_COLUMNS.map((column) => {
    const value = row[column];
    return copyTextField(value === undefined || value instanceof YearValues ? null : value);
  }).join('\t');
  return detached(text);
}

/**
 * The text as a string of its own. A cell's text is cut from the piece of the file it was read from, and V8 keeps a
 * longer cut (13 characters or more) as a view of that piece (and a joined text as a view of its parts): kept until
 * the file's end, the names of 27,000 indicators would keep every piece of a 41 MB file in memory (a national year's
 * load peaked 130 MB higher).
 */
export function detached(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}
