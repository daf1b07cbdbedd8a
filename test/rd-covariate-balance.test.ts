import { describe, expect, it } from 'vitest';
import { covariateBalance, type BalanceSettings } from '../analysis/rd-covariate-balance.js';
import { SeededRandom } from '../stats/random.js';

const SETTINGS: BalanceSettings = { kernel: 'triangular', polynomialOrder: 1, bandwidthSelector: 'mserd', confidenceLevel: 0.95 };

/** Scores around a cut-off at 0, a characteristic rising smoothly with the score, and the same plus a jump of `jump` at the cut-off. */
function draw(random: SeededRandom, units: number, jump: number) {
  const score = Float64Array.from({ length: units }, () => random.uniform() * 40 - 20);
  const smooth = score.map((x) => 50 + 0.8 * x + 0.01 * x * x + random.normal(0, 3));
  const jumped = smooth.map((value, i) => value + (score[i] >= 0 ? jump : 0));
  return { score, smooth, jumped };
}

describe('covariate balance at a regression-discontinuity cut-off', () => {
  it('finds no jump at 5 % in a balanced characteristic about 95 % of the time, and finds a planted jump', () => {
    const random = new SeededRandom(20261203);
    const replications = 60;
    let falseAlarms = 0;
    let found = 0;
    let covered = 0;
    for (let r = 0; r < replications; r++) {
      const { score, smooth, jumped } = draw(random, 1500, 3);
      const [balanced, planted] = covariateBalance('sales', score, [
        { name: 'employees', kind: 'characteristic', values: smooth },
        { name: 'sales', kind: 'outcome_baseline', values: jumped },
      ], SETTINGS);
      expect(balanced).toMatchObject({ outcome: 'sales', covariate: 'employees', kind: 'characteristic', note: null });
      expect(planted).toMatchObject({ covariate: 'sales', kind: 'outcome_baseline' });
      if ((balanced.pValue as number) < 0.05) falseAlarms++;
      if ((planted.pValue as number) < 0.05) found++;
      if ((planted.ciLow as number) <= 3 && 3 <= (planted.ciHigh as number)) covered++;
      expect((balanced.effectiveLeft as number) + (balanced.effectiveRight as number)).toBeGreaterThan(0);
      expect(balanced.hLeft as number).toBeGreaterThan(0);
    }
    // At 5 %, 60 balanced draws give more than 9 false alarms less than once in 100; a jump of one SD of the noise is found nearly always.
    expect(falseAlarms).toBeLessThanOrEqual(9);
    expect(found).toBeGreaterThanOrEqual(54);
    // The robust interval covers the planted jump about 95 % of the time.
    expect(covered).toBeGreaterThanOrEqual(51);
  });

  it('estimates the planted jump close to its size on a large sample', () => {
    const { score, jumped } = draw(new SeededRandom(7), 20_000, 3);
    const [row] = covariateBalance('sales', score, [{ name: 'sales', kind: 'outcome_baseline', values: jumped }], SETTINGS);
    expect(row.ciLow as number).toBeLessThan(3);
    expect(row.ciHigh as number).toBeGreaterThan(3);
    expect(Math.abs((row.estimate as number) - 3)).toBeLessThan(0.6);
  });

  it('says why a characteristic that never varies has no estimate, and leaves out units without a value', () => {
    const { score, smooth } = draw(new SeededRandom(3), 600, 0);
    const constant = new Float64Array(score.length).fill(10);
    const withGaps = smooth.map((value, i) => (i % 5 === 0 ? Number.NaN : value));
    const [flat, gappy] = covariateBalance('sales', score, [
      { name: 'founded', kind: 'characteristic', values: constant },
      { name: 'employees', kind: 'characteristic', values: withGaps },
    ], SETTINGS);
    expect(flat.estimate).toBeNull();
    expect(flat.note).toMatch(/founded takes one value/);
    expect(gappy.estimate).not.toBeNull();
    expect((gappy.effectiveLeft as number) + (gappy.effectiveRight as number)).toBeLessThanOrEqual(480);
  });
});
