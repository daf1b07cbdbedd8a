import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { RRandomStream } from '../stats/honest/r-random.js';
import { densityTest, DensityTestError, type DensityTestOptions } from '../stats/rd/density-test.js';
import type { RdKernel } from '../stats/rd/kernel.js';
import { referenceDataPath } from './support/reference-data.js';

/** rddensity 3.0's R sources on review scores (with and without the mass-point adjustment) and on seeded draws (fixtures/README.md). */
interface ReferenceCase {
  case: string;
  data: string;
  options: { cutoff: number; p?: number; kernel?: RdKernel; massPoints?: boolean };
  t_jackknife: number;
  p_jackknife: number;
  h_left: number;
  h_right: number;
  f_left: number;
  f_right: number;
  se_left: number;
  se_right: number;
  n_left: number;
  n_right: number;
  effective_left: number;
  effective_right: number;
}

const TOLERANCE = 1e-6;
let largest = 0;
const cases = readFileSync(new URL('./fixtures/rddensity-3.0-grid.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as ReferenceCase);
const reviewScores = (parse(readFileSync(referenceDataPath('rd-scores.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).map((row) => Number(row.review_score));

/** The draws of the fixture's seeded cases, from R's own stream. */
function dataOf(description: string): number[] {
  if (description === 'review_score') return reviewScores;
  if (description === 'set.seed(7); rnorm(3000, 50, 10)') {
    const stream = new RRandomStream(7);
    return Array.from({ length: 3000 }, () => 50 + 10 * stream.normal());
  }
  if (description === 'set.seed(8); c(rnorm(2500, 50, 10), 52 + abs(rnorm(300, 0, 1)))') {
    const stream = new RRandomStream(8);
    return [...Array.from({ length: 2500 }, () => 50 + 10 * stream.normal()), ...Array.from({ length: 300 }, () => 52 + Math.abs(stream.normal()))];
  }
  throw new Error(`unknown data ${description}`);
}

function expectClose(actual: number | null, expected: number, label: string): void {
  const error = Math.abs((actual as number) - expected) / Math.max(Math.abs(expected), 1e-300);
  largest = Math.max(largest, error);
  expect(error, `${label}: ${actual} vs rddensity ${expected}`).toBeLessThanOrEqual(TOLERANCE);
}

describe('the manipulation test of the score density matches R rddensity 3.0 to 1e-6', () => {
  for (const reference of cases) {
    it(`${reference.case}: statistic, p-value, bandwidths, densities, SEs and counts`, () => {
      const options: DensityTestOptions = { cutoff: reference.options.cutoff, p: reference.options.p, kernel: reference.options.kernel, massPoints: reference.options.massPoints };
      const result = densityTest(dataOf(reference.data), options);
      expectClose(result.test.t_jackknife, reference.t_jackknife, 't');
      expectClose(result.test.p_jackknife, reference.p_jackknife, 'p');
      expectClose(result.bandwidth.left, reference.h_left, 'h left');
      expectClose(result.bandwidth.right, reference.h_right, 'h right');
      expectClose(result.density.left, reference.f_left, 'f left');
      expectClose(result.density.right, reference.f_right, 'f right');
      expectClose(result.se.left, reference.se_left, 'se left');
      expectClose(result.se.right, reference.se_right, 'se right');
      expect(result.n).toEqual({ left: reference.n_left, right: reference.n_right, effective_left: reference.effective_left, effective_right: reference.effective_right });
    });
  }

  it('rejects no manipulation in the review scores and finds the bunching added above the cut-off', () => {
    expect(densityTest(reviewScores, { cutoff: 60 }).test.p_jackknife).toBeGreaterThan(0.1);
    expect(densityTest(dataOf('set.seed(8); c(rnorm(2500, 50, 10), 52 + abs(rnorm(300, 0, 1)))'), { cutoff: 52 }).test.p_jackknife).toBeLessThan(1e-6);
    console.log(`rddensity largest relative error: ${largest.toExponential(2)}`);
  });

  it('says what is wrong with a cut-off outside the scores', () => {
    expect(() => densityTest(reviewScores, { cutoff: 1000 })).toThrow(DensityTestError);
    expect(() => densityTest(reviewScores, { cutoff: 1000 })).toThrow(/strictly inside the scores' range/);
  });
});
