/**
 * Opens any supported input file as a header and a stream of raw records: CSV and TSV (UTF-8 or
 * Shift_JIS), JSON Lines, and XLSX (the sheet whose header fits the kind of file, or a named one). The
 * header is found where it is (the other modules of this folder). The format comes from the file name unless it is named.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { openCsv, type InputEncoding } from './read-csv.js';
import { locateTextHeader, openWorkbookTable, TextHeaderError, type ExpectedTable, type UnitConversion } from './index.js';
import { judgeFile, notATableMessage } from './sniff-text.js';
import type { RawRecord } from '../validating/validate-records.js';

export const INPUT_FORMATS = ['auto', 'csv', 'tsv', 'jsonl', 'xlsx'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface TableStream {
  readonly header: readonly string[];
  readonly format: Exclude<InputFormat, 'auto'>;
  /** Text encoding, for text formats. */
  readonly encoding: 'utf8' | 'cp932' | null;
  /** Lines up to the header's last: 1 for a header on the first line, 0 for JSON Lines; records start after it. */
  readonly headerLines: number;
  /** Where the table was found in the file. */
  readonly layout: TableLayout;
  /** Unit conversions applied so far (all of them once the records are read). */
  readonly conversions: () => readonly UnitConversion[];
  /** In arrays of consecutive records, as they are read. */
  readonly records: AsyncIterable<readonly RawRecord[]>;
}

/** Where a table was found in its file, for the file's account. */
export interface TableLayout {
  /** The XLSX sheet read; null for text formats. */
  readonly sheet?: string | null;
  /** The header's line (row) numbers: [1] usually, [4] under a title, [4, 5] for a two-row header; [] for JSON Lines. */
  readonly headerLines: readonly number[];
  /** Lines above the header (titles, 作成日) that were skipped, not read as data. */
  readonly linesAboveHeader: number;
  /** True when a hidden sheet was read because it was named. */
  readonly hiddenSheetNamed?: boolean;
}

export interface OpenTableOptions {
  /** The columns the file is expected to have: used to find the header and the sheet, and to read cells. */
  readonly expected: ExpectedTable;
  readonly format?: InputFormat;
  readonly encoding?: InputEncoding;
  /** XLSX sheet name; when absent, the visible sheet whose header names the expected columns. */
  readonly sheet?: string;
}

export class InputFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFormatError';
  }
}

export function formatOf(path: string, format: InputFormat = 'auto'): Exclude<InputFormat, 'auto'> {
  if (format !== 'auto') return format;
  switch (extname(path).toLowerCase()) {
    case '.tsv':
    case '.tab':
      return 'tsv';
    case '.jsonl':
    case '.ndjson':
      return 'jsonl';
    case '.xlsx':
      return 'xlsx';
    default:
      return 'csv';
  }
}

export async function openTable(path: string, options: OpenTableOptions): Promise<TableStream> {
  const format = formatOf(path, options.format);
  if (format !== 'xlsx') {
    const verdict = await judgeFile(path);
    if (!verdict.text) throw new InputFormatError(notATableMessage(path, verdict.reason));
  }
  if (format === 'csv' || format === 'tsv') {
    const csv = await openCsv(path, options.encoding ?? 'auto', format === 'tsv' ? '\t' : ',');
    try {
      const located = await locateTextHeader(path, csv.header.length ? { line: csv.headerLine, fields: csv.header } : null, csv.records, options.expected);
      return { ...located, layout: { sheet: null, ...located.layout }, format, encoding: csv.encoding };
    } catch (error) {
      if (error instanceof TextHeaderError) throw new InputFormatError(error.message);
      throw error;
    }
  }
  if (format === 'jsonl') return openJsonLines(path);
  return openWorkbookTable(path, options.expected, options.sheet);
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

type JsonLine = { readonly kind: 'object'; readonly line: number; readonly value: Record<string, unknown> } | { readonly kind: 'unreadable'; readonly record: RawRecord };

/** One JSON Lines line: the object it holds, or the record to quarantine when it holds none. */
function parseJsonLine(text: string, line: number): JsonLine {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return { kind: 'object', line, value: value as Record<string, unknown> };
    return { kind: 'unreadable', record: { line, fields: [text], parseError: 'not a JSON object' } };
  } catch (error) {
    return { kind: 'unreadable', record: { line, fields: [text], parseError: (error as Error).message } };
  }
}

/** JSON Lines: one object per line; the first object's keys are the header. */
async function openJsonLines(path: string): Promise<TableStream> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })[Symbol.asyncIterator]();
  let lineNumber = 0;
  /** Next non-blank line, parsed; undefined at the end of the file. */
  const nextParsed = async (): Promise<JsonLine | undefined> => {
    for (;;) {
      const next = await lines.next();
      if (next.done) return undefined;
      lineNumber++;
      if (next.value.trim() !== '') return parseJsonLine(next.value, lineNumber);
    }
  };
  // Lines before the first object cannot be matched to a header: they are quarantined as they come.
  const leading: RawRecord[] = [];
  let first = await nextParsed();
  while (first?.kind === 'unreadable') {
    leading.push(first.record);
    first = await nextParsed();
  }
  const header = first ? Object.keys(first.value) : [];
  const toRecord = (parsed: JsonLine): RawRecord =>
    // Own keys only: a line without a key the first line had is empty there, even for constructor or toString.
    parsed.kind === 'unreadable' ? parsed.record : { line: parsed.line, fields: header.map((key) => cellText(Object.hasOwn(parsed.value, key) ? parsed.value[key] : undefined)) };
  async function* records(): AsyncGenerator<RawRecord[]> {
    if (leading.length > 0) yield leading;
    if (!first) return;
    yield [toRecord(first)];
    for (let parsed = await nextParsed(); parsed; parsed = await nextParsed()) yield [toRecord(parsed)];
  }
  return { header, format: 'jsonl', encoding: 'utf8', headerLines: 0, layout: { sheet: null, headerLines: [], linesAboveHeader: 0 }, conversions: () => [], records: records() };
}
