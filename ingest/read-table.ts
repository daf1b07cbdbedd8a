/**
 * Opens any supported input file as a header and a stream of raw records: CSV and TSV (UTF-8 or
 * Shift_JIS), JSON Lines, and XLSX (the first sheet or a named one). The format comes from the file
 * name unless it is named.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { openCsv, type InputEncoding } from './read-csv.js';
import { judgeFile, notATableMessage } from './sniff-text.js';
import type { RawRecord } from './validate-records.js';

export const INPUT_FORMATS = ['auto', 'csv', 'tsv', 'jsonl', 'xlsx'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface TableStream {
  readonly header: readonly string[];
  readonly format: Exclude<InputFormat, 'auto'>;
  /** Text encoding, for text formats. */
  readonly encoding: 'utf8' | 'cp932' | null;
  /** Lines before the first record: 1 for a header line (CSV, TSV, XLSX), 0 for JSON Lines. */
  readonly headerLines: number;
  /** In arrays of consecutive records, as they are read. */
  readonly records: AsyncIterable<readonly RawRecord[]>;
}

export interface OpenTableOptions {
  readonly format?: InputFormat;
  readonly encoding?: InputEncoding;
  /** XLSX sheet name; the first sheet when absent. */
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

export async function openTable(path: string, options: OpenTableOptions = {}): Promise<TableStream> {
  const format = formatOf(path, options.format);
  if (format !== 'xlsx') {
    const verdict = await judgeFile(path);
    if (!verdict.text) throw new InputFormatError(notATableMessage(path, verdict.reason));
  }
  if (format === 'csv' || format === 'tsv') {
    const csv = await openCsv(path, options.encoding ?? 'auto', format === 'tsv' ? '\t' : ',');
    return { ...csv, format, headerLines: 1 };
  }
  if (format === 'jsonl') return openJsonLines(path);
  return openWorkbook(path, options.sheet);
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const cell = value as { text?: unknown; result?: unknown; richText?: { text: string }[]; error?: unknown };
    if (Array.isArray(cell.richText)) return cell.richText.map((part) => part.text).join('');
    if ('result' in cell) return cellText(cell.result);
    if (typeof cell.text === 'string') return cell.text;
    if (cell.error !== undefined) return String(cell.error);
  }
  return String(value);
}

/** XLSX: cells of merged ranges take the value of the range's top-left cell, so no value is lost. */
async function openWorkbook(path: string, sheetName: string | undefined): Promise<TableStream> {
  // Loaded only for workbooks: it takes longer to load than a CSV batch takes to parse.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(path);
  } catch (error) {
    throw new InputFormatError(`${path} cannot be read as an XLSX workbook: ${(error as Error).message}`);
  }
  const sheet = sheetName ? workbook.getWorksheet(sheetName) : workbook.worksheets[0];
  if (!sheet) {
    const names = workbook.worksheets.map((w) => w.name).join(', ');
    throw new InputFormatError(sheetName ? `${path} has no sheet "${sheetName}"; its sheets are: ${names}` : `${path} has no sheets`);
  }
  const width = sheet.columnCount;
  const rowValues = (rowNumber: number): string[] => {
    const row = sheet.getRow(rowNumber);
    return Array.from({ length: width }, (_, index) => {
      const cell = row.getCell(index + 1);
      return cellText(cell.isMerged ? cell.master.value : cell.value).trim();
    });
  };
  const header = sheet.rowCount >= 1 ? rowValues(1) : [];
  while (header.length && header[header.length - 1] === '') header.pop();
  async function* records(): AsyncGenerator<RawRecord[]> {
    for (let rowNumber = 2; rowNumber <= sheet!.rowCount; rowNumber++) {
      const fields = rowValues(rowNumber).slice(0, Math.max(header.length, 1));
      if (fields.every((field) => field === '')) continue;
      yield [{ line: rowNumber, fields }];
    }
  }
  return { header, format: 'xlsx', encoding: null, headerLines: 1, records: records() };
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
    parsed.kind === 'unreadable' ? parsed.record : { line: parsed.line, fields: header.map((key) => cellText(parsed.value[key])) };
  async function* records(): AsyncGenerator<RawRecord[]> {
    if (leading.length > 0) yield leading;
    if (!first) return;
    yield [toRecord(first)];
    for (let parsed = await nextParsed(); parsed; parsed = await nextParsed()) yield [toRecord(parsed)];
  }
  return { header, format: 'jsonl', encoding: 'utf8', headerLines: 0, records: records() };
}
