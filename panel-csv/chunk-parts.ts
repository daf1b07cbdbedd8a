/**
 * A chunk of a CSV file's rows as both threads of a parallel reading parse it (parallel-reading.ts,
 * csv-chunk-worker.ts), and the messages between them. Kept apart so the worker loads only what it runs.
 */
import type { ClaimedChunk } from './chunk-claims.js';
import { CR, LF, parseRows, type CsvColumnsRequest, type ParsedChunk } from './csv-columns.js';

/** The rows of a chunk, parsed from bytes [start, end) (bytes[end] a newline), and each id column's text if it turned to text. */
export interface ParsedPart {
  readonly start: number;
  readonly end: number;
  readonly rowCount: number;
  readonly strings: readonly (string[] | null)[];
}

/** What the worker is started with: the file's descriptor, the shared bytes and claims, and the half of the bytes it reads. */
export interface ChunkWorkerData {
  readonly descriptor: number;
  readonly buffer: SharedArrayBuffer;
  readonly claims: SharedArrayBuffer;
  readonly chunkBytes: number;
  readonly from: number;
  readonly to: number;
}

/** What the worker is sent once the header is known: the columns to read and the shared arrays their rows go to. */
export interface ChunkRequest {
  readonly header: readonly string[];
  readonly request: CsvColumnsRequest;
  /** One shared array per requested column; the calling thread fills them up from 0, the worker down from the data's row bound. */
  readonly columns: readonly Float64Array[];
  readonly capacity: number;
  /** Where the data rows start (the worker counts them from here: see rowBoundOf). */
  readonly dataStart: number;
}

/**
 * What the worker posts back: its chunks (in file order; their rows sit from `top` on in the shared columns), a
 * chunk that ended inside a quoted field (the chunks' boundaries cannot be trusted), or what was wrong.
 */
export type WorkerChunkResult =
  | { readonly parts: readonly ParsedPart[]; readonly top: number }
  | { readonly unclosedQuote: true }
  | { readonly error: { readonly start: number; readonly chunkLine: number; readonly detail: string } | { readonly message: string } };

/**
 * The most rows that `bytes` bytes of a chunk's parse range can hold: a row is at least a comma between fields and a
 * line break after them, the range's last row possibly without its break (the sentinel after the range ends it).
 * Ranges are separated by the line feed each chunk ends with, so the bounds of all of a file's chunks add up to no
 * more than the bound of its data as one range.
 */
export function rowsAtMost(bytes: number, fieldCount: number): number {
  return Math.floor((bytes + 1) / fieldCount);
}

/**
 * The rows a chunk's parse may write: its bound (rowsAtMost) and one more, where a malformed last row (too few fields)
 * is read up to its error, so that it is reported with its line rather than as the bound exceeded. Well-formed rows
 * stay within the bound, so the other thread's rows are never reached by them; a malformed row ends the reading.
 */
export function destinationRows(chunk: ClaimedChunk, dataEnd: number, fieldCount: number): number {
  return rowsAtMost(parseEndOf(chunk, dataEnd) - chunk.start, fieldCount) + 1;
}

/** The bytes a chunk's rows are parsed from: to its last line feed, which serves as the sentinel; the data's last chunk to their end. */
function parseEndOf(chunk: ClaimedChunk, dataEnd: number): number {
  return chunk.end === dataEnd ? dataEnd : chunk.end - 1;
}

/** The parse of a claimed chunk into `columns` from row `from`, as a part. */
export function parseChunk(
  bytes: Uint8Array,
  chunk: ClaimedChunk,
  dataEnd: number,
  header: readonly string[],
  request: CsvColumnsRequest,
  columns: readonly Float64Array[],
  from: number,
): ParsedPart {
  const end = parseEndOf(chunk, dataEnd);
  const parsed: ParsedChunk = parseRows(bytes, chunk.start, end, header, request, { columns, from, to: from + destinationRows(chunk, dataEnd, header.length) });
  return { start: chunk.start, end, rowCount: parsed.rowCount, strings: parsed.columns.map((column) => column.strings) };
}

/** Whether a 32-bit word holds its first byte lowest, as rowBoundOf's pairing of a CR with the LF after it assumes. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The bytes of a 32-bit word whose flag (high) bit is set, counted. */
function flaggedBytes(flags: number): number {
  return Math.imul((flags >>> 7) & 0x01010101, 0x01010101) >>> 24;
}

/** The high bit of each byte of `word` that equals the byte repeated in `pattern` (the carry-free zero-byte test). */
function bytesEqual(word: number, pattern: number): number {
  const difference = word ^ pattern;
  return ~(((difference & 0x7f7f7f7f) + 0x7f7f7f7f) | difference) & 0x80808080;
}

/**
 * The most rows [start, end) can hold: one per line break as parseRows reads them (LF, CRLF or a bare CR), and the
 * last row, which the sentinel at `end` may end. Exact for a file without blank lines or line breaks in quotes. The
 * worker counts the data's rows this way before its first chunk and puts its rows below this bound, so that when the
 * two threads' rows meet, nothing is moved (a byte bound would leave a gap of about half the rows between them; moving
 * the worker's rows over it took 0.4 s of 2.5 for 10,000,000 rows: bench/README.md, 2026-12-06 (22:53 UTC)). The bytes
 * are tested four at a time.
 */
export function rowBoundOf(bytes: Uint8Array, start: number, end: number): number {
  let breaks = 0;
  let position = start;
  // A CR is a break of its own unless an LF follows it (read past `end` too: bytes end in the sentinel).
  const breakAt = (at: number) => (bytes[at] === LF || (bytes[at] === CR && bytes[at + 1] !== LF) ? 1 : 0);
  if (!LITTLE_ENDIAN) {
    for (; position < end; position++) breaks += breakAt(position);
    return breaks + 1;
  }
  while (position < end && (bytes.byteOffset + position) % 4 !== 0) breaks += breakAt(position++);
  // Here position is at a word boundary, or at the end.
  const wordCount = (end - position) >> 2;
  if (wordCount > 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + position, wordCount);
    for (let w = 0; w < wordCount; w++) {
      const word = words[w];
      const lineFeeds = bytesEqual(word, 0x0a0a0a0a);
      const carriageReturns = bytesEqual(word, 0x0d0d0d0d);
      if ((lineFeeds | carriageReturns) === 0) continue;
      // Bytes are little-endian in the word: a CR's flag moved up one byte meets the flag of an LF right after it.
      breaks += flaggedBytes(lineFeeds) + flaggedBytes(carriageReturns) - flaggedBytes((carriageReturns << 8) & lineFeeds);
      if (carriageReturns & 0x80000000 && bytes[position + 4 * w + 4] === LF) breaks--;
    }
    position += wordCount * 4;
  }
  for (; position < end; position++) breaks += breakAt(position);
  return breaks + 1;
}
