/**
 * The header of a CSV or TSV file found where it is: title and 作成日 lines above it are skipped (and
 * counted), names with units in brackets are matched, and values under a header naming another unit than
 * the declared one (申請額(千円)) are converted. A file whose header is on its first line and names no
 * unit is passed through untouched, so the common case costs nothing.
 */
import type { RawRecord, RejectionReason } from '../validating/validate-records.js';
import { ConversionTally } from './conversions.js';
import { readCell, type ColumnReader, type UnitConversion } from './excel-cells.js';
import type { ExpectedTable } from './expected-columns.js';
import { findHeader, HEADER_SEARCH_ROWS, isFoundHeader, missingHeaderMessage } from './header-row.js';
import { conversionExponent } from './units.js';

export interface LocatedTextTable {
  readonly header: readonly string[];
  /** The last line of the header: records on it or above are not data. */
  readonly headerLines: number;
  readonly layout: { readonly headerLines: readonly number[]; readonly linesAboveHeader: number };
  readonly conversions: () => UnitConversion[];
  readonly records: AsyncIterable<readonly RawRecord[]>;
}

export class TextHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TextHeaderError';
  }
}

export async function locateTextHeader(
  path: string,
  firstLine: { readonly line: number; readonly fields: readonly string[] } | null,
  records: AsyncIterable<readonly RawRecord[]>,
  expected: ExpectedTable,
): Promise<LocatedTextTable> {
  const iterator = records[Symbol.asyncIterator]();
  // The records the header is looked for among, in file order (unreadable ones included, as rows of one cell).
  const looked: RawRecord[] = firstLine ? [{ line: firstLine.line, fields: firstLine.fields }] : [];
  let exhausted = false;
  while (looked.length < HEADER_SEARCH_ROWS) {
    const next = await iterator.next();
    if (next.done) {
      exhausted = true;
      break;
    }
    looked.push(...next.value);
  }
  looked.sort((a, b) => a.line - b.line);
  const searched = looked.slice(0, HEADER_SEARCH_ROWS);
  const found = findHeader(
    searched.map((record) => (record.parseError === undefined ? record.fields : [])),
    expected,
  );
  if (!isFoundHeader(found)) {
    // An empty file is an account of no rows, not a refusal.
    if (looked.length === 0) return { header: [], headerLines: 1, layout: { headerLines: [], linesAboveHeader: 0 }, conversions: () => [], records: (async function* () {})() };
    throw new TextHeaderError(missingHeaderMessage(path, found, (row) => searched[row]?.line ?? row + 1, searched.length, expected));
  }
  const headerRecords = found.rows.map((row) => searched[row]);
  const firstHeaderLine = headerRecords[0].line;
  const lastHeaderLine = headerRecords.at(-1)!.line;
  // Unreadable lines are quarantined wherever they are; readable ones above the header are titles, skipped.
  const above = looked.filter((record) => record.line < firstHeaderLine);
  const linesAboveHeader = above.filter((record) => record.parseError === undefined && record.fields.some((field) => field.trim() !== '')).length;
  const data = looked.filter((record) => record.line > lastHeaderLine || (record.line < firstHeaderLine && record.parseError !== undefined));
  const readers: ColumnReader[] = found.columns.map((column) => ({ header: column, expected: expected.columns.find((candidate) => candidate.field === column.field) ?? null }));
  const converting = readers.flatMap((reader, index) => {
    const declared = reader.expected?.unit;
    return reader.header.unit && declared && reader.expected?.role === 'amount' && conversionExponent(reader.header.unit, declared) !== 0 ? [index] : [];
  });
  const tally = new ConversionTally();
  const header = found.columns.map((column) => column.field ?? column.label);
  const convert = (record: RawRecord): RawRecord => {
    if (converting.length === 0 || record.parseError !== undefined) return record;
    const fields = [...record.fields];
    const problems: RejectionReason[] = [];
    for (const index of converting) {
      if (index >= fields.length) continue;
      const read = readCell({ value: fields[index], numFmt: undefined, ref: `line ${record.line}`, date1904: false }, readers[index]);
      fields[index] = read.text;
      if (read.problem) problems.push(read.problem);
      tally.add(read.conversion);
    }
    return { ...record, fields, ...(problems.length ? { problems: [...(record.problems ?? []), ...problems] } : {}) };
  };
  async function* all(): AsyncGenerator<readonly RawRecord[]> {
    if (data.length) yield data.map(convert);
    if (exhausted) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield converting.length ? next.value.map(convert) : next.value;
  }
  return {
    header,
    headerLines: lastHeaderLine,
    layout: { headerLines: headerRecords.map((record) => record.line), linesAboveHeader },
    conversions: () => tally.list(),
    records: all(),
  };
}
