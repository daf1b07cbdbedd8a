/**
 * A review-sheet file's COPY text made ahead of its load, by `ebpm review-sheets load` with its own worker: the command
 * starts the parse of the costliest table's first file (3-1, the load's critical path in a national year), if it is
 * large enough to be parsed on a thread of its own, as soon as it has its paths, while it loads its modules, connects
 * to Temporal and makes its worker (1.4–1.6 s on the project's machines, mostly on one core). The file's activity
 * takes the text made so far, with the digest of the bytes it was made from, instead of reading the file again. It is
 * made by the same code as at load time, on a thread that reads and hashes the file as the load's own threads do
 * (parse-thread.ts, encodeReviewFileOnThread): the load of a large file on disk differs only in when its parse begins,
 * and in that its text is not held back for the COPY. A file the load skips (loaded before) was parsed for nothing;
 * the command closes whatever was not taken when it ends.
 *
 * What it holds: the file's descriptor, and the COPY text made and not yet taken (about 45 MB for a national 3-1 file's
 * rows and derived tables, if the activity starts after the parse ended).
 */
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { assertInputAllowed } from '../ingest/loading/input-confinement.js';
import { parseReviewFileName } from './file-name.js';
import { listReviewSheetRefs } from './list-files.js';
import { encodeReviewFileOnThread, PARSE_THREAD_MIN_BYTES, type FileOnThread, type SheetEncoding } from './parse-thread.js';
import { DERIVED_TABLES, type DerivedTable } from './sheet-copy-text.js';

/** The table whose file is parsed ahead: the costliest to load (workflows/load-review-sheets.ts, COSTLIEST_FIRST). */
export const TABLE_MADE_AHEAD = '3-1';

/** Chunks of one stream of COPY text (the rows, the quarantined records, a derived table), as they are made. */
class ChunkStream {
  private readonly chunks: (Uint8Array | undefined)[] = [];
  private ended = false;
  private failure: { readonly error: unknown } | null = null;
  private wake: (() => void) | null = null;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  /** A stream made to its end stays as made: its taker gets every chunk, and the failure where it asks for the next stream. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.failure ??= { error };
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** The chunks in order, each let go of once handed over; the failure, if the stream failed, after those made before it. */
  async *take(): AsyncGenerator<Uint8Array> {
    for (let next = 0; ; ) {
      if (next < this.chunks.length) {
        const chunk = this.chunks[next] as Uint8Array;
        this.chunks[next++] = undefined;
        yield chunk;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/**
 * An encoding whose every stream is drained as fast as the parse thread makes it, in the order the load asks for them
 * (store-file.ts: the rows, the quarantined records, then a 3-1 file's derived tables in DERIVED_TABLES' order), and
 * handed out from memory. The thread is let go of as soon as the last stream is made, so the next file can use it.
 */
export class EncodingMadeAhead implements SheetEncoding {
  private readonly rowStream = new ChunkStream();
  private readonly quarantineStream = new ChunkStream();
  private readonly derivedStreams = new Map<DerivedTable, ChunkStream>(DERIVED_TABLES.map((table) => [table, new ChunkStream()]));
  private counts: { readonly rows: number; readonly quarantined: number } | null = null;
  private readonly derivedCounts = new Map<DerivedTable, number>();
  private stopped = false;
  /** Every stream was made: the thread has been let go of. */
  private finished = false;
  private readonly drained: Promise<void>;

  constructor(
    private readonly inner: SheetEncoding,
    private readonly label: string,
    derived: readonly DerivedTable[],
  ) {
    this.drained = this.drain(derived);
    // Awaited by close(); until then a failure to let go of the thread must not go unhandled.
    this.drained.catch(() => undefined);
  }

  private async drain(derived: readonly DerivedTable[]): Promise<void> {
    const streams = [this.rowStream, this.quarantineStream, ...this.derivedStreams.values()];
    try {
      await this.fill(this.rowStream, this.inner.rowChunks());
      this.counts = { rows: this.inner.rows, quarantined: this.inner.quarantined };
      await this.fill(this.quarantineStream, this.inner.quarantineChunks());
      for (const table of DERIVED_TABLES) {
        if (derived.includes(table)) {
          await this.fill(this.derivedStreams.get(table) as ChunkStream, this.inner.derivedChunks(table));
          this.derivedCounts.set(table, this.inner.derivedRows(table));
        } else (this.derivedStreams.get(table) as ChunkStream).end();
      }
      this.finished = true;
    } catch (error) {
      // Every stream not yet made to its end fails with it, so that no taker waits for ever.
      for (const stream of streams) stream.fail(error);
    } finally {
      await this.inner.close();
    }
  }

  private async fill(stream: ChunkStream, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const chunk of chunks) {
      if (this.stopped) throw new Error(`the COPY text of ${this.label} made ahead was closed before it was made`);
      stream.push(chunk);
    }
    stream.end();
  }

  rowChunks(): AsyncIterable<Uint8Array> {
    return this.rowStream.take();
  }

  private done(): { readonly rows: number; readonly quarantined: number } {
    if (!this.counts) throw new Error(`the rows of ${this.label} are asked for before they were all read`);
    return this.counts;
  }

  get rows(): number {
    return this.done().rows;
  }

  get quarantined(): number {
    return this.done().quarantined;
  }

  quarantineChunks(): AsyncIterable<Uint8Array> {
    this.done();
    return this.quarantineStream.take();
  }

  derivedChunks(table: DerivedTable): AsyncIterable<Uint8Array> {
    this.done();
    return (this.derivedStreams.get(table) as ChunkStream).take();
  }

  derivedRows(table: DerivedTable): number {
    return this.derivedCounts.get(table) ?? 0;
  }

  /** Stops the parse if it is still going (its thread is then stopped, not kept) and lets go of the text not taken. */
  async close(): Promise<void> {
    if (!this.finished) {
      this.stopped = true;
      await this.inner.close();
    }
    await this.drained;
  }
}

/** A file being made ahead, by its path as the load names it. */
interface Ahead extends FileOnThread {
  readonly path: string;
  readonly encoding: EncodingMadeAhead;
}

const ahead: Ahead[] = [];

/**
 * Starts making `path`'s COPY text on a parse thread, which reads, hashes and parses the file to its end by itself:
 * nothing of it waits for this thread, whose start (loading the Temporal SDK's modules, one long run of code) would
 * otherwise hold the parse back. Throws for a name that is not a published one or a file that cannot be opened.
 */
export function startEncodingAhead(path: string): void {
  const fileName = basename(path).normalize('NFC');
  const derived = parseReviewFileName(fileName).table === '3-1' ? DERIVED_TABLES : [];
  const onThread = encodeReviewFileOnThread(path, fileName, { parseAtOnce: true });
  ahead.push({ path, sha256: onThread.sha256, encoding: new EncodingMadeAhead(onThread.encoding, fileName, derived) });
}

/**
 * The first file of TABLE_MADE_AHEAD among the files on disk the load names, made ahead (startEncodingAhead) if it is
 * at least `minBytes` (by default the size from which the load parses a file on a thread of its own); none where the
 * paths cannot be listed or the file is outside the worker's input folder: the load itself then reads it (and says
 * what is wrong). Zips are not opened: their entries are read by the load. Returns the path made ahead, if any.
 */
export async function startEncodingAheadForLoad(paths: readonly string[], inputDir: string | undefined, minBytes = PARSE_THREAD_MIN_BYTES): Promise<string | undefined> {
  try {
    const refs = await listReviewSheetRefs(paths.filter((path) => !resolve(path).toLowerCase().endsWith('.zip')));
    const first = refs.find((ref) => {
      try {
        return parseReviewFileName(ref.path).table === TABLE_MADE_AHEAD;
      } catch {
        return false;
      }
    });
    if (!first) return undefined;
    assertInputAllowed(first.path, inputDir);
    if (statSync(first.path).size < minBytes) return undefined;
    startEncodingAhead(first.path);
    return first.path;
  } catch {
    return undefined;
  }
}

/**
 * The file at `path` made ahead, taken (no one else gets it): its digest is of the bytes its text was made from, which
 * the load stores under it. None if the file was not made ahead.
 */
export function takeEncodingAhead(path: string): FileOnThread | undefined {
  const at = ahead.findIndex((entry) => entry.path === path);
  if (at === -1) return undefined;
  const [{ sha256, encoding }] = ahead.splice(at, 1);
  return { sha256, encoding };
}

/** How many files are being or were made ahead and not taken. */
export function encodingsAheadLeft(): number {
  return ahead.length;
}

/** Closes every encoding made ahead and not taken (the command's end: a skipped file, a load that failed). */
export async function closeEncodingsAhead(): Promise<void> {
  const left = ahead.splice(0);
  await Promise.all(left.map((entry) => entry.encoding.close()));
}
