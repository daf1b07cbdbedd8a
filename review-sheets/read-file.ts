/**
 * Reads one published review-sheet file into rows and quarantined records: the name gives the table and the
 * review year, the header must be the published one, and every record after it becomes exactly one of the two.
 * The file is read in pieces (ReviewSheetReader, which the load's COPY text is made with, sheet-copy-text.ts; or
 * readReviewSheetStream over pieces pulled), so its size does not matter; parseReviewSheet reads bytes already in
 * memory the same way.
 */
import { createHash } from 'node:crypto';
import { parseReviewFileName } from './file-name.js';
import { checkHeader } from './header-check.js';
import { CsvRecordReader, type RecordHandlers } from './csv-records.js';
import { isFiscalYearColumn, isLoadedTable, type ReviewTable } from './published-headers.js';
import { Cells, type Row } from './records.js';
import { mappingFor, type TableMapping } from './tables.js';
import { columnsInKeyOrder } from './year-values.js';

export interface QuarantinedRecord {
  /** The record's first line in the file (the header is line 1). */
  readonly line: number;
  readonly reason: string;
  readonly record: readonly string[];
}

export type LineRow = Row & { line: number };

export interface ReviewSheetFile {
  readonly fileName: string;
  readonly sha256: string;
  readonly table: ReviewTable;
  readonly reviewYear: number;
  readonly rows: readonly LineRow[];
  readonly quarantined: readonly QuarantinedRecord[];
}

export type ReadRecord = { readonly row: LineRow } | { readonly quarantined: QuarantinedRecord };

export class UnsupportedReviewTableError extends Error {
  constructor(readonly fileName: string, readonly table: string) {
    super(`${fileName}: table ${table} is not loaded yet (loaded: 1-2, 2-1, 3-1, 3-2, 4-1, 5-1)`);
    this.name = 'UnsupportedReviewTableError';
  }
}

export class ReviewCsvError extends Error {
  constructor(readonly fileName: string, cause: unknown) {
    super(`${fileName} cannot be read as CSV: ${cause instanceof Error ? cause.message : String(cause)}; load the file as downloaded from the RS system`, { cause });
    this.name = 'ReviewCsvError';
  }
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The header first, then each record mapped to a row or quarantined with its reason. */
class RecordMapper {
  private header: string[] | null = null;
  /** Position of each column read by name (the last, should a name repeat), and of the fiscal-year columns. */
  private positions: ReadonlyMap<string, number> = new Map();
  private yearColumns: readonly string[] = [];
  private yearIndexes: readonly number[] = [];
  private yearColumnsInKeyOrder = true;
  private readonly mapping: TableMapping;
  private readonly table: ReviewTable;
  private readonly reviewYear: number;

  constructor(private readonly fileName: string) {
    const { table, reviewYear } = parseReviewFileName(fileName);
    if (!isLoadedTable(table)) throw new UnsupportedReviewTableError(fileName, table);
    this.table = table;
    this.reviewYear = reviewYear;
    this.mapping = mappingFor(table);
  }

  get identity(): { table: ReviewTable; reviewYear: number } {
    return { table: this.table, reviewYear: this.reviewYear };
  }

  accept(record: string[], line: number): ReadRecord | null {
    if (this.header === null) {
      checkHeader(this.fileName, this.table, record);
      this.header = record.map((column) => column.trim());
      const positions = new Map<string, number>();
      this.header.forEach((column, index) => {
        if (!isFiscalYearColumn(column)) positions.set(column, index);
      });
      this.positions = positions;
      const years = this.header.flatMap((column, index) => (isFiscalYearColumn(column) ? [index] : []));
      this.yearColumns = years.map((index) => this.header![index]);
      this.yearIndexes = years;
      this.yearColumnsInKeyOrder = columnsInKeyOrder(this.yearColumns);
      return null;
    }
    const header = this.header;
    if (record.length !== header.length) return { quarantined: { line, reason: `${record.length} columns where the header has ${header.length}`, record } };
    const cells = new Cells(this.positions, record);
    const mapped = this.mapping.map(cells, this.reviewYear, { columns: this.yearColumns, indexes: this.yearIndexes, record, inKeyOrder: this.yearColumnsInKeyOrder });
    if ('reason' in mapped) return { quarantined: { line, reason: mapped.reason, record } };
    const row = mapped.row as LineRow;
    row.line = line;
    return { row };
  }

  /** A record the CSV reader could not read: quarantined with its text, or, in the header's place, the file refused. */
  acceptUnreadable(text: string, line: number, problem: string): ReadRecord {
    if (this.header === null) throw new ReviewCsvError(this.fileName, new Error(`the header (line ${line}) cannot be read: ${problem}`));
    return { quarantined: { line, reason: problem, record: [text] } };
  }

  /** Handlers that give the CSV reader's records, and its unreadable ones, to this mapper and `take` what comes out. */
  handlers(take: (read: ReadRecord) => void): RecordHandlers {
    return {
      record: (cells, line) => {
        const read = this.accept(cells, line);
        if (read) take(read);
      },
      unreadable: (text, line, problem) => take(this.acceptUnreadable(text, line, problem)),
    };
  }

  finish(): void {
    if (this.header === null) throw new ReviewCsvError(this.fileName, new Error('the file is empty'));
  }
}

/**
 * A byte that is not UTF-8 becomes U+FFFD and stays visible in the text instead of stopping the load. NUL cannot
 * be stored in Postgres text: it becomes U+FFFD too. The BOM is dropped.
 */
function decoder(): (bytes: Uint8Array | null) => string {
  const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  return (bytes) => (bytes === null ? utf8.decode() : utf8.decode(bytes, { stream: true })).replaceAll('\u0000', '\uFFFD');
}

/**
 * How many bytes of a piece are decoded and read at a time. The text they make stays below V8's limit for an object
 * of the young generation (128 KiB; two bytes a character once one is not Latin-1), as does the record left over
 * from the text before, which the CSV reader joins to it: a larger text goes to the large-object space, each in
 * memory freshly mapped from the kernel, and every 4 KiB page of it costs a page fault (about 10 µs on the project's
 * virtual machine; runtime/malloc-tunables.ts). Decoded 1 MiB at a time, a national year's load took about 40,000 more
 * faults (187,000 in all; bench/README.md, section "2026-12-06 (17:46 UTC)").
 */
const DECODED_BYTES = 32 << 10;

/**
 * Reads a file given a piece at a time: each piece gives the records it completes, in file order, each a row or a
 * quarantined record, and the end gives the rest. The load makes its COPY text with it (sheet-copy-text.ts, on either
 * thread); readReviewSheetStream and parseReviewSheet read with it too.
 */
export class ReviewSheetReader {
  private readonly mapper: RecordMapper;
  private readonly reader = new CsvRecordReader();
  private readonly decode = decoder();
  private ready: ReadRecord[] = [];
  private readonly handlers: RecordHandlers;

  constructor(fileName: string) {
    this.mapper = new RecordMapper(fileName);
    this.handlers = this.mapper.handlers((read) => this.ready.push(read));
  }

  get identity(): { table: ReviewTable; reviewYear: number } {
    return this.mapper.identity;
  }

  push(piece: Uint8Array): ReadRecord[] {
    const records: ReadRecord[] = [];
    this.pushInParts(piece, (part) => {
      for (const record of part) records.push(record);
    });
    return records;
  }

  /**
   * The piece read DECODED_BYTES at a time, each part's records handed to `take` before the next part is read: a
   * caller that turns them into something smaller at once (sheet-copy-text.ts) holds no piece's worth of records.
   */
  pushInParts(piece: Uint8Array, take: (records: ReadRecord[]) => void): void {
    for (let start = 0; start < piece.length; start += DECODED_BYTES) {
      this.reader.push(this.decode(piece.subarray(start, start + DECODED_BYTES)), this.handlers);
      take(this.take());
    }
  }

  /** The records the last pieces left; refuses a file with no header (ReviewCsvError). */
  end(): ReadRecord[] {
    this.reader.push(this.decode(null), this.handlers);
    this.reader.end(this.handlers);
    this.mapper.finish();
    return this.take();
  }

  private take(): ReadRecord[] {
    const ready = this.ready;
    this.ready = [];
    return ready;
  }
}

/**
 * Reads the file as its pieces arrive: the records each piece completes, in file order, each a row or a quarantined
 * record. Handed over a piece at a time, not a record at a time: a national year has 370,000 records, and a step
 * of an async generator for each one cost more in promises and garbage collection than reading them.
 */
export async function* readReviewSheetStream(fileName: string, pieces: AsyncIterable<Uint8Array>): AsyncGenerator<readonly ReadRecord[]> {
  const reader = new ReviewSheetReader(fileName);
  for await (const piece of pieces) {
    const ready = reader.push(piece);
    if (ready.length) yield ready;
  }
  const rest = reader.end();
  if (rest.length) yield rest;
}

export function parseReviewSheet(fileName: string, bytes: Uint8Array): ReviewSheetFile {
  const reader = new ReviewSheetReader(fileName);
  const rows: LineRow[] = [];
  const quarantined: QuarantinedRecord[] = [];
  for (const read of [...reader.push(bytes), ...reader.end()]) {
    if ('row' in read) rows.push(read.row);
    else quarantined.push(read.quarantined);
  }
  return { fileName, sha256: sha256Of(bytes), ...reader.identity, rows, quarantined };
}
