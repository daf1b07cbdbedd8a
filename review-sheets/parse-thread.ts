/**
 * A review-sheet file's COPY text (sheet-copy-text.ts), made on the activity's thread for a small file and on a thread
 * of its own for a large one. A national year's load spent most of its time reading, checking and encoding records
 * on the one thread of the activity worker, which also serves the other file loading beside it (the workflow loads
 * two at a time), while the machine's other core was partly idle: on its own thread each large file's parse runs
 * beside the other's and beside PostgreSQL. A file on disk is read by the thread itself (given its descriptor: once to
 * hash it, then a piece at a time as asked for); a zip's entry is read here and a copy of each piece moved to the
 * thread. The COPY text comes back moved, not copied. A thread that read its file to the end waits a while for the
 * next one (IDLE_THREADS_KEPT), warm.
 *
 * What waits in memory: at most two pieces in the thread (read there into one 1 MiB buffer from a file on disk; as
 * the zip reader gives them from an entry), the text of the pieces parsed and
 * not yet taken by the COPY (node's stream reads up to 16 chunks, about 4 MiB, ahead), and the quarantined records'
 * text, which can only be copied once the rows are in and so is held, as bytes, until then (a file whose every record
 * is quarantined holds about its own size). A 3-1 file's derived tables (its indicators by year, its indicators)
 * come a few chunks at a time, as asked for. A kept thread lets go of its file when it finishes, but its heap (a few
 * tens of MB after a national 3-1 file) stays until it collects its garbage or is stopped, at most 10 s later. A file
 * parsed at once (encodeReviewFileOnThread's parseAtOnce, the command's file made ahead) is not held back: its whole
 * text may wait here until it is taken.
 */
import { closeSync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../runtime/compiled-module.js';
import { MessageQueue } from '../runtime/message-queue.js';
import { errorOf, type ParseThreadMessage, type ParseThreadRequest } from './parse-thread-messages.js';
import { SheetCopyText, type DerivedTable } from './sheet-copy-text.js';

/** A file at least this large is parsed on a thread of its own: below it, starting the thread costs more than it saves. */
export const PARSE_THREAD_MIN_BYTES = 4 << 20;

/** Pieces sent to the thread and not yet parsed: one being parsed, one waiting, so the thread never idles for a read. */
const PIECES_IN_THREAD = 2;

/**
 * The thread's heap. The young generation is larger than Node's default: parsing makes many short-lived strings and
 * rows, and collecting them took a large share of the parse (as in the applicant parse, ingest/loading/parse-worker-
 * client.ts). The old generation holds a 3-1 file's indicators by year until its end (tens of megabytes in a national
 * year); the bound makes a runaway thread fail with a clear message instead of taking the worker's memory.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 1024 };

/**
 * Threads kept between files, and for how long one waits for the next. A new thread makes its isolate, loads its
 * modules and compiles its code again as it warms up: six national files each on a new thread took 5.9–7.8 s of CPU,
 * on one thread after another 4.1–6.0 s (bench/README.md, "2026-12-06 (17:46 UTC)"). Two: the load parses two files
 * at once. An idle thread is unreferenced (it never keeps the process alive) and stopped when the wait is over.
 */
const IDLE_THREADS_KEPT = 2;
const IDLE_THREAD_MILLISECONDS = 10_000;

/**
 * A file whose parse outgrew its thread's heap: a national year's largest table needs a small part of it, so the file
 * is not one review year's table as published. Not retried: the next attempt would grow as far.
 */
export class ReviewParseMemoryError extends Error {
  constructor(readonly fileName: string, readonly size: number | undefined, readonly limitMb: number, cause: Error) {
    const bytes = size === undefined ? '' : ` (${(size / 2 ** 20).toFixed(0)} MiB)`;
    super(
      `parsing ${fileName}${bytes} needed more than ${limitMb} MB on its thread, far beyond a national year's largest table (about 60 MiB); ` +
        'check that it is one review year\'s table as downloaded from the RS system',
      { cause },
    );
    this.name = 'ReviewParseMemoryError';
  }
}

/** What to encode: the file's published name (its table and review year), its digest, and its bytes in pieces. */
export interface EncodedSource {
  readonly fileName: string;
  readonly sha256: string;
  /** The bytes' length where known (a file on disk); a zip entry's is not, and it is parsed on a thread of its own. */
  readonly size?: number;
  /** Each piece is taken (hashed, decoded or copied) before the next is asked for: a reader may reuse its buffer. */
  pieces(): AsyncIterable<Uint8Array>;
}

/** A file's COPY text, taken in order: the rows' chunks, then the quarantined records' and (3-1) the derived tables'. */
export interface SheetEncoding {
  /** The rows' COPY text; each chunk is handed over once. */
  rowChunks(): AsyncIterable<Uint8Array>;
  /** Once rowChunks is done: the rows made, and the records quarantined. */
  readonly rows: number;
  readonly quarantined: number;
  /** Once rowChunks is done: the quarantined records' COPY text (raw.review_sheet_quarantine, QUARANTINE_COLUMNS). */
  quarantineChunks(): AsyncIterable<Uint8Array>;
  /** Once rowChunks is done: what a 3-1 file's rows gave `table` (DERIVED), as COPY text; nothing for other tables. */
  derivedChunks(table: DerivedTable): AsyncIterable<Uint8Array>;
  /** Once derivedChunks(table) is done: how many rows it gave. */
  derivedRows(table: DerivedTable): number;
  /**
   * Lets go of the thread, if any, whether the encoding finished or not: kept for the next file when this one was read
   * to its end, else stopped. Nothing may be asked of the encoding after. Safe to repeat.
   */
  close(): Promise<void>;
}

/**
 * A copy of the piece, which the thread takes over: the source's own bytes are never moved away from it (a caller
 * may hold them, as a test does its file's bytes). A national year's 126 MB are copied in a few tens of milliseconds.
 */
function movable(piece: Uint8Array): Uint8Array {
  return new Uint8Array(piece);
}

/** The file's COPY text on this thread, as its pieces are read. */
class EncodingHere implements SheetEncoding {
  private readonly text: SheetCopyText;

  constructor(private readonly source: EncodedSource) {
    this.text = new SheetCopyText(source.fileName, source.sha256);
  }

  async *rowChunks(): AsyncGenerator<Uint8Array> {
    for await (const piece of this.source.pieces()) yield* this.text.push(piece);
    yield* this.text.end();
  }

  get rows(): number {
    return this.text.rows;
  }

  get quarantined(): number {
    return this.text.quarantined;
  }

  async *quarantineChunks(): AsyncGenerator<Uint8Array> {
    yield* this.text.finishQuarantine();
  }

  async *derivedChunks(table: DerivedTable): AsyncGenerator<Uint8Array> {
    yield* this.text.derivedChunks(table);
  }

  derivedRows(table: DerivedTable): number {
    return this.text.derivedRows(table);
  }

  async close(): Promise<void> {}
}

/** A promise settled by the first of resolve and reject (later calls do nothing), never an unhandled rejection. */
function settledOnce<T>(): { readonly promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let settle: { resolve(value: T): void; reject(error: unknown): void } | null = null;
  const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  promise.catch(() => undefined);
  return {
    promise,
    resolve(value) {
      settle?.resolve(value);
      settle = null;
    },
    reject(error) {
      settle?.reject(error);
      settle = null;
    },
  };
}

/** The requests that give the thread a file's pieces, one at a time; null once every piece was asked for. */
interface PieceFeed {
  next(): Promise<ParseThreadRequest | null>;
  close(): Promise<void>;
}

/** Parse threads waiting for their next file, the most recently used last. */
const idleThreads: { readonly worker: Worker; readonly timer: NodeJS.Timeout; readonly onExit: () => void }[] = [];

function removeIdle(worker: Worker): boolean {
  const at = idleThreads.findIndex((idle) => idle.worker === worker);
  if (at === -1) return false;
  const [idle] = idleThreads.splice(at, 1);
  clearTimeout(idle.timer);
  worker.off('exit', idle.onExit);
  return true;
}

/** An idle parse thread, or a new one. */
function takeParseThread(): Worker {
  const idle = idleThreads.at(-1);
  if (idle && removeIdle(idle.worker)) {
    idle.worker.ref();
    return idle.worker;
  }
  const worker = new Worker(compiledSibling(import.meta.url, './parse-thread-worker.js'), { resourceLimits: RESOURCE_LIMITS });
  // Heard for the thread's whole life: a file's own listener is removed when the file lets go of the thread, and an
  // error no listener hears (one while the thread is being stopped, or while it waits) would end the process.
  worker.on('error', () => removeIdle(worker));
  return worker;
}

/** A thread that finished its file cleanly, kept for the next one (or stopped when enough are kept). */
function keepParseThread(worker: Worker): Promise<void> {
  if (idleThreads.length >= IDLE_THREADS_KEPT) return worker.terminate().then(() => undefined);
  worker.postMessage({ release: true } satisfies ParseThreadRequest);
  worker.unref();
  const timer = setTimeout(() => {
    if (removeIdle(worker)) void worker.terminate();
  }, IDLE_THREAD_MILLISECONDS);
  timer.unref();
  // A thread that dies while it waits (killed from outside) is simply forgotten.
  const onExit = () => removeIdle(worker);
  worker.once('exit', onExit);
  idleThreads.push({ worker, timer, onExit });
  return Promise.resolve();
}

/** How many parse threads wait for a file now. */
export function idleParseThreads(): number {
  return idleThreads.length;
}

/** Stops every idle parse thread (tests that count the process's threads; a host shutting down at once). */
export async function stopIdleParseThreads(): Promise<void> {
  const workers = idleThreads.map((idle) => idle.worker);
  for (const worker of workers) removeIdle(worker);
  await Promise.all(workers.map((worker) => worker.terminate()));
}

/**
 * The file's COPY text made on a thread of its own (a new one, or one kept from an earlier file), from the pieces read
 * here, or (`fileOnDisk`, a descriptor this encoding closes) from the file the thread hashes, reads and parses itself.
 */
class EncodingOnThread implements SheetEncoding {
  private readonly worker: Worker;
  private readonly messages = new MessageQueue<ParseThreadMessage>();
  private rowsDone: { rows: number; quarantined: number } | null = null;
  /** The quarantined records' text, held until the rows are in (they are copied after them). */
  private quarantine: Uint8Array[] = [];
  private readonly derivedCounts = new Map<DerivedTable, number>();
  private closing: Promise<void> | null = null;
  /** Requests the thread has not answered yet: the thread is kept for the next file only when none is left. */
  private unanswered = 0;
  /** The thread failed, or failed to answer: it is stopped, never kept. */
  private broken = false;
  /**
   * A file on disk's digest and the pieces its parse answers with, as the thread sends them; rejected at the first
   * failure before.
   */
  private readonly digest = settledOnce<{ readonly sha256: string; readonly pieces: number }>();
  /** parseWhole was sent with the file (parseAtOnce): every piece's text comes unasked after the digest. */
  private parseAsked = false;
  /** A file on disk's first piece was asked for: until then (and without parseWhole) the thread has only hashed it. */
  private piecesAsked = false;

  /**
   * `fileOnDisk`: a descriptor this encoding closes, of a file the thread hashes, reads and parses itself. With
   * `parseAtOnce` the thread parses it to its end right after its digest, without waiting for this thread or for the
   * text to be taken (the command's file made ahead, encoding-ahead.ts, which takes all of it); otherwise it parses a
   * piece when asked, as the pieces sent from here are.
   */
  constructor(
    private readonly source: Pick<EncodedSource, 'fileName' | 'size'> & Partial<EncodedSource>,
    private readonly fileOnDisk?: number,
    parseAtOnce = false,
  ) {
    this.worker = takeParseThread();
    this.worker.on('message', this.onMessage);
    this.worker.on('messageerror', this.onMessageError);
    this.worker.on('error', this.onError);
    this.worker.on('exit', this.onExit);
    try {
      if (fileOnDisk !== undefined) {
        this.send({ file: { fd: fileOnDisk, fileName: source.fileName } });
        if (parseAtOnce) {
          // The thread takes requests in order: it parses as soon as it has hashed the file.
          this.send({ parseWhole: true });
          this.parseAsked = true;
        }
      }
      // Answered only by a failure (a file name of a table not loaded), so not counted among the requests.
      else this.worker.postMessage({ start: { fileName: source.fileName, sha256: source.sha256 ?? '' } } satisfies ParseThreadRequest);
    } catch (error) {
      // A thread taken (perhaps from the idle ones, referenced again) that got no file is stopped, not left running;
      // the descriptor stays with the caller, which closes it (encodeReviewFileOnThread).
      this.broken = true;
      this.stopListening();
      void this.worker.terminate();
      throw error;
    }
  }

  /** The SHA-256 of the bytes the thread read, for a file on disk. */
  async sha256(): Promise<string> {
    return (await this.digest.promise).sha256;
  }

  private readonly onMessage = (message: ParseThreadMessage): void => {
    // A failure answering the start (which is not counted) takes this below zero; the thread is then broken anyway.
    this.unanswered--;
    if ('digest' in message) {
      // parseWhole, asked for already, is answered by a message per piece and one for the end.
      if (this.parseAsked) this.unanswered += message.digest.pieces;
      this.digest.resolve(message.digest);
      return;
    }
    if ('failure' in message) {
      this.broken = true;
      this.digest.reject(errorOf(message.failure, this.source.fileName));
    }
    this.messages.push(message);
  };

  private readonly onMessageError = (error: Error): void => {
    this.broken = true;
    this.failWith(new Error(`a message from the review-sheet parse thread of ${this.source.fileName} could not be read: ${error.message}`, { cause: error }));
  };

  private readonly onError = (error: Error & { code?: string }): void => {
    this.broken = true;
    this.failWith(
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new ReviewParseMemoryError(this.source.fileName, this.source.size, RESOURCE_LIMITS.maxOldGenerationSizeMb, error)
        : new Error(`the review-sheet parse thread of ${this.source.fileName} stopped: ${error.message}`, { cause: error }),
    );
  };

  private readonly onExit = (code: number): void => {
    this.broken = true;
    this.failWith(new Error(`the review-sheet parse thread of ${this.source.fileName} exited (code ${code}) before it finished the file`));
  };

  private failWith(error: Error): void {
    this.digest.reject(error);
    this.messages.fail(error);
  }

  private send(request: ParseThreadRequest): void {
    // Once closed, the thread may be reading another file: a request now would land in that file's stream.
    if (this.closing) throw new Error(`the review-sheet encoding of ${this.source.fileName} was asked for more after it was closed`);
    this.unanswered++;
    this.worker.postMessage(request, 'piece' in request ? [request.piece.buffer as ArrayBuffer] : []);
  }

  /** The next message; a failure the thread reports is thrown as the error it was. */
  private async next(): Promise<ParseThreadMessage> {
    const message = await this.messages.next();
    if ('failure' in message) throw errorOf(message.failure, this.source.fileName);
    return message;
  }

  private unexpected(message: ParseThreadMessage): Error {
    // A thread out of step with its file is not kept for the next one.
    this.broken = true;
    return new Error(`the review-sheet parse thread of ${this.source.fileName} sent ${Object.keys(message).join(', ')} out of turn`);
  }

  async *rowChunks(): AsyncGenerator<Uint8Array> {
    if (this.parseAsked) {
      // parseWhole went with the file: every piece's text comes unasked.
      for (let done = false; !done; ) done = yield* this.textOf(await this.next());
      return;
    }
    const feed = this.fileOnDisk !== undefined ? await this.piecesOnDisk() : this.piecesFromSource();
    let inThread = 0;
    let allSent = false;
    try {
      for (;;) {
        // Pieces go out while the thread has room; the loop comes back here only when the COPY's stream asks for more
        // text (it holds up to 16 chunks, about 4 MiB, ahead), so the pieces are read as fast as PostgreSQL takes them.
        while (!allSent && inThread < PIECES_IN_THREAD) {
          const request = await feed.next();
          if (request === null) {
            this.send({ end: true });
            allSent = true;
          } else {
            this.send(request);
            inThread++;
          }
        }
        if (yield* this.textOf(await this.next())) return;
        inThread--;
      }
    } finally {
      // A COPY that failed, or a refusal from the thread, leaves the file partly read: it is closed now.
      if (!allSent) await feed.close();
    }
  }

  /** A piece's text handed on; true once it was the last (the rows are done). */
  private *textOf(message: ParseThreadMessage): Generator<Uint8Array, boolean> {
    if (!('rowChunks' in message)) throw this.unexpected(message);
    this.quarantine.push(...message.quarantineChunks);
    // Not `yield*` of the array: a reader stopped by an error (throw()) would get a TypeError for it here.
    for (const chunk of message.rowChunks) yield chunk;
    if (!('rowsDone' in message)) return false;
    this.rowsDone = message.rowsDone;
    return true;
  }

  /** The requests that send the source's pieces, read here; null after the last. */
  private piecesFromSource(): PieceFeed {
    if (!this.source.pieces) throw new Error(`the review-sheet encoding of ${this.source.fileName} has no pieces to send`);
    const pieces = this.source.pieces()[Symbol.asyncIterator]();
    return {
      next: async () => {
        const read = await pieces.next();
        return read.done ? null : { piece: movable(read.value) };
      },
      close: async () => {
        await pieces.return?.();
      },
    };
  }

  /** The requests that have the thread read the file's next piece itself, as many as its digest said; null after. */
  private async piecesOnDisk(): Promise<PieceFeed> {
    const { pieces } = await this.digest.promise;
    let sent = 0;
    return {
      next: () => {
        if (sent === pieces) return Promise.resolve(null);
        sent++;
        this.piecesAsked = true;
        return Promise.resolve({ pieceOnDisk: true as const });
      },
      close: () => Promise.resolve(),
    };
  }

  get rows(): number {
    return this.done().rows;
  }

  get quarantined(): number {
    return this.done().quarantined;
  }

  private done(): { rows: number; quarantined: number } {
    if (!this.rowsDone) throw new Error(`the rows of ${this.source.fileName} are asked for before they were all read`);
    return this.rowsDone;
  }

  async *quarantineChunks(): AsyncGenerator<Uint8Array> {
    this.done();
    const chunks = this.quarantine;
    this.quarantine = [];
    yield* chunks;
  }

  async *derivedChunks(table: DerivedTable): AsyncGenerator<Uint8Array> {
    this.done();
    for (;;) {
      // A few chunks at a time, as the COPY takes them: a national 3-1 file's indicators by year are about 15 MB of text.
      this.send({ derived: table });
      const message = await this.next();
      if ('derivedChunks' in message) yield* message.derivedChunks;
      else if ('derivedDone' in message) {
        this.derivedCounts.set(table, message.derivedDone.rows);
        return;
      } else throw this.unexpected(message);
    }
  }

  derivedRows(table: DerivedTable): number {
    return this.derivedCounts.get(table) ?? 0;
  }

  /** Stops hearing from the thread (it is being kept for another file, or stopped). */
  private stopListening(): void {
    this.worker.off('message', this.onMessage);
    this.worker.off('messageerror', this.onMessageError);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
  }

  /**
   * A thread that read the file to its end and answered every request is kept for the next file; one stopped part-way
   * (a COPY that failed), or that failed, is stopped.
   */
  close(): Promise<void> {
    this.quarantine = [];
    this.closing ??= (() => {
      this.stopListening();
      // A reader still waiting for the thread (its COPY failed part-way) stops waiting, as the thread's exit made it do
      // before threads were kept: it then closes its file.
      this.failWith(new Error(`the review-sheet parse thread of ${this.source.fileName} was let go of before it finished the file`));
      // A file on disk whose parse was never asked for (it was loaded before) leaves the thread clean too.
      const hashedOnly = this.fileOnDisk !== undefined && !this.parseAsked && !this.piecesAsked;
      const clean = !this.broken && (this.rowsDone !== null || hashedOnly) && this.unanswered === 0;
      const letGo = clean ? keepParseThread(this.worker) : this.worker.terminate().then(() => undefined);
      // The descriptor is closed once the thread can no longer read it: a clean thread has answered every request.
      return this.fileOnDisk === undefined ? letGo : letGo.finally(() => closeSync(this.fileOnDisk as number));
    })();
    return this.closing;
  }
}

/** A file on disk of `size` bytes is hashed and parsed on its own thread, which reads it (encodeReviewFileOnThread). */
export function readsOnItsThread(size: number): boolean {
  return size >= PARSE_THREAD_MIN_BYTES;
}

/** A file on disk whose parse thread reads and hashes it: its digest, then, once asked for, its COPY text. */
export interface FileOnThread {
  /** The SHA-256 of the file's bytes (hex), as the thread read them. */
  sha256(): Promise<string>;
  /**
   * The text: a piece at a time as its rows are taken, or (parseAtOnce) all of it from the start, without waiting for
   * them to be taken. A file that changed since it was hashed fails at its end (ReviewFileChangedError). Closed before
   * its rows were asked for (a file loaded before, without parseAtOnce), the thread is kept for the next file; closed
   * part-way, it is stopped.
   */
  readonly encoding: SheetEncoding;
}

/**
 * The file at `path`, published as `fileName`, hashed and parsed on a parse thread that reads it itself, a piece at a
 * time into one buffer, once for its digest and once for its text: nothing of it is read on this thread, which then
 * neither hashes the file nor copies each piece into fresh memory for the thread (about 0.5 s of a national year's
 * load on the activity's thread, a CPU profile of 2026-12-07). The file is opened here (a file that cannot be opened
 * throws now) and closed when the encoding is. With `parseAtOnce` the thread parses it to its end as soon as it is
 * hashed, whether or not its text is taken (encoding-ahead.ts); otherwise a piece at a time as the text is taken.
 */
export function encodeReviewFileOnThread(path: string, fileName: string, options: { readonly size?: number; readonly parseAtOnce?: boolean } = {}): FileOnThread {
  const fd = openSync(path, 'r');
  let encoding: EncodingOnThread;
  try {
    encoding = new EncodingOnThread({ fileName, ...(options.size === undefined ? {} : { size: options.size }) }, fd, options.parseAtOnce === true);
  } catch (error) {
    // No thread to hand it to (one could not be started): the file is closed here.
    closeSync(fd);
    throw error;
  }
  return { encoding, sha256: () => encoding.sha256() };
}

/**
 * The file's COPY text: on a thread of its own when the file is PARSE_THREAD_MIN_BYTES or more, or of a size not known
 * (a zip entry), unless `onThread` says where. What refuses the file (a table not loaded, a header not the published
 * one, no header) is thrown as the same error on either thread, from the constructor here or from the chunks there.
 */
export function encodeReviewSheet(source: EncodedSource, onThread?: boolean): SheetEncoding {
  const thread = onThread ?? (source.size === undefined || readsOnItsThread(source.size));
  return thread ? new EncodingOnThread(source) : new EncodingHere(source);
}
