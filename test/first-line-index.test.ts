import { describe, expect, it } from 'vitest';
import { FirstLineIndex } from '../ingest/validating/first-line-index.js';
import { SeededRandom } from '../stats/random.js';

describe('the first-line index behind duplicate detection', () => {
  it('answers as a Map would for 200,000 keys of 13-digit numbers, through many growths', () => {
    const random = new SeededRandom(7);
    const index = new FirstLineIndex(16);
    const reference = new Map<number, number>();
    for (let line = 2; line < 200_002; line++) {
      // Half the keys repeat an earlier one; all sit where corporate-number keys do (≈1e14–1e15).
      const key = random.uniform() < 0.5 && reference.size > 0 ? 100_000_000_000_000 + random.integerBetween(0, line) * 100 + 1 : 100_000_000_000_000 + line * 100 + 2;
      expect(index.firstLineOr(key, line)).toBe(reference.get(key));
      if (!reference.has(key)) reference.set(key, line);
    }
    expect(index.count).toBe(reference.size);
  });

  it('refuses a key that is not an exact non-negative integer', () => {
    expect(() => new FirstLineIndex().firstLineOr(2 ** 53 + 2, 1)).toThrow(RangeError);
    expect(() => new FirstLineIndex().firstLineOr(1.5, 1)).toThrow(RangeError);
  });
});
