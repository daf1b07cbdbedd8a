/**
 * What a mapped record becomes: a row for its table, or a reason it is quarantined. Every record ends as one
 * or the other, so a file's records = loaded + quarantined.
 */
import { INTEGER_COLUMN_MAX } from '../schemas/column-limits.js';
import { corporateNumberProblem } from '../schemas/corporate-number.js';
import { MAX_NUMBER_CHARACTERS, numberCell, presentText } from './cell-values.js';
import type { YearValues } from './year-values.js';

export type Row = Record<string, string | number | boolean | null | YearValues>;

export type Mapped = { readonly row: Row } | { readonly reason: string };

/**
 * A record's cells, read by published column name through the header's positions (one map per file). Not an object
 * keyed by column: built per record, with 25–44 columns, each was a dictionary (V8 gives up fast properties past a
 * dozen keyed stores), and building them was most of the mapping's time and garbage at 370,000 records a year.
 */
export class Cells {
  constructor(
    private readonly positions: ReadonlyMap<string, number>,
    private readonly record: readonly string[],
  ) {}

  get(column: string): string | undefined {
    const index = this.positions.get(column);
    return index === undefined ? undefined : this.record[index];
  }
}

export class RecordProblem extends Error {}

/** A whole number for an integer column; a larger one quarantines its record (stored, it would fail the file's COPY). */
function withinIntegerColumn(column: string, text: string): number {
  const value = Number(text);
  if (value > INTEGER_COLUMN_MAX) throw new RecordProblem(`${column} "${text}" is larger than ebpm can store (at most ${INTEGER_COLUMN_MAX.toLocaleString('en-US')})`);
  return value;
}

/** The key every table shares: the review year (checked against the file's name) and the project, whose id it returns. */
export function projectKey(cells: Cells, reviewYear: number): number {
  const year = presentText(cells.get('事業年度'));
  if (year !== String(reviewYear)) throw new RecordProblem(`事業年度 "${cells.get('事業年度') ?? ''}" is not the file's review year ${reviewYear}`);
  const id = presentText(cells.get('予算事業ID'));
  if (id === null || !/^\d+$/.test(id)) throw new RecordProblem(`予算事業ID "${cells.get('予算事業ID') ?? ''}" is not a whole number`);
  return withinIntegerColumn('予算事業ID', id);
}

export function amount(cells: Cells, column: string): string | null {
  const cell = numberCell(cells.get(column));
  if (!cell.ok) throw new RecordProblem(cell.tooLong ? tooLongNumber(column, cell.text) : `${column} "${cell.text}" is not an amount`);
  return cell.value;
}

/** The reason for a number longer than MAX_NUMBER_CHARACTERS (its text is not repeated: it is that long). */
export function tooLongNumber(column: string, text: string): string {
  return `${column} holds a number of ${text.length.toLocaleString('en-US')} characters, more than ebpm stores (at most ${MAX_NUMBER_CHARACTERS.toLocaleString('en-US')})`;
}

export function wholeNumber(cells: Cells, column: string): number | null {
  const text = presentText(cells.get(column));
  if (text === null) return null;
  if (!/^\d+$/.test(text)) throw new RecordProblem(`${column} "${text}" is not a whole number`);
  return withinIntegerColumn(column, text);
}

export function text(cells: Cells, column: string): string | null {
  return presentText(cells.get(column));
}

/** TRUE / FALSE as the RS system writes a flag (終了予定なし), any case; null when blank or a dash. */
export function flag(cells: Cells, column: string): boolean | null {
  const value = presentText(cells.get(column));
  if (value === null) return null;
  const upper = value.toUpperCase();
  if (upper === 'TRUE') return true;
  if (upper === 'FALSE') return false;
  throw new RecordProblem(`${column} "${value}" is neither TRUE nor FALSE`);
}

/** 法人番号 as written (trimmed) and whether its check digit holds; an invalid one still loads, flagged. */
export function corporateNumber(cells: Cells, column: string): { value: string | null; valid: boolean | null } {
  const value = presentText(cells.get(column));
  if (value === null) return { value: null, valid: null };
  return { value, valid: corporateNumberProblem(value) === null };
}

export function mapWith(map: () => Row): Mapped {
  try {
    return { row: map() };
  } catch (error) {
    if (error instanceof RecordProblem) return { reason: error.message };
    throw error;
  }
}
