import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../stats/random.js';
import { distinctValues } from '../stats/distinct-values.js';

/** What distinctValues replaced: a Set of the values, sorted as a typed array, and a Map to each value's place. */
function bySetAndMap(column: ArrayLike<number>): { sorted: number[]; positionOf: number[] } {
  const sorted = Float64Array.from(new Set(Array.from(column))).sort();
  const place = new Map<number, number>();
  sorted.forEach((value, index) => place.set(value, index));
  return { sorted: Array.from(sorted), positionOf: Array.from(column, (value) => place.get(value) as number) };
}

function asPlain(result: { sorted: ArrayLike<number>; positionOf: ArrayLike<number> }) {
  return { sorted: Array.from(result.sorted), positionOf: Array.from(result.positionOf) };
}

describe('distinct values of a column', () => {
  it('gives the sorted distinct values and each element’s place among them, as a Set and a Map would', () => {
    const random = new SeededRandom(11);
    // A few cohorts (the scan) and many (past the scan limit, a Map), in runs and scattered.
    for (const distinct of [1, 3, 12, 32, 33, 200]) {
      const column = Float64Array.from({ length: 5_000 }, (_, i) => (i % 7 === 0 ? 2004 + (i % distinct) : 2004 + Math.floor(random.uniform() * distinct)));
      expect(asPlain(distinctValues(column))).toEqual(bySetAndMap(column));
    }
  });

  it('holds NaN as one value, sorted last, and -0 as 0 whether it comes before 0 or after', () => {
    const column = [2007, Number.NaN, 0, -0, 2006, Number.NaN, 2007];
    const result = distinctValues(column);
    expect(Array.from(result.sorted)).toEqual([0, 2006, 2007, Number.NaN]);
    expect(Array.from(result.positionOf)).toEqual([2, 3, 0, 0, 1, 3, 2]);
    expect(asPlain(result)).toEqual(bySetAndMap(column));
    // vitest compares numbers with Object.is, so a -0 kept from the first element would fail here.
    const negativeZeroFirst = [-0, 0, 2007];
    expect(Array.from(distinctValues(negativeZeroFirst).sorted)).toEqual([0, 2007]);
    expect(asPlain(distinctValues(negativeZeroFirst))).toEqual(bySetAndMap(negativeZeroFirst));
  });

  it('gives nothing for an empty column', () => {
    expect(asPlain(distinctValues([]))).toEqual({ sorted: [], positionOf: [] });
  });
});
