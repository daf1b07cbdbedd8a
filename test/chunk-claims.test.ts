import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ChunkClaims, HALF_READ, type ClaimedChunk } from '../panel-csv/chunk-claims.js';
import { rowBoundOf } from '../panel-csv/chunk-parts.js';
import { SeededRandom } from '../stats/random.js';

/** Lines of 1–40 bytes, each ended by a line feed, as bytes; the last line may lack its line feed. */
function lines(count: number, finalLineFeed: boolean): Uint8Array {
  const text = Array.from({ length: count }, (_, i) => `${'x'.repeat(i % 40)}${i}`).join('\n') + (finalLineFeed ? '\n' : '');
  return new Uint8Array(Buffer.from(text));
}

/** Claims from both ends in the given order ('f' front, 'b' back, repeated) until neither gets a chunk. */
function claimAll(claims: ChunkClaims, order: string): { front: ClaimedChunk[]; back: ClaimedChunk[] } {
  const front: ClaimedChunk[] = [];
  const back: ClaimedChunk[] = [];
  let frontDone = false;
  let backDone = false;
  for (let step = 0; !(frontDone && backDone); step++) {
    // A side that has stopped leaves its turns to the other.
    const side = frontDone ? 'b' : backDone ? 'f' : order[step % order.length];
    if (side === 'f') {
      const chunk = claims.claimFront();
      if (chunk) front.push(chunk);
      else frontDone = true;
    } else {
      const chunk = claims.claimBack();
      if (chunk) back.push(chunk);
      else backDone = true;
    }
  }
  return { front, back };
}

describe('chunks claimed from both ends of a file', () => {
  for (const [order, finalLineFeed] of [['fb', true], ['fffb', false], ['b', true], ['f', false], ['bbbbf', true]] as const) {
    it(`cover the data exactly once, each starting on a line, claimed in the order ${order}${finalLineFeed ? '' : ' (no final line feed)'}`, () => {
      const bytes = lines(5_000, finalLineFeed);
      const size = bytes.length;
      const middle = Math.floor(size / 2);
      const claims = new ChunkClaims(ChunkClaims.buffer(), bytes, middle, 4_096);
      claims.open(3, size);
      claims.markHalf('lower', HALF_READ);
      claims.markHalf('upper', HALF_READ);
      const { front, back } = claimAll(claims, order);
      // The front's chunks in order, then the back's in file order: one run from the data's start to the file's end.
      const chunks = [...front, ...back.reverse()];
      expect(chunks[0].start).toBe(3);
      expect(chunks.at(-1)?.end).toBe(size);
      for (let i = 0; i < chunks.length; i++) {
        expect(chunks[i].end).toBeGreaterThan(chunks[i].start);
        if (i > 0) expect(chunks[i].start).toBe(chunks[i - 1].end);
        // A chunk ends after a line feed, except the last one, which ends where the file does.
        if (i < chunks.length - 1) expect(bytes[chunks[i].end - 1]).toBe(10);
      }
      if (order.includes('f') && order.includes('b')) expect(front.length * back.length).toBeGreaterThan(0);
      // Nothing is left once both have stopped.
      expect(claims.claimFront()).toBeNull();
      expect(claims.claimBack()).toBeNull();
    });
  }

  it('stop the front at the middle until the worker has read the upper half, and let it go on after', () => {
    const bytes = lines(5_000, true);
    const middle = Math.floor(bytes.length / 2);
    const claims = new ChunkClaims(ChunkClaims.buffer(), bytes, middle, 4_096);
    claims.open(0, bytes.length);
    claims.markHalf('lower', HALF_READ);
    const before: ClaimedChunk[] = [];
    for (let chunk = claims.claimFront(); chunk; chunk = claims.claimFront()) before.push(chunk);
    expect(before.at(-1)?.end).toBeLessThanOrEqual(middle);
    expect(before.at(-1)?.end).toBeGreaterThan(middle - 4_096 - 80);
    claims.markHalf('upper', HALF_READ);
    const next = claims.claimFront();
    expect(next?.start).toBe(before.at(-1)?.end);
    expect(next?.end).toBeGreaterThan(middle);
  });

  it('let the front wait at the middle for the worker to read its half, and go on when another thread marks it read', async () => {
    const bytes = lines(5_000, true);
    const middle = Math.floor(bytes.length / 2);
    const buffer = ChunkClaims.buffer();
    const claims = new ChunkClaims(buffer, bytes, middle, 4_096);
    claims.open(0, bytes.length);
    claims.markHalf('lower', HALF_READ);
    while (claims.claimFront());
    // Nobody marks it: the wait ends after its time, with nothing more to claim.
    expect(claims.waitForUpperHalf(20)).toBe(false);
    // Another thread marks it read after 100 ms; the wait ends then, and the front claims past the middle.
    const marker = new Worker(
      `const { workerData } = require('node:worker_threads'); const words = new Int32Array(workerData, 0, 4);
       setTimeout(() => { Atomics.store(words, 2, 1); Atomics.notify(words, 2); }, 100);`,
      { eval: true, workerData: buffer },
    );
    try {
      expect(claims.waitForUpperHalf(10_000)).toBe(true);
      expect(claims.claimFront()?.end).toBeGreaterThan(middle);
      // Read already: nothing to wait for.
      expect(claims.waitForUpperHalf(10_000)).toBe(false);
    } finally {
      await marker.terminate();
    }
  });

  it('share one state between threads: what one claims the other does not', () => {
    const bytes = lines(2_000, true);
    const buffer = ChunkClaims.buffer();
    const ours = new ChunkClaims(buffer, bytes, 0, 1_024);
    const theirs = new ChunkClaims(buffer, bytes, 0, 1_024);
    ours.open(0, bytes.length);
    ours.markHalf('upper', HALF_READ);
    ours.markHalf('lower', HALF_READ);
    const first = theirs.claimBack();
    const second = ours.claimBack();
    expect(second?.end).toBe(first?.start);
  });
});

describe('the row bound the worker places its rows under', () => {
  it('counts LF, CRLF and bare CR as one break each, four bytes at a time as one by one, across word edges', () => {
    // Bytes drawn mostly from LF, CR and their neighbours, in views that start at every offset of a word and ranges of
    // every length up to a few words: the count must be the line breaks (a CR followed by an LF being one) plus one.
    const random = new SeededRandom(5);
    const alphabet = [10, 13, 10, 13, 0, 9, 11, 12, 14, 44, 0x7f, 0x80, 0x8a, 0x8d, 0xff];
    const buffer = new SharedArrayBuffer(4_099);
    const all = new Uint8Array(buffer);
    for (let i = 0; i < all.length; i++) all[i] = alphabet[Math.floor(random.uniform() * alphabet.length)];
    const byteByByte = (view: Uint8Array, start: number, end: number) => {
      let breaks = 0;
      for (let at = start; at < end; at++) if (view[at] === 10 || (view[at] === 13 && view[at + 1] !== 10)) breaks++;
      return breaks + 1;
    };
    for (let offset = 0; offset < 8; offset++) {
      const view = new Uint8Array(buffer, offset, 4_099 - offset - 1);
      for (let trial = 0; trial < 400; trial++) {
        const start = Math.floor(random.uniform() * 64);
        const end = start + Math.floor(random.uniform() * 48);
        expect(rowBoundOf(view, start, end)).toBe(byteByByte(view, start, end));
      }
    }
    expect(rowBoundOf(all, 10, 4_000)).toBe(byteByByte(all, 10, 4_000));
  });

  it('is the exact row count of rows without blank lines or breaks in quotes, LF or CRLF, the final break left out', () => {
    for (const lineEnd of ['\n', '\r\n']) {
      // 1,001 rows, each ended by its break, then the sentinel LF after the data.
      const bytes = new Uint8Array(Buffer.from(`${Array.from({ length: 1_001 }, (_, i) => `${i},${i * 2}${lineEnd}`).join('')}\n`));
      const size = bytes.length - 1;
      // Up to the final LF (its CR, if any, is followed by it and counts as nothing): the rows exactly.
      expect(rowBoundOf(bytes, 0, size - 1)).toBe(1_001);
      // With the final break in the range, one more: a row could follow it.
      expect(rowBoundOf(bytes, 0, size)).toBe(1_002);
    }
  });
});
