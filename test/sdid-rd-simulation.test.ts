import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../stats/random.js';
import { estimateRd, RD_DEFAULTS } from '../stats/rd/estimate.js';
import { RdInputError } from '../stats/rd/prepare.js';
import { blockPanelFromColumns, SdidPanelError } from '../stats/sdid/block-panel.js';
import { fitEstimator, type BlockPanel } from '../stats/sdid/estimate.js';
import { synthdidReport } from '../stats/sdid/report.js';
import { jackknifeStandardError, PlaceboDesignError, placeboStandardError } from '../stats/sdid/standard-errors.js';

const Z95 = 1.959963984540054;

/** A two-factor panel whose treated units load more on the factors, so plain DiD is biased and synthetic DiD is not. */
function factorPanel(random: SeededRandom, effect: number): BlockPanel {
  const units = 60;
  const treated = 5;
  const periods = 20;
  const prePeriods = 14;
  const outcomes = new Float64Array(units * periods);
  const factor = Array.from({ length: periods }, (_, t) => Math.sin(t / 3) + t / 4);
  for (let i = 0; i < units; i++) {
    const isTreated = i >= units - treated;
    const level = random.normal(0, 1);
    const loading = random.normal(isTreated ? 1.15 : 1, isTreated ? 0.3 : 0.4);
    for (let t = 0; t < periods; t++)
      outcomes[i * periods + t] = level + loading * factor[t] + random.normal(0, 0.3) + (isTreated && t >= prePeriods ? effect : 0);
  }
  return { outcomes, units, periods, controlUnits: units - treated, prePeriods };
}

describe('synthetic DiD on simulated panels with a known effect', () => {
  it('removes most of DiD\'s bias from differing factor loadings, and its jackknife 95% intervals cover it about 95% of the time', () => {
    const random = new SeededRandom(20261202);
    const replications = 200;
    let sum = 0;
    let covered = 0;
    let didBias = 0;
    for (let r = 0; r < replications; r++) {
      const panel = factorPanel(random, 2);
      const fit = fitEstimator(panel, 'synthdid');
      const se = jackknifeStandardError(panel, fit) as number;
      sum += fit.estimate;
      if (Math.abs(fit.estimate - 2) <= Z95 * se) covered++;
      didBias += fitEstimator(panel, 'did').estimate - 2;
    }
    const mean = sum / replications;
    console.log(`synthdid simulation: mean ${mean.toFixed(4)} (truth 2), coverage ${(covered / replications).toFixed(3)}, DiD mean bias ${(didBias / replications).toFixed(3)}`);
    expect(covered / replications).toBeGreaterThan(0.88);
    expect(covered / replications).toBeLessThan(0.995);
    // The treated units load more on the factors: plain DiD is off, which is why the design exists; synthetic
    // DiD removes most of that bias (its ridge penalty keeps a little, as in Arkhangelsky et al.'s simulations).
    expect(Math.abs(didBias / replications)).toBeGreaterThan(0.15);
    expect(Math.abs(mean - 2)).toBeLessThan(0.4 * Math.abs(didBias / replications));
    expect(Math.abs(mean - 2)).toBeLessThan(0.06);
  });

  it('gives the placebo SE reproducibly for a seed, and refuses it with no more controls than treated units', () => {
    const panel = factorPanel(new SeededRandom(5), 2);
    const fit = fitEstimator(panel, 'synthdid');
    const first = placeboStandardError(panel, fit, { draws: 50, seed: 9 });
    expect(placeboStandardError(panel, fit, { draws: 50, seed: 9 })).toBe(first);
    expect(placeboStandardError(panel, fit, { draws: 50, seed: 10 })).not.toBe(first);
    expect(first).toBeGreaterThan(0);
    const crowded: BlockPanel = { ...panel, controlUnits: 3, units: 6, outcomes: panel.outcomes.subarray(0, 6 * panel.periods) };
    expect(() => placeboStandardError(crowded, fitEstimator(crowded, 'synthdid'), { draws: 50, seed: 1 })).toThrow(PlaceboDesignError);
  });

  it('refuses staggered adoption and unbalanced panels, saying which unit and period', () => {
    const names = { unit: 'firm', time: 'year', outcome: 'sales', treated: 'awarded' };
    const staggered = {
      unitId: ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c'],
      time: Float64Array.of(1, 2, 3, 1, 2, 3, 1, 2, 3),
      outcome: Float64Array.of(1, 2, 3, 1, 2, 3, 1, 2, 3),
      treated: Float64Array.of(0, 0, 0, 0, 1, 1, 0, 0, 1),
    };
    expect(() => blockPanelFromColumns(staggered, names)).toThrow(/not simultaneous: unit c has awarded = 0 in 2/);
    const unbalanced = { ...staggered, unitId: staggered.unitId.slice(0, 8), time: staggered.time.subarray(0, 8), outcome: staggered.outcome.subarray(0, 8), treated: Float64Array.of(0, 0, 0, 0, 1, 1, 0, 1) };
    expect(() => blockPanelFromColumns(unbalanced, names)).toThrow(SdidPanelError);
    expect(() => blockPanelFromColumns(unbalanced, names)).toThrow(/unit c has no row for year = 3/);
  });

  it('puts the controls first in id order and reports weights by their labels', () => {
    const random = new SeededRandom(3);
    const ids = ['z', 'y', 'x', 'w', 'v', 'u'];
    const rows = ids.flatMap((id, u) => Array.from({ length: 6 }, (_, t) => ({ id, t: 2000 + t, y: u + t + random.normal(0, 0.1), d: id === 'z' && t >= 4 ? 1 : 0 })));
    const panel = blockPanelFromColumns(
      { unitId: rows.map((r) => r.id), time: Float64Array.from(rows, (r) => r.t), outcome: Float64Array.from(rows, (r) => r.y), treated: Float64Array.from(rows, (r) => r.d) },
      { unit: 'id', time: 't', outcome: 'y', treated: 'd' },
    );
    expect(panel.unitLabels).toEqual(['u', 'v', 'w', 'x', 'y', 'z']);
    const report = synthdidReport(panel);
    expect(Object.keys(report.synthdid.unit_weights)).toEqual(['u', 'v', 'w', 'x', 'y']);
    expect(Object.keys(report.synthdid.time_weights)).toEqual(['2000', '2001', '2002', '2003']);
    const total = Object.values(report.synthdid.unit_weights).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 12);
  });
});

describe('regression discontinuity on simulated review scores with a known effect', () => {
  /** Scores on a 0.5-point grid (so mass points, as real review scores), awarded at 60 and above. */
  function scores(random: SeededRandom, n: number, effect: number, fuzzy: boolean) {
    const score = new Float64Array(n);
    const outcome = new Float64Array(n);
    const treatment = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      score[i] = Math.round((40 + 40 * random.uniform()) * 2) / 2;
      const eligible = score[i] >= 60;
      const awarded = fuzzy ? (random.uniform() < (eligible ? 0.85 : 0.1) ? 1 : 0) : eligible ? 1 : 0;
      treatment[i] = awarded;
      const centred = score[i] - 60;
      outcome[i] = 100 + 0.8 * centred + 0.01 * centred * centred + effect * awarded + random.normal(0, 5);
    }
    return { score, outcome, treatment };
  }

  for (const fuzzy of [false, true]) {
    it(`${fuzzy ? 'fuzzy' : 'sharp'}: centred on the true effect, robust 95% intervals cover it about 95% of the time`, () => {
      const random = new SeededRandom(fuzzy ? 11 : 7);
      const replications = 200;
      let sum = 0;
      let covered = 0;
      for (let r = 0; r < replications; r++) {
        const data = scores(random, 2000, 6, fuzzy);
        const report = estimateRd(fuzzy ? data : { score: data.score, outcome: data.outcome }, { ...RD_DEFAULTS, cutoff: 60 });
        sum += report.robust.coef;
        if (report.robust.ci[0] <= 6 && 6 <= report.robust.ci[1]) covered++;
        expect(report.design.mass_points).toBe(true);
      }
      console.log(`rd simulation (${fuzzy ? 'fuzzy' : 'sharp'}): mean ${(sum / replications).toFixed(4)} (truth 6), robust coverage ${(covered / replications).toFixed(3)}`);
      expect(Math.abs(sum / replications - 6)).toBeLessThan(fuzzy ? 0.5 : 0.25);
      expect(covered / replications).toBeGreaterThan(0.88);
      expect(covered / replications).toBeLessThan(0.995);
    });
  }

  it('refuses a cut-off outside the scores and a treatment that never changes, saying why', () => {
    const data = scores(new SeededRandom(1), 200, 6, false);
    expect(() => estimateRd({ score: data.score, outcome: data.outcome }, { ...RD_DEFAULTS, cutoff: 90 })).toThrow(/must lie inside the range of the scores/);
    expect(() => estimateRd({ ...data, treatment: new Float64Array(200) }, { ...RD_DEFAULTS, cutoff: 60 })).toThrow(RdInputError);
  });

  it('drops a covariate that repeats another and rows with a missing value, and says so', () => {
    const data = scores(new SeededRandom(2), 1500, 6, false);
    const size = Float64Array.from(data.score, (s, i) => (i % 7) + s / 100);
    data.outcome[3] = Number.NaN;
    const report = estimateRd({ score: data.score, outcome: data.outcome, covariates: { size, twice_size: size.map((v) => 2 * v) } }, { ...RD_DEFAULTS, cutoff: 60 });
    expect(report.design.covariates).toEqual(['size']);
    expect(report.design.dropped_covariates).toEqual(['twice_size']);
    expect(report.design.dropped_rows).toBe(1);
  });
});
