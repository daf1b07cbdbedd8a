/**
 * Reads selected columns of a numeric CSV straight from bytes into typed arrays: no per-row objects and no
 * per-field strings on the common path, so a million-row panel loads in a fraction of a second.
 * Numbers with at most 15 significant digits and a small exponent are converted exactly (Clinger's fast
 * path: one correctly rounded multiplication or division); anything else goes through Number().
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../../runtime/compiled-module.js';

export type ColumnKind = 'number' | 'id';

export interface CsvColumnsRequest {
  readonly [name: string]: ColumnKind;
}

export interface CsvColumns {
  readonly rowCount: number;
  readonly header: readonly string[];
  /** Numeric columns; empty and NA fields are NaN. */
  readonly numbers: Readonly<Record<string, Float64Array>>;
  /** Id columns: numbers when every id is numeric, else strings. */
  readonly ids: Readonly<Record<string, Float64Array | string[]>>;
}

export class CsvColumnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvColumnError';
  }
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Field scanners report through these rather than allocate a result object per field. */
let scannedValue = 0;
let scannedInvalid = false;
let scannedQuotedFrom = -1;
let scannedQuotedTo = -1;

function isDelimiter(byte: number): boolean {
  return byte === COMMA || byte === LF || byte === CR;
}

/**
 * Parses the field starting at `position` as a number while scanning for its end; returns the index of the
 * delimiter (or the end of the data). Empty fields and NA give NaN; text that is not a number sets
 * scannedInvalid.
 */
function scanNumber(bytes: Uint8Array, position: number, end: number): number {
  // bytes[end] is a sentinel newline (see readCsvColumns), so the scan needs no bounds checks.
  scannedInvalid = false;
  scannedQuotedFrom = -1;
  let i = position;
  let negative = false;
  let byte = bytes[i];
  if (byte === 45 || byte === 43) {
    negative = byte === 45;
    byte = bytes[++i];
  }
  let mantissa = 0;
  let significant = 0;
  let exponent = 0;
  let digits = 0;
  while (byte >= 48 && byte <= 57) {
    if (significant > 0 || byte !== 48) significant++;
    mantissa = mantissa * 10 + (byte - 48);
    digits++;
    byte = bytes[++i];
  }
  if (byte === 46) {
    byte = bytes[++i];
    while (byte >= 48 && byte <= 57) {
      if (significant > 0 || byte !== 48) significant++;
      mantissa = mantissa * 10 + (byte - 48);
      exponent--;
      digits++;
      byte = bytes[++i];
    }
  }
  if (digits > 0 && (byte === 101 || byte === 69)) {
    byte = bytes[++i];
    let exponentNegative = false;
    if (byte === 45 || byte === 43) {
      exponentNegative = byte === 45;
      byte = bytes[++i];
    }
    let explicit = 0;
    let exponentDigits = 0;
    while (byte >= 48 && byte <= 57) {
      explicit = explicit * 10 + (byte - 48);
      exponentDigits++;
      byte = bytes[++i];
    }
    if (exponentDigits === 0) return scanSlowly(bytes, position, end);
    exponent += exponentNegative ? -explicit : explicit;
  }
  if (!isDelimiter(byte)) return scanSlowly(bytes, position, end);
  if (digits === 0) {
    if (i !== position) return scanSlowly(bytes, position, end);
    scannedValue = Number.NaN;
    return i;
  }
  if (significant > 15 || exponent > 22 || exponent < -22) return scanSlowly(bytes, position, end);
  const magnitude = exponent >= 0 ? mantissa * POWERS_OF_TEN[exponent] : mantissa / POWERS_OF_TEN[-exponent];
  scannedValue = negative ? -magnitude : magnitude;
  return i;
}

/** Finds the end of a field (quotes respected) without parsing it; records the unquoted span. */
function skipField(bytes: Uint8Array, position: number, end: number): number {
  scannedQuotedFrom = -1;
  if (position < end && bytes[position] === QUOTE) {
    let i = position + 1;
    for (;;) {
      if (i >= end) throw new UnclosedQuoteError();
      if (bytes[i] === QUOTE) {
        if (i + 1 < end && bytes[i + 1] === QUOTE) i += 2;
        else break;
      } else i++;
    }
    scannedQuotedFrom = position + 1;
    scannedQuotedTo = i;
    i++;
    while (i < end && !isDelimiter(bytes[i])) i++;
    return i;
  }
  let i = position;
  while (i < end && !isDelimiter(bytes[i])) i++;
  return i;
}

function scanSlowly(bytes: Uint8Array, position: number, end: number): number {
  const fieldEnd = skipField(bytes, position, end);
  const from = scannedQuotedFrom >= 0 ? scannedQuotedFrom : position;
  const to = scannedQuotedFrom >= 0 ? scannedQuotedTo : fieldEnd;
  const text = unquote(bytes, from, to).trim();
  scannedInvalid = false;
  if (text === '' || text === 'NA' || text === 'NaN' || text === 'null') scannedValue = Number.NaN;
  else if (text === 'Inf' || text === 'inf') scannedValue = Number.POSITIVE_INFINITY;
  else {
    scannedValue = Number(text);
    if (Number.isNaN(scannedValue)) scannedInvalid = true;
  }
  return fieldEnd;
}

function unquote(bytes: Uint8Array, start: number, end: number): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
  return text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text.replace(/""/g, '"');
}

function fieldText(bytes: Uint8Array, position: number, fieldEnd: number): string {
  return scannedQuotedFrom >= 0 ? unquote(bytes, scannedQuotedFrom, scannedQuotedTo) : unquote(bytes, position, fieldEnd).trim();
}

/** The file's bytes followed by one sentinel newline, so scanners need no bounds checks. */
function readWithSentinel(path: string, allocate: (size: number) => Uint8Array): { bytes: Uint8Array; end: number } {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch (error) {
    throw new CsvColumnError(`cannot open ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    const size = fstatSync(descriptor).size;
    const bytes = allocate(size + 1);
    let read = 0;
    while (read < size) {
      const chunk = readSync(descriptor, bytes, read, size - read, read);
      if (chunk === 0) break;
      read += chunk;
    }
    bytes[read] = LF;
    return { bytes, end: read };
  } finally {
    closeSync(descriptor);
  }
}

interface Slot {
  readonly name: string;
  readonly kind: ColumnKind;
  values: Float64Array;
  strings: string[] | null;
}

/** A quoted field still open at the end of the bytes being parsed. */
export class UnclosedQuoteError extends Error {
  constructor() {
    super('a quoted field is not closed before the end of the file');
    this.name = 'UnclosedQuoteError';
  }
}

/** A problem in a data row, located by its line within the parsed chunk (1 = the chunk's first line). */
export class CsvRowError extends Error {
  constructor(
    readonly chunkLine: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'CsvRowError';
  }
}

export interface ParsedChunk {
  readonly rowCount: number;
  /** Lines consumed, blank ones included. */
  readonly lineCount: number;
  readonly columns: readonly { readonly name: string; readonly kind: ColumnKind; readonly values: Float64Array; readonly strings: string[] | null }[];
}

/** Reads the header line; returns the column names and where the data starts. */
export function parseHeader(bytes: Uint8Array, end: number): { header: string[]; dataStart: number } {
  let position = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const header: string[] = [];
  for (;;) {
    const fieldEnd = skipField(bytes, position, end);
    header.push(fieldText(bytes, position, fieldEnd));
    position = fieldEnd;
    if (position < end && bytes[position] === CR) position++;
    if (position >= end || bytes[position] === LF) return { header, dataStart: position + 1 };
    position++;
  }
}

/** Parses the data rows in [start, end); bytes[end] must be a newline (a sentinel or the row's own). */
export function parseRows(bytes: Uint8Array, start: number, end: number, header: readonly string[], request: CsvColumnsRequest): ParsedChunk {
  const wanted = Object.entries(request);
  const fieldCount = header.length;
  const slotOfColumn = new Int32Array(fieldCount).fill(-1);
  let capacity = Math.max(16, Math.ceil((end - start) / (2 * fieldCount)));
  const slots: Slot[] = wanted.map(([name, kind], slot) => {
    slotOfColumn[header.indexOf(name)] = slot;
    return { name, kind, values: new Float64Array(capacity), strings: null };
  });
  let position = start;
  let row = 0;
  let line = 1;
  while (position < end) {
    const first = bytes[position];
    if (first === LF || (first === CR && (position + 1 >= end || bytes[position + 1] === LF))) {
      position += first === CR ? 2 : 1;
      line++;
      continue;
    }
    if (row === capacity) {
      capacity *= 2;
      for (const slot of slots) {
        const grown = new Float64Array(capacity);
        grown.set(slot.values);
        slot.values = grown;
      }
    }
    let column = 0;
    for (;;) {
      const slotIndex = column < fieldCount ? slotOfColumn[column] : -1;
      let fieldEnd: number;
      if (slotIndex < 0) fieldEnd = skipField(bytes, position, end);
      else {
        const slot = slots[slotIndex];
        fieldEnd = bytes[position] === QUOTE ? scanSlowly(bytes, position, end) : scanNumber(bytes, position, end);
        if (slot.kind === 'number') {
          if (scannedInvalid) throw new CsvRowError(line, `column "${slot.name}" has "${fieldText(bytes, position, fieldEnd)}", which is not a number`);
          slot.values[row] = scannedValue;
        } else if (slot.strings) slot.strings.push(fieldText(bytes, position, fieldEnd));
        else if (scannedInvalid || Number.isNaN(scannedValue)) {
          // The first non-numeric id switches the column to strings, converting what was read so far.
          slot.strings = Array.from(slot.values.subarray(0, row), (v) => String(v));
          slot.strings.push(fieldText(bytes, position, fieldEnd));
        } else slot.values[row] = scannedValue;
      }
      position = fieldEnd;
      const delimiter = bytes[position];
      if (delimiter === COMMA) {
        position++;
        column++;
        continue;
      }
      if (delimiter === CR) position++;
      position++;
      break;
    }
    if (column + 1 !== fieldCount) {
      throw new CsvRowError(line, `${column + 1} fields where the header has ${fieldCount}; the line may be truncated or hold an unquoted comma`);
    }
    row++;
    line++;
  }
  return {
    rowCount: row,
    lineCount: line - 1,
    columns: slots.map((slot) => ({ name: slot.name, kind: slot.kind, values: slot.values.subarray(0, row), strings: slot.strings })),
  };
}

function checkRequest(path: string, header: readonly string[], request: CsvColumnsRequest): void {
  const missing = Object.keys(request).filter((name) => !header.includes(name));
  if (missing.length) {
    throw new CsvColumnError(`${path} has no column ${missing.map((m) => `"${m}"`).join(', ')}; its columns are: ${header.join(', ')}`);
  }
}

function assemble(header: readonly string[], chunks: readonly ParsedChunk[]): CsvColumns {
  const rowCount = chunks.reduce((sum, chunk) => sum + chunk.rowCount, 0);
  const numbers: Record<string, Float64Array> = {};
  const ids: Record<string, Float64Array | string[]> = {};
  chunks[0].columns.forEach((column, index) => {
    const parts = chunks.map((chunk) => chunk.columns[index]);
    const anyStrings = parts.some((part) => part.strings !== null);
    if (column.kind === 'id' && anyStrings) {
      ids[column.name] = parts.flatMap((part) => part.strings ?? Array.from(part.values, (v) => String(v)));
      return;
    }
    const values = parts.length === 1 ? parts[0].values : new Float64Array(rowCount);
    if (parts.length > 1) {
      let offset = 0;
      for (const part of parts) {
        values.set(part.values, offset);
        offset += part.values.length;
      }
    }
    if (column.kind === 'number') numbers[column.name] = values;
    else ids[column.name] = values;
  });
  return { rowCount, header, numbers, ids };
}

function rethrowWithLine(path: string, error: unknown, firstLineOfChunk: number): never {
  if (error instanceof CsvRowError) throw new CsvColumnError(`${path} line ${firstLineOfChunk + error.chunkLine - 1}: ${error.detail}`);
  if (error instanceof UnclosedQuoteError) throw new CsvColumnError(`${path}: ${error.message}`);
  throw error;
}

export function readCsvColumns(path: string, request: CsvColumnsRequest): CsvColumns {
  const { bytes, end } = readWithSentinel(path, (size) => new Uint8Array(size));
  if (end === 0) throw new CsvColumnError(`${path} is empty; it needs a header line and data rows`);
  const { header, dataStart } = parseHeader(bytes, end);
  checkRequest(path, header, request);
  try {
    return assemble(header, [parseRows(bytes, dataStart, end, header, request)]);
  } catch (error) {
    rethrowWithLine(path, error, 2);
  }
}

/** Files below this are parsed on the main thread: a worker's start-up would cost more than it saves. */
const PARALLEL_THRESHOLD_BYTES = 8 << 20;

/**
 * The same as readCsvColumns, with the second half of a large file parsed by a worker thread on the
 * other core. The split is at a newline; if that newline turns out to sit inside a quoted field (the first
 * half then ends in an open quote), the file is read again on one thread.
 */
export async function readCsvColumnsInParallel(path: string, request: CsvColumnsRequest): Promise<CsvColumns> {
  const { bytes, end } = readWithSentinel(path, (size) => new Uint8Array(new SharedArrayBuffer(size)));
  if (end === 0) throw new CsvColumnError(`${path} is empty; it needs a header line and data rows`);
  const { header, dataStart } = parseHeader(bytes, end);
  checkRequest(path, header, request);
  const middle = dataStart + Math.floor((end - dataStart) / 2);
  const split = bytes.indexOf(LF, middle) + 1;
  const onOneThread = () => {
    try {
      return assemble(header, [parseRows(bytes, dataStart, end, header, request)]);
    } catch (error) {
      rethrowWithLine(path, error, 2);
    }
  };
  if (end < PARALLEL_THRESHOLD_BYTES || split <= 0 || split >= end) return onOneThread();
  const worker = new Worker(compiledSibling(import.meta.url, './csv-chunk-worker.js'), {
    workerData: { buffer: bytes.buffer, start: split, end, header, request },
  });
  const second = new Promise<ParsedChunk | { error: { chunkLine: number; detail: string } | { message: string } }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  let first: ParsedChunk;
  try {
    // bytes[split − 1] is the newline that ends the first half, so it serves as its sentinel.
    first = parseRows(bytes, dataStart, split - 1, header, request);
  } catch (error) {
    await worker.terminate();
    if (error instanceof UnclosedQuoteError) return onOneThread();
    rethrowWithLine(path, error, 2);
  }
  const result = await second;
  await worker.terminate();
  if ('error' in result) {
    const error = result.error;
    if ('chunkLine' in error) rethrowWithLine(path, new CsvRowError(error.chunkLine, error.detail), 2 + first.lineCount);
    throw new Error(`the CSV worker failed: ${error.message}`);
  }
  return assemble(header, [first, result]);
}
