/**
 * How the two threads reading a large CSV file (parallel-reading.ts) share its data rows: the calling thread takes
 * chunks from the front, the worker from the back, until they meet. Whichever thread is ready first or parses
 * faster takes more, so neither waits for the other (with halves fixed in advance, the calling thread sat idle
 * for about 95 ms of a 0.44 s estimate: bench/README.md, 2026-12-06 (20:28 UTC)).
 *
 * Every chunk starts where a line starts (after a line feed, or at the data's first byte) and ends where the next
 * chunk starts. A line feed inside a quoted field looks like a line's end here; the parse of the chunk before such
 * a boundary then ends in an open quote, and the reader falls back to one thread (see parallel-reading.ts).
 *
 * The state lives in a SharedArrayBuffer: a lock word and the bytes-read flags of the two halves (Int32), and the
 * front and back positions (Float64, as a file may be larger than an int32 can count).
 */
import { LF } from './csv-columns.js';

/** Int32 slots. */
const LOCK = 0;
const LOWER_HALF = 1;
const UPPER_HALF = 2;
/** Float64 slots, after the four Int32 ones. */
const FRONT = 2;
const BACK = 3;

/** The Int32 slot of a half's bytes-read flag. */
const slotOf = (half: 'lower' | 'upper') => (half === 'lower' ? LOWER_HALF : UPPER_HALF);

/** How long a claim waits for the lock before it takes the other thread for stopped (a claim holds it for microseconds). */
const LOCK_DEADLINE_MS = 10_000;

/** A half's bytes: not read yet, read, or not readable (an error or a file that shrank). */
export const HALF_PENDING = 0;
export const HALF_READ = 1;
export const HALF_FAILED = 2;
export type HalfState = typeof HALF_PENDING | typeof HALF_READ | typeof HALF_FAILED;

/** The bytes [start, end) of the data, a whole number of lines. */
export interface ClaimedChunk {
  readonly start: number;
  readonly end: number;
}

/**
 * The chunk size for a file of `size` bytes: small enough that the last chunk (the most one thread can wait for the
 * other) is a few milliseconds of parsing, large enough that claiming costs nothing beside it.
 */
export function chunkBytesFor(size: number): number {
  return Math.min(4 << 20, Math.max(256 << 10, Math.ceil(size / 32)));
}

export class ChunkClaims {
  private readonly words: Int32Array;
  private readonly positions: Float64Array;

  /**
   * `buffer` from ChunkClaims.buffer(), the same in both threads; `bytes` the file's bytes and `middle` where the
   * worker's half of them begins.
   */
  constructor(
    readonly buffer: SharedArrayBuffer,
    private readonly bytes: Uint8Array,
    private readonly middle: number,
    private readonly chunkBytes: number,
  ) {
    this.words = new Int32Array(buffer, 0, 4);
    this.positions = new Float64Array(buffer);
  }

  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(4 * Float64Array.BYTES_PER_ELEMENT);
  }

  /** Sets the data rows to share, [start, end); before either thread claims. */
  open(start: number, end: number): void {
    this.positions[FRONT] = start;
    this.positions[BACK] = end;
  }

  markHalf(half: 'lower' | 'upper', state: HalfState): void {
    const slot = slotOf(half);
    Atomics.store(this.words, slot, state);
    Atomics.notify(this.words, slot);
  }

  /**
   * Waits up to `milliseconds` for the worker to read the upper half, when it has not yet; true when it was pending
   * and is read now (more chunks may then be claimed from the front). The calling thread waits here rather than leave
   * the rest of the file to the worker: the wait is the worker's read of its half, and the worker reports a read
   * that fails.
   */
  waitForUpperHalf(milliseconds: number): boolean {
    if (Atomics.load(this.words, UPPER_HALF) !== HALF_PENDING) return false;
    Atomics.wait(this.words, UPPER_HALF, HALF_PENDING, milliseconds);
    return Atomics.load(this.words, UPPER_HALF) === HALF_READ;
  }

  /** Where the front has got to: the calling thread's chunks end there. */
  frontPosition(): number {
    return this.locked(() => this.positions[FRONT]);
  }

  halfState(half: 'lower' | 'upper'): HalfState {
    return Atomics.load(this.words, slotOf(half)) as HalfState;
  }

  /**
   * The next chunk from the front, or null when none is left. Also null when the chunk would reach into the worker's
   * half before the worker has read it: the caller then waits for that read (waitForUpperHalf) and claims again.
   */
  claimFront(): ClaimedChunk | null {
    return this.locked(() => {
      // Read before any byte of the upper half is: a line feed found in bytes not yet read would be no line's end.
      const upperRead = this.halfState('upper') === HALF_READ;
      const front = this.positions[FRONT];
      const back = this.positions[BACK];
      const readTo = upperRead ? back : Math.min(back, this.middle);
      if (front >= readTo) return null;
      let end = back;
      const nominal = front + this.chunkBytes;
      if (nominal < back - 1) {
        const lineFeed = this.lineFeedIn(nominal, Math.min(back - 1, readTo));
        if (lineFeed >= 0) end = lineFeed + 1;
        else if (!upperRead) return null;
      } else if (!upperRead && back > this.middle) return null;
      this.positions[FRONT] = end;
      return { start: front, end };
    });
  }

  /** The next chunk from the back, or null when none is left. Only the worker claims here, after reading its half. */
  claimBack(): ClaimedChunk | null {
    return this.locked(() => {
      const front = this.positions[FRONT];
      const back = this.positions[BACK];
      if (front >= back) return null;
      const nominal = back - this.chunkBytes;
      // The lower half is read before the worker is told to start (parallel-reading.ts); this only guards that order.
      if (Math.max(front, nominal) < this.middle && this.halfState('lower') !== HALF_READ) return null;
      let start = front;
      if (nominal > front) {
        // A line feed before the one that ends the chunk's last line (at back − 1) ends the line before the chunk.
        const lineFeed = this.lineFeedIn(nominal, back - 1);
        if (lineFeed >= 0) start = lineFeed + 1;
      }
      this.positions[BACK] = start;
      return { start, end: back };
    });
  }

  /** The first line feed in [from, to), or -1; bytes outside are not looked at (they may not be read yet). */
  private lineFeedIn(from: number, to: number): number {
    if (from >= to) return -1;
    const at = this.bytes.subarray(from, to).indexOf(LF);
    return at < 0 ? -1 : from + at;
  }

  /**
   * Runs `claim` holding the lock: a claim is a few comparisons and one search for a line feed. A lock still held after
   * LOCK_DEADLINE_MS can only be a thread stopped while holding it (killed for its memory, say): an error then, not a
   * wait for ever.
   */
  private locked<T>(claim: () => T): T {
    const deadline = Date.now() + LOCK_DEADLINE_MS;
    while (Atomics.compareExchange(this.words, LOCK, 0, 1) !== 0) {
      if (Date.now() > deadline) {
        throw new Error(`the lock of a CSV file's chunks was held for over ${LOCK_DEADLINE_MS / 1000} s: the thread holding it has stopped`);
      }
      Atomics.wait(this.words, LOCK, 1, 1);
    }
    try {
      return claim();
    } finally {
      Atomics.store(this.words, LOCK, 0);
      Atomics.notify(this.words, LOCK, 1);
    }
  }
}
