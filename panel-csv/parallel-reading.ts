/**
 * A large CSV file read into columns on two threads: the calling thread takes chunks of its rows from the front, a
 * worker thread (csv-chunk-worker.ts) takes chunks from the back, and they meet wherever the faster of them has got
 * to (chunk-claims.ts). The reading starts before the caller knows which columns it wants: the worker starts (tens
 * of milliseconds) and reads its half of the bytes while the caller loads the rest of its code; given the columns
 * at the start, the worker parses meanwhile too.
 */
import { closeSync, fstatSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../runtime/compiled-module.js';
import { ChunkClaims, HALF_FAILED, HALF_READ, chunkBytesFor } from './chunk-claims.js';
import { parseChunk, rowsAtMost, type ChunkRequest, type ChunkWorkerData, type ParsedPart, type WorkerChunkResult } from './chunk-parts.js';
import {
  CsvColumnError,
  CsvRowError,
  LF,
  UnclosedQuoteError,
  checkRequest,
  columnsByName,
  firstDataLine,
  headerBefore,
  idTexts,
  missingColumns,
  openForReading,
  parseAllOnOneThread,
  readRange,
  rethrowWithLine,
  type CsvColumns,
  type CsvColumnsRequest,
} from './csv-columns.js';

/** Files below this are parsed on the calling thread: a worker's start-up would cost more than it saves. */
const PARALLEL_THRESHOLD_BYTES = 8 << 20;

/**
 * How long this thread waits, at the middle, for the worker to have read its half before it leaves the rest to the
 * worker: far longer than a read of a half from the page cache, short enough that a thread stuck starting costs little.
 */
const UPPER_HALF_WAIT_MS = 2_000;

/** The same request: the same columns in the same order, of the same kinds. */
function sameRequest(a: CsvColumnsRequest, b: CsvColumnsRequest): boolean {
  const names = Object.keys(a);
  const others = Object.keys(b);
  return names.length === others.length && names.every((name, index) => others[index] === name && a[name] === b[name]);
}

/**
 * The same as readCsvColumns, with a large file's rows shared between this thread and a worker on the other core
 * (see startReadingCsvColumns).
 */
export async function readCsvColumnsInParallel(path: string, request: CsvColumnsRequest): Promise<CsvColumns> {
  return startReadingCsvColumns(path, request).columns(request);
}

/** A file being read into columns, begun before the caller has checked its arguments. */
export interface CsvColumnsReading {
  /**
   * The requested columns; the file and the thread are released after, whatever the outcome. Refused after the first
   * call. A request other than the one the reading was started with is read on this thread alone.
   */
  columns(request: CsvColumnsRequest): Promise<CsvColumns>;
  /**
   * Releases the file and the thread without reading (a command that stopped on its flags); while the columns are
   * being read, waits for them first. Safe to repeat.
   */
  close(): Promise<void>;
}

/**
 * Opens the file and, when it is large, starts the worker and reads the first half of the bytes; with `expected`
 * (the columns the caller will most likely ask for) the worker starts parsing as soon as it has read its half.
 * Never throws: a file that cannot be opened or read is reported by `columns`, after the caller's own checks of
 * its arguments.
 */
export function startReadingCsvColumns(path: string, expected?: CsvColumnsRequest): CsvColumnsReading {
  try {
    return new CsvFileReading(path, openForReading(path), expected);
  } catch (error) {
    return { columns: () => Promise.reject(error), close: () => Promise.resolve() };
  }
}

/** A large file's state once its first half is read: where the data start, and the shared arrays of the claims. */
interface SharedParse {
  readonly header: readonly string[];
  readonly dataStart: number;
  readonly claims: ChunkClaims;
  /** The request sent to the worker and the shared columns its rows go to, or null until one is sent. */
  sent: SentRequest | null;
}

interface SentRequest {
  readonly request: CsvColumnsRequest;
  readonly columns: readonly Float64Array[];
}

/**
 * A file below PARALLEL_THRESHOLD_BYTES is read on this thread when its columns are asked for. A larger one is
 * shared with a worker chunk by chunk: both write into one array per column (this thread from the first row up, the
 * worker from the last row down, the last row placed by a count of the line breaks), so in most files the rows meet
 * with nothing to move. If a chunk ends inside a quoted field (a line feed in quotes taken for a line's end), the file
 * is read again on one thread.
 */
class CsvFileReading implements CsvColumnsReading {
  private readonly size: number;
  /** The file's bytes, until the reading is closed: released then, as the caller keeps this object while it works on the columns. */
  private bytes: Uint8Array | null;
  private readonly middle: number;
  /** How far the first half was read (the file may have shrunk). */
  private lowerReadTo = 0;
  private shared: SharedParse | null = null;
  /** Why the first half could not be read, reported by `columns`. */
  private failure: unknown = null;
  private worker: Worker | null = null;
  private second: Promise<WorkerChunkResult> | null = null;
  /** The reading of the columns under way: `close` waits for it, as it reads through the descriptor and the worker. */
  private reading: Promise<CsvColumns> | null = null;
  /** The release of the file and the worker, once begun: every `close` returns it, so each caller waits for the release itself. */
  private closing: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly descriptor: number,
    expected: CsvColumnsRequest | undefined,
  ) {
    let buffer: SharedArrayBuffer;
    let worker: Worker | null = null;
    const claims = ChunkClaims.buffer();
    let chunkBytes = 0;
    try {
      this.size = fstatSync(descriptor).size;
      // One byte more for the sentinel newline after the data, so scanners need no bounds checks.
      buffer = new SharedArrayBuffer(this.size + 1);
      this.middle = Math.floor(this.size / 2);
      chunkBytes = chunkBytesFor(this.size);
      if (this.size >= PARALLEL_THRESHOLD_BYTES) {
        worker = new Worker(compiledSibling(import.meta.url, './csv-chunk-worker.js'), {
          workerData: { descriptor, buffer, claims, chunkBytes, from: this.middle, to: this.size } satisfies ChunkWorkerData,
        });
      }
    } catch (error) {
      // Nothing else holds the descriptor yet (a worker that failed to start never got it).
      closeSync(descriptor);
      throw error;
    }
    const bytes = new Uint8Array(buffer);
    this.bytes = bytes;
    bytes[this.size] = LF;
    if (!worker) return;
    const started = worker;
    this.worker = started;
    this.second = new Promise<WorkerChunkResult>((resolve, reject) => {
      started.once('message', resolve);
      started.once('error', reject);
      // After its message this settles nothing; before it, a thread that stopped must not leave the parse waiting forever.
      started.once('exit', (code) => reject(new Error(`the thread reading ${path} beside this one stopped (exit code ${code}) before it sent its rows`)));
    });
    // Observed at once: a path that stops early never awaits it, and a failed start must not then surface as an unhandled rejection.
    this.second.catch(() => undefined);
    // The first half is read now, while the worker starts: the worker may then take chunks of it at once.
    const sharedClaims = new ChunkClaims(claims, bytes, this.middle, chunkBytes);
    try {
      this.readLowerHalf(sharedClaims, bytes, expected);
    } catch (error) {
      // Reported by `columns`; the worker, told nothing, waits until it is stopped.
      sharedClaims.markHalf('lower', HALF_FAILED);
      this.shared = null;
      this.failure = error;
    }
  }

  /** Reads the bytes before the middle and the header in them, and with `expected` sends the worker to work. */
  private readLowerHalf(claims: ChunkClaims, bytes: Uint8Array, expected: CsvColumnsRequest | undefined): void {
    this.lowerReadTo = readRange(this.descriptor, bytes, 0, this.middle);
    const split = bytes.lastIndexOf(LF, this.middle - 1) + 1;
    const parsedHeader = this.lowerReadTo === this.middle && split > 0 ? headerBefore(bytes, split - 1) : null;
    // A file that shrank, or a header taking half the file: read on this thread alone (see parse).
    if (!parsedHeader || parsedHeader.dataStart >= split) return;
    claims.open(parsedHeader.dataStart, this.size);
    claims.markHalf('lower', HALF_READ);
    const shared: SharedParse = { header: parsedHeader.header, dataStart: parsedHeader.dataStart, claims, sent: null };
    this.shared = shared;
    if (expected && missingColumns(shared.header, expected).length === 0) this.send(shared, expected);
  }

  /** Allocates the shared columns for `request` and tells the worker (started with the reading) to take chunks. */
  private send(shared: SharedParse, request: CsvColumnsRequest): SentRequest {
    const { header, dataStart } = shared;
    // Each chunk's rows are bounded by rowsAtMost of its bytes, and these bounds add up to no more than the data's. The
    // shared columns' memory is committed only where rows are written, so the bound costs address space only.
    const capacity = rowsAtMost(this.size - dataStart, header.length);
    const columns = Object.keys(request).map(() => new Float64Array(new SharedArrayBuffer(capacity * Float64Array.BYTES_PER_ELEMENT)));
    const message: ChunkRequest = { header, request, columns, capacity, dataStart };
    this.worker?.postMessage(message);
    shared.sent = { request, columns };
    return shared.sent;
  }

  async columns(request: CsvColumnsRequest): Promise<CsvColumns> {
    // The worker takes one request, so a reading gives its columns once: not while they are read, nor after (a
    // reading closes as its columns are given).
    if (this.reading || this.closing || !this.bytes) {
      throw new Error(`the reading of ${this.path} gives its columns once, and not after it is closed; start another reading to read the file again`);
    }
    this.reading = this.parse(request, this.bytes);
    try {
      return await this.reading;
    } finally {
      this.reading = null;
      await this.close();
    }
  }

  close(): Promise<void> {
    this.closing ??= this.release();
    return this.closing;
  }

  private async release(): Promise<void> {
    // Columns under way read through the descriptor and wait for the worker: they finish first.
    if (this.reading) await this.reading.catch(() => undefined);
    // The worker reads through this descriptor: it is stopped before the descriptor is closed.
    await this.stopWorker();
    closeSync(this.descriptor);
    // The claims and the shared columns hold the file's bytes and the worker's rows too.
    this.bytes = null;
    this.shared = null;
    this.second = null;
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  /** The file on this thread alone, from the bytes read so far; the worker is stopped first, as it may still be reading. */
  private async parseAlone(request: CsvColumnsRequest, bytes: Uint8Array, readUpTo: number): Promise<CsvColumns> {
    const upperRead = this.shared?.claims.halfState('upper') === HALF_READ;
    await this.stopWorker();
    return parseAllOnOneThread(this.path, request, this.descriptor, bytes, upperRead && readUpTo === this.middle ? this.size : readUpTo, this.size);
  }

  private async parse(request: CsvColumnsRequest, bytes: Uint8Array): Promise<CsvColumns> {
    const { path, size, shared } = this;
    if (this.failure) throw this.failure;
    if (!this.worker || !this.second) return parseAllOnOneThread(path, request, this.descriptor, bytes, 0, size);
    if (!shared) return this.parseAlone(request, bytes, this.lowerReadTo);
    const { header, claims } = shared;
    checkRequest(path, header, request);
    const sent = shared.sent ?? this.send(shared, request);
    // Started with other columns in mind (the caller's guess was wrong): the worker's rows are of no use.
    if (!sameRequest(sent.request, request)) return this.parseAlone(request, bytes, this.middle);
    const { columns } = sent;
    const parts: ParsedPart[] = [];
    let rows = 0;
    for (;;) {
      const chunk = claims.claimFront();
      if (!chunk) {
        if (claims.waitForUpperHalf(UPPER_HALF_WAIT_MS)) continue;
        break;
      }
      let part: ParsedPart;
      try {
        part = parseChunk(bytes, chunk, size, header, request, columns, rows);
      } catch (error) {
        // Chunks are claimed in file order from the data's start, so a row error here is the file's first.
        if (!(error instanceof UnclosedQuoteError)) rethrowWithLine(path, error, firstDataLine(bytes, chunk.start));
        return this.parseAlone(request, bytes, this.middle);
      }
      parts.push(part);
      rows += part.rowCount;
    }
    const result = await this.second;
    if ('unclosedQuote' in result) return this.parseAlone(request, bytes, this.middle);
    if ('error' in result) {
      const error = result.error;
      if ('chunkLine' in error) {
        // When this thread's chunks reach the worker's failed one, every row before it parsed here without error, so its
        // row error is the file's first. When they stop short (this thread gave up waiting for the worker's half), rows
        // between were never read, and the failed chunk may even start inside a quoted field: one thread decides.
        if (claims.frontPosition() < error.start) return this.parseAlone(request, bytes, this.middle);
        rethrowWithLine(path, new CsvRowError(error.chunkLine, error.detail), firstDataLine(bytes, error.start));
      }
      throw new CsvColumnError(`${path}: ${error.message}`);
    }
    return joinParts(header, request, columns, bytes, { parts, rows }, result);
  }
}

/**
 * The two threads' rows as one column each: this thread's rows are at [0, rows), the worker's from `top` on, moved
 * down to follow them where the worker's row bound was not exact (blank lines, line breaks in quotes). An id column
 * that turned to text in any chunk is text in all: a chunk read as numbers gives the ids' text as written, from its
 * bytes (see idTexts).
 */
function joinParts(
  header: readonly string[],
  request: CsvColumnsRequest,
  columns: readonly Float64Array[],
  bytes: Uint8Array,
  front: { readonly parts: readonly ParsedPart[]; readonly rows: number },
  back: { readonly parts: readonly ParsedPart[]; readonly top: number },
): CsvColumns {
  const parts = [...front.parts, ...back.parts];
  const backRows = back.parts.reduce((sum, part) => sum + part.rowCount, 0);
  const rowCount = front.rows + backRows;
  const numbers = columnsByName<Float64Array>();
  const ids = columnsByName<Float64Array | string[]>();
  Object.entries(request).forEach(([name, kind], index) => {
    if (kind === 'id' && parts.some((part) => part.strings[index] !== null)) {
      const field = header.indexOf(name);
      ids[name] = parts.flatMap((part) => part.strings[index] ?? idTexts(bytes, part.start, part.end, field, part.rowCount));
      return;
    }
    if (backRows > 0 && back.top > front.rows) columns[index].copyWithin(front.rows, back.top, back.top + backRows);
    const values = columns[index].subarray(0, rowCount);
    if (kind === 'number') numbers[name] = values;
    else ids[name] = values;
  });
  return { rowCount, header, numbers, ids };
}
