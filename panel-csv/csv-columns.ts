/**
 * The panel reader of `ebpm estimate`, `ebpm rd` and `ebpm sdid` (not a stage of an ingest: nothing it reads is
 * stored). Reads selected columns of a numeric CSV straight from bytes into typed arrays: no per-row objects and no
 * per-field strings on the common path, so a million-row panel loads in a fraction of a second.
 * Numbers with at most 15 significant digits and a small exponent are converted exactly (Clinger's fast
 * path: one correctly rounded multiplication or division); anything else goes through Number().
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type ColumnKind = 'number' | 'id';

export interface CsvColumnsRequest {
  readonly [name: string]: ColumnKind;
}

export interface CsvColumns {
  readonly rowCount: number;
  readonly header: readonly string[];
  /** Numeric columns; empty and NA fields are NaN. Neither record has a prototype: a column may be named anything. */
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
export const LF = 10;
export const CR = 13;
/** The bytes of NA, R's missing value. */
const LETTER_N = 78;
const LETTER_A = 65;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Field scanners report through these rather than allocate a result object per field. The number is kept in a
 * typed array: a module-level `let` holding a double is boxed, so every field parsed allocated a heap number
 * (a 1,000,000-row file's parse on one thread: median 207 ms with the `let`, 165 ms with the slot).
 */
const scanned = new Float64Array(1);
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
  // parsePlainRows reads plain decimals the same way: a change to one is a change to both.
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
    scanned[0] = Number.NaN;
    return i;
  }
  if (significant > 15 || exponent > 22 || exponent < -22) return scanSlowly(bytes, position, end);
  const magnitude = exponent >= 0 ? mantissa * POWERS_OF_TEN[exponent] : mantissa / POWERS_OF_TEN[-exponent];
  scanned[0] = negative ? -magnitude : magnitude;
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
  if (text === '' || text === 'NA' || text === 'NaN' || text === 'null') scanned[0] = Number.NaN;
  else if (text === 'Inf' || text === 'inf') scanned[0] = Number.POSITIVE_INFINITY;
  else {
    scanned[0] = Number(text);
    if (Number.isNaN(scanned[0])) scannedInvalid = true;
  }
  return fieldEnd;
}

function unquote(bytes: Uint8Array, start: number, end: number): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
  return text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text.replace(/""/g, '"');
}

/**
 * An id as text: the field's text without surrounding spaces, quoted or not, as a number id is read (" 8 " and 8 are
 * one unit whether the column turns to text or not).
 */
function idText(bytes: Uint8Array, position: number, fieldEnd: number): string {
  return fieldText(bytes, position, fieldEnd).trim();
}

function fieldText(bytes: Uint8Array, position: number, fieldEnd: number): string {
  return scannedQuotedFrom >= 0 ? unquote(bytes, scannedQuotedFrom, scannedQuotedTo) : unquote(bytes, position, fieldEnd).trim();
}

const READ_PIECE_BYTES = 8 << 20;

export function openForReading(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw new CsvColumnError(`cannot open ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/**
 * Reads bytes [from, to) of the open file into the same positions of `bytes`; returns where the bytes read
 * end (before `to` only if the file is shorter). Positional reads, so two threads may read one descriptor.
 */
export function readRange(descriptor: number, bytes: Uint8Array, from: number, to: number): number {
  let position = from;
  while (position < to) {
    // In pieces, so that a worker told to stop (a command that failed on its flags) stops after one piece, not half the file.
    const chunk = readSync(descriptor, bytes, position, Math.min(to - position, READ_PIECE_BYTES), position);
    if (chunk === 0) break;
    position += chunk;
  }
  return position;
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
    if (position >= end || bytes[position] === LF) return { header, dataStart: position + 1 };
    if (bytes[position] === CR) return { header, dataStart: afterLineBreak(bytes, position) };
    position++;
  }
}

/**
 * Where the line break at `position` (LF, CRLF, or a bare CR as old Mac files have) ends: the one definition of a
 * line break that parseRows, idTexts and parseHeader share, so their rows agree. bytes[end] is a newline, so the
 * byte after a CR can always be read.
 */
function afterLineBreak(bytes: Uint8Array, position: number): number {
  return bytes[position] === CR && bytes[position + 1] === LF ? position + 2 : position + 1;
}

/**
 * Line breaks inside [from, to) (LF, CRLF or a bare CR): a quoted field may hold some, and each starts a line of the
 * file.
 */
function lineBreaksIn(bytes: Uint8Array, from: number, to: number): number {
  let breaks = 0;
  for (let at = from; at < to; at++) {
    const byte = bytes[at];
    if (byte === LF || (byte === CR && bytes[at + 1] !== LF)) breaks++;
  }
  return breaks;
}

/**
 * The id in field `field` of each of the first `rows` data rows of [start, end), as text (see idText), for rows
 * that parseRows has already read: blank lines are skipped the same way. When an id column turns to text, the ids
 * read as numbers before are taken again from their bytes, so 00196 stays 00196 (and is not made 196, which a
 * later row's 00196 would then not match).
 */
export function idTexts(bytes: Uint8Array, start: number, end: number, field: number, rows: number): string[] {
  const texts: string[] = [];
  let position = start;
  while (texts.length < rows && position < end) {
    const first = bytes[position];
    if (first === LF || first === CR) {
      position = afterLineBreak(bytes, position);
      continue;
    }
    for (let column = 0; ; column++) {
      const fieldEnd = skipField(bytes, position, end);
      if (column === field) texts.push(idText(bytes, position, fieldEnd));
      position = fieldEnd;
      const delimiter = bytes[position];
      if (delimiter === COMMA) {
        position++;
        continue;
      }
      position = afterLineBreak(bytes, position);
      break;
    }
  }
  return texts;
}

/**
 * Columns allocated by the caller, one per requested column in the request's order, that a parse writes
 * its rows into from index `from` (up to `to`, exclusive) instead of growing arrays of its own: the chunks of a
 * file that two threads read then land in one array each, shared between the threads (parallel-reading.ts).
 */
export interface RowDestination {
  readonly columns: readonly Float64Array[];
  readonly from: number;
  readonly to: number;
}

/** The significant digits of the plain decimal in [from, to): its digits after leading zeros (the point not counted). */
function significantDigits(bytes: Uint8Array, from: number, to: number): number {
  let significant = 0;
  for (let at = from; at < to; at++) {
    const byte = bytes[at];
    if (byte !== 46 && (significant > 0 || byte !== 48)) significant++;
  }
  return significant;
}

/**
 * A whole number as V8's small integer where it fits (below 2^31): what is read back from plainRowsStop (or a
 * caller's Float64Array) is a double, and a double passed where the optimized parsePlainRows has only seen small
 * integers deoptimizes it. Chunk after chunk, that cost a file of 1,000,000 rows read in 28 chunks 30–60 % more
 * time than in one call (bench/README.md, 2026-12-06 (22:53 UTC)).
 */
function smallInteger(whole: number): number {
  return whole <= 0x7fffffff ? whole | 0 : whole;
}

/**
 * Where parsePlainRows stopped: [0] the position of the first row it did not read, [1] the rows it read, [2] the
 * lines it passed (those rows and the blank lines between them). A typed array for the same reason as `scanned`.
 */
const plainRowsStop = new Float64Array(3);

/**
 * The fast path of parseRows, for the rows nearly every line of a numeric panel is: each requested field a plain
 * decimal ([sign] digits [. digits], at most 15 significant digits and 22 places after the point) or, in a number
 * column, empty or NA (missing); any other field unquoted or quoted on one line (R's write.csv quotes every text
 * field). Such a row is read here in one loop, without the per-field calls and bookkeeping of the general path, into
 * the values `scanNumber` gives (the same exact conversion): the 1,000,000 rows of a panel of 100,000 units × 10 periods in about half the time
 * (bench/README.md, 2026-12-05 (09:00 UTC)). Reads rows from `start` into index `firstIndex` on of each column until
 * the first row it cannot read whole (a requested field quoted or not a plain decimal, an id empty or NA; a quoted field
 * holding a line break, which the general path counts as a line of the file; too few or too many fields) or index
 * `lastIndex`; that row is left to the general path, which overwrites anything written for it here. Every row ends
 * in a line break: bytes[end] is a newline, so no scan runs past it.
 */
function parsePlainRows(
  bytes: Uint8Array,
  start: number,
  end: number,
  fieldCount: number,
  slotOfColumn: Int32Array,
  valuesOf: readonly Float64Array[],
  isNumberSlot: Uint8Array,
  firstIndex: number,
  lastIndex: number,
): void {
  let position = start;
  let index = firstIndex;
  let lines = 0;
  rows: while (position < end && index < lastIndex) {
    let byte = bytes[position];
    if (byte === LF || byte === CR) {
      position = afterLineBreak(bytes, position);
      lines++;
      continue;
    }
    let at = position;
    for (let column = 0; column < fieldCount; column++) {
      const slot = slotOfColumn[column];
      byte = bytes[at];
      if (slot < 0) {
        if (byte === QUOTE) {
          // As skipField: to the closing quote ("" is a quote inside the field), then on to the delimiter.
          byte = bytes[++at];
          for (;;) {
            if (byte === QUOTE) {
              if (bytes[at + 1] !== QUOTE) break;
              at += 2;
            } else if (byte === LF || byte === CR) break rows;
            else at++;
            byte = bytes[at];
          }
          byte = bytes[++at];
        }
        // The delimiters compared here and below rather than by isDelimiter: with the call this loop read a pass of the
        // bench's panel in 64-68 ms against 58-59 ms (bench/README.md, 2026-12-05 (09:00 UTC)).
        while (byte !== COMMA && byte !== LF && byte !== CR) byte = bytes[++at];
      } else if (isNumberSlot[slot] === 1 && (isDelimiter(byte) || (byte === LETTER_N && bytes[at + 1] === LETTER_A && isDelimiter(bytes[at + 2])))) {
        // Empty or NA in a number column: missing, as the general path reads it (in an id column it turns the column
        // to text, which is left to the general path).
        if (byte === LETTER_N) byte = bytes[(at += 2)];
        valuesOf[slot][index] = Number.NaN;
      } else {
        // scanNumber's reading again, written out here on purpose: a shared function would bring back the call and
        // the module-level results per field that this loop exists to save.
        let negative = false;
        if (byte === 45 || byte === 43) {
          negative = byte === 45;
          byte = bytes[++at];
        }
        // Digits and places are counted from positions, not per digit: the loops do the least a digit needs.
        const digitsFrom = at;
        let mantissa = 0;
        while (byte >= 48 && byte <= 57) {
          mantissa = mantissa * 10 + (byte - 48);
          byte = bytes[++at];
        }
        let places = 0;
        let digits = at - digitsFrom;
        if (byte === 46) {
          const fractionFrom = at + 1;
          byte = bytes[++at];
          while (byte >= 48 && byte <= 57) {
            mantissa = mantissa * 10 + (byte - 48);
            byte = bytes[++at];
          }
          places = at - fractionFrom;
          digits += places;
        }
        if (digits === 0 || places > 22 || (byte !== COMMA && byte !== LF && byte !== CR)) break rows;
        // Up to 15 digits are up to 15 significant ones; more (rare) are counted without their leading zeros.
        if (digits > 15 && significantDigits(bytes, digitsFrom, at) > 15) break rows;
        // As scanNumber: with at most 15 significant digits the mantissa is exact, and so is 10^places, so one
        // correctly rounded division (or none) gives the nearest double.
        const magnitude = places === 0 ? mantissa : mantissa / POWERS_OF_TEN[places];
        valuesOf[slot][index] = negative ? -magnitude : magnitude;
      }
      // `byte` ends the field: a comma after every field but the last, a line break after the last.
      if (column + 1 < fieldCount) {
        if (byte !== COMMA) break rows;
        at++;
      } else if (byte === COMMA) break rows;
    }
    position = afterLineBreak(bytes, at);
    index++;
    lines++;
  }
  plainRowsStop[0] = position;
  plainRowsStop[1] = index - firstIndex;
  plainRowsStop[2] = lines;
}

/**
 * Parses the data rows in [start, end); bytes[end] must be a newline (a sentinel or the row's own). A row's error
 * names the line it starts on, counting the line breaks inside quoted fields before it.
 */
export function parseRows(
  bytes: Uint8Array,
  start: number,
  end: number,
  header: readonly string[],
  request: CsvColumnsRequest,
  destination?: RowDestination,
): ParsedChunk {
  const wanted = Object.entries(request);
  const fieldCount = header.length;
  const slotOfColumn = new Int32Array(fieldCount).fill(-1);
  const base = destination?.from ?? 0;
  let capacity = destination ? destination.to - destination.from : Math.max(16, Math.ceil((end - start) / (2 * fieldCount)));
  const slots: Slot[] = wanted.map(([name, kind], slot) => {
    slotOfColumn[header.indexOf(name)] = slot;
    return { name, kind, values: destination ? destination.columns[slot] : new Float64Array(capacity), strings: null };
  });
  const valuesOf = slots.map((slot) => slot.values);
  const isNumberSlot = Uint8Array.from(slots, (slot) => (slot.kind === 'number' ? 1 : 0));
  // The fast path for plain rows, until an id column turns to text. Where it reads no row on 16 tries running (a run
  // of rows with NA values, say), the next 1,024 rows go the general way before it is tried again: a file of rows it
  // never takes then costs a try per 64 rows, not one per row.
  let plainRows = true;
  let plainMisses = 0;
  let plainFromRow = 0;
  let position = smallInteger(start);
  let row = 0;
  let line = 1;
  while (position < end) {
    if (plainRows && row >= plainFromRow) {
      parsePlainRows(bytes, position, end, fieldCount, slotOfColumn, valuesOf, isNumberSlot, base + row, base + capacity);
      position = smallInteger(plainRowsStop[0]);
      const plainRowsRead = plainRowsStop[1] | 0;
      row += plainRowsRead;
      line += plainRowsStop[2] | 0;
      if (plainRowsRead > 0) plainMisses = 0;
      else if (++plainMisses === 16) {
        plainMisses = 0;
        plainFromRow = row + 1_024;
      }
      if (position >= end) break;
    }
    const first = bytes[position];
    if (first === LF || first === CR) {
      position = afterLineBreak(bytes, position);
      line++;
      continue;
    }
    if (row === capacity) {
      // The caller's bound holds every well-formed row of the range and one more (see destinationRows), so this is a defect, not bad input.
      if (destination) throw new Error(`the CSV reader's bound of ${capacity} rows for bytes ${start}–${end} was exceeded`);
      capacity *= 2;
      slots.forEach((slot, index) => {
        const grown = new Float64Array(capacity);
        grown.set(slot.values);
        slot.values = valuesOf[index] = grown;
      });
    }
    let column = 0;
    let breaksInRow = 0;
    for (;;) {
      const slotIndex = column < fieldCount ? slotOfColumn[column] : -1;
      let fieldEnd: number;
      if (slotIndex < 0) fieldEnd = skipField(bytes, position, end);
      else fieldEnd = bytes[position] === QUOTE ? scanSlowly(bytes, position, end) : scanNumber(bytes, position, end);
      // A quoted field's line breaks are lines of the file: the rows after it are that many lines further on.
      if (scannedQuotedFrom >= 0) breaksInRow += lineBreaksIn(bytes, scannedQuotedFrom, scannedQuotedTo);
      if (slotIndex >= 0) {
        const slot = slots[slotIndex];
        if (slot.kind === 'number') {
          if (scannedInvalid) throw new CsvRowError(line, `column "${slot.name}" has "${fieldText(bytes, position, fieldEnd)}", which is not a number`);
          slot.values[base + row] = scanned[0];
        } else if (slot.strings) slot.strings.push(idText(bytes, position, fieldEnd));
        else if (scannedInvalid || Number.isNaN(scanned[0])) {
          // The first non-numeric id switches the column to strings: the ids read so far as numbers are read
          // again as the text they were written as.
          const text = idText(bytes, position, fieldEnd);
          slot.strings = idTexts(bytes, start, end, column, row);
          slot.strings.push(text);
          // The fast path writes numbers only.
          plainRows = false;
        } else slot.values[base + row] = scanned[0];
      }
      position = fieldEnd;
      const delimiter = bytes[position];
      if (delimiter === COMMA) {
        position++;
        column++;
        continue;
      }
      position = afterLineBreak(bytes, position);
      break;
    }
    if (column + 1 !== fieldCount) {
      throw new CsvRowError(line, `${column + 1} fields where the header has ${fieldCount}; the line may be truncated or hold an unquoted comma`);
    }
    row++;
    line += 1 + breaksInRow;
  }
  return {
    rowCount: row,
    columns: slots.map((slot) => ({ name: slot.name, kind: slot.kind, values: slot.values.subarray(base, base + row), strings: slot.strings })),
  };
}

/** The requested columns the header does not have. */
export function missingColumns(header: readonly string[], request: CsvColumnsRequest): string[] {
  return Object.keys(request).filter((name) => !header.includes(name));
}

export function checkRequest(path: string, header: readonly string[], request: CsvColumnsRequest): void {
  const missing = missingColumns(header, request);
  if (missing.length) {
    throw new CsvColumnError(`${path} has no column ${missing.map((m) => `"${m}"`).join(', ')}; its columns are: ${header.join(', ')}`);
  }
}

/**
 * A record of columns by the file's own names, which may be anything: without a prototype, `__proto__` or
 * `constructor` is a column like any other (on a plain object `record.__proto__ = values` sets the prototype).
 */
export function columnsByName<Values>(): Record<string, Values> {
  return Object.create(null) as Record<string, Values>;
}

function assemble(header: readonly string[], chunk: ParsedChunk): CsvColumns {
  const numbers = columnsByName<Float64Array>();
  const ids = columnsByName<Float64Array | string[]>();
  for (const column of chunk.columns) {
    if (column.kind === 'number') numbers[column.name] = column.values;
    else ids[column.name] = column.strings ?? column.values;
  }
  return { rowCount: chunk.rowCount, header, numbers, ids };
}

/** The file line that bytes from `start` on begin on (the data rows: after the header's lines, quoted breaks too). */
export function firstDataLine(bytes: Uint8Array, start: number): number {
  return 1 + lineBreaksIn(bytes, 0, start);
}

export function rethrowWithLine(path: string, error: unknown, firstLineOfChunk: number): never {
  if (error instanceof CsvRowError) throw new CsvColumnError(`${path} line ${firstLineOfChunk + error.chunkLine - 1}: ${error.detail}`);
  if (error instanceof UnclosedQuoteError) throw new CsvColumnError(`${path}: ${error.message}`);
  throw error;
}

/** The header ending before `end`, or null when it does not (a quoted field still open there). */
export function headerBefore(bytes: Uint8Array, end: number): { header: string[]; dataStart: number } | null {
  try {
    return parseHeader(bytes, end);
  } catch (error) {
    if (error instanceof UnclosedQuoteError) return null;
    throw error;
  }
}

/**
 * The file read (from `readUpTo` on: what is before is in `bytes` already) and parsed on one thread. The data end
 * where the file does; the byte after them is made the sentinel newline.
 */
export function parseAllOnOneThread(path: string, request: CsvColumnsRequest, descriptor: number, bytes: Uint8Array, readUpTo: number, size: number): CsvColumns {
  const end = readRange(descriptor, bytes, readUpTo, size);
  bytes[end] = LF;
  if (end === 0) throw new CsvColumnError(`${path} is empty; it needs a header line and data rows`);
  const { header, dataStart } = parseHeader(bytes, end);
  checkRequest(path, header, request);
  try {
    return assemble(header, parseRows(bytes, dataStart, end, header, request));
  } catch (error) {
    rethrowWithLine(path, error, firstDataLine(bytes, dataStart));
  }
}

export function readCsvColumns(path: string, request: CsvColumnsRequest): CsvColumns {
  const descriptor = openForReading(path);
  try {
    const size = fstatSync(descriptor).size;
    // One byte more for the sentinel newline after the data, so scanners need no bounds checks.
    return parseAllOnOneThread(path, request, descriptor, new Uint8Array(size + 1), 0, size);
  } finally {
    closeSync(descriptor);
  }
}
