import { describe, expect, it } from 'vitest';
import { DidInputError, type LongDidColumns } from '../stats/did/balanced-panel.js';
import { estimateStaggeredDid, type StaggeredDidOptions } from '../stats/did/estimate.js';
import { SeededRandom } from '../stats/random.js';
import { fitStaticTwfe } from '../stats/twfe.js';
import { buildStaggeredPanel } from '../stats/build-panel.js';
import { readMpdta } from './support/reference-data.js';

const mpdta = readMpdta();
const mpdtaColumns: LongDidColumns = { unitId: mpdta.countyreal, time: mpdta.year, group: mpdta.firstTreat, outcome: mpdta.lemp, covariates: {} };
const base: StaggeredDidOptions = { control: 'never', method: 'dr', anticipation: 0, basePeriod: 'varying' };

function meanChange(unitsOf: (group: number) => boolean, post: number, pre: number): number {
  const byUnit = new Map<number, { group: number; y: Map<number, number> }>();
  mpdta.countyreal.forEach((id, i) => {
    const unit = byUnit.get(id) ?? { group: mpdta.firstTreat[i], y: new Map() };
    unit.y.set(mpdta.year[i], mpdta.lemp[i]);
    byUnit.set(id, unit);
  });
  let sum = 0;
  let count = 0;
  for (const unit of byUnit.values()) {
    if (!unitsOf(unit.group)) continue;
    sum += (unit.y.get(post) as number) - (unit.y.get(pre) as number);
    count++;
  }
  return sum / count;
}

describe('group-time effects without covariates', () => {
  it('gives the same ATT(g,t) and SEs with dr, ipw and reg, which all reduce to a difference in means', () => {
    for (const control of ['never', 'notyet'] as const) {
      const reports = (['dr', 'ipw', 'reg'] as const).map((method) => estimateStaggeredDid(mpdtaColumns, { ...base, control, method }).report);
      for (const report of reports.slice(1)) {
        report.attgt.forEach((cell, i) => {
          expect(cell.att).toBeCloseTo(reports[0].attgt[i].att as number, 12);
          expect(cell.se).toBeCloseTo(reports[0].attgt[i].se as number, 12);
        });
      }
    }
  });

  it('computes universal-base cells with anticipation as differences of mean changes against not-yet-treated units', () => {
    const { report } = estimateStaggeredDid(mpdtaColumns, { ...base, control: 'notyet', basePeriod: 'universal', anticipation: 1 });
    // With anticipation 1, cohort 2006's base period is 2004 (the last period before 2006 − 1).
    const cell = report.attgt.find((c) => c.group === 2006 && c.time === 2006);
    const comparison = (g: number) => g === 0 || (g > 2006 + 1 && g !== 2006);
    expect(cell?.att).toBeCloseTo(meanChange((g) => g === 2006, 2006, 2004) - meanChange(comparison, 2006, 2004), 12);
    const reference = report.attgt.find((c) => c.group === 2006 && c.time === 2004);
    expect(reference).toEqual({ group: 2006, time: 2004, att: 0, se: null });
    // Units first treated in 2004 count as treated in the first period once anticipation is 1.
    expect(report.n.units).toBe(500 - 20);
    expect(report.dropped).toEqual([expect.objectContaining({ reason: 'treated_in_first_period', count: 20 })]);
  });
});

describe('cohort-affine influence functions', () => {
  it('give the same SEs, aggregations, pre-test and bootstrap as per-unit influence functions', () => {
    for (const options of [base, { ...base, control: 'notyet' as const, basePeriod: 'universal' as const, anticipation: 1 }]) {
      const withBootstrap = { ...options, bootstrap: { draws: 300, seed: 5, alpha: 0.05 } };
      const affine = estimateStaggeredDid(mpdtaColumns, withBootstrap).report;
      const dense = estimateStaggeredDid(mpdtaColumns, { ...withBootstrap, influenceRepresentation: 'per-unit' }).report;
      const flatten = (value: unknown): number[] =>
        typeof value === 'number' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(flatten) : [];
      const compare = (ours: unknown, theirs: unknown, tolerance: number) => {
        const a = flatten(ours);
        const d = flatten(theirs);
        expect(a.length).toBe(d.length);
        a.forEach((value, i) => expect(Math.abs(value - d[i])).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(d[i]))));
      };
      compare({ attgt: affine.attgt, aggregations: affine.aggregations, pretest: affine.pretest }, { attgt: dense.attgt, aggregations: dense.aggregations, pretest: dense.pretest }, 1e-9);
      // The bootstrap's quantiles pass rounding differences of V̂ through its matrix square root.
      compare(affine.bootstrap, dense.bootstrap, 1e-6);
    }
  });
});

describe('the universal-base estimate made alongside a varying one (alsoUniversal)', () => {
  it('equals a separate universal estimate cell for cell and leaves the varying estimate as it was, with and without covariates', () => {
    const covariateSets: Record<string, number[]>[] = [{}, { lpop: mpdta.lpop }];
    for (const covariates of covariateSets) {
      for (const control of ['never', 'notyet'] as const) {
        const columns = { ...mpdtaColumns, covariates };
        const options = { ...base, control };
        const both = estimateStaggeredDid(columns, { ...options, alsoUniversal: true });
        const separate = estimateStaggeredDid(columns, { ...options, basePeriod: 'universal' });
        expect(both.report).toEqual(estimateStaggeredDid(columns, options).report);
        const universal = both.universal!;
        expect(universal.groupTime.cells.map((c) => [c.group, c.time, c.basePeriod])).toEqual(separate.groupTime.cells.map((c) => [c.group, c.time, c.basePeriod]));
        universal.aggregations.dynamic.by.forEach((entry, i) => {
          const other = separate.aggregations.dynamic.by[i];
          expect(entry.e).toBe(other.e);
          expect(entry.att).toBeCloseTo(other.att, 12);
          if (other.se !== null) expect(entry.se).toBeCloseTo(other.se, 12);
          // Covariances between event times, from the shared algebra, equal the separate estimate's.
          const next = universal.aggregations.dynamic.by[(i + 1) % universal.aggregations.dynamic.by.length];
          const otherNext = separate.aggregations.dynamic.by[(i + 1) % separate.aggregations.dynamic.by.length];
          expect(universal.groupTime.algebra.inner(entry.influence, next.influence)).toBeCloseTo(separate.groupTime.algebra.inner(other.influence, otherNext.influence), 9);
        });
      }
    }
  });
});

describe('multiplier bootstrap', () => {
  it('gives standard errors within 5% of the analytic ones and a uniform band wider than pointwise', () => {
    const { report } = estimateStaggeredDid(mpdtaColumns, { ...base, bootstrap: { draws: 10_000, seed: 42, alpha: 0.05 } });
    const bootstrap = report.bootstrap;
    if (!bootstrap) throw new Error('no bootstrap report');
    bootstrap.attgt.cells.forEach((cell, i) => {
      expect(Math.abs((cell.se as number) / (report.attgt[i].se as number) - 1)).toBeLessThan(0.05);
    });
    bootstrap.dynamic.by.forEach((entry, i) => {
      expect(Math.abs((entry.se as number) / (report.aggregations.dynamic.by[i].se as number) - 1)).toBeLessThan(0.05);
    });
    expect(Math.abs((bootstrap.simple.se as number) / (report.aggregations.simple.se as number) - 1)).toBeLessThan(0.05);
    expect(bootstrap.dynamic.criticalValue).toBeGreaterThan(1.96);
    expect(bootstrap.dynamic.criticalValue).toBeLessThan(3.5);
  });

  it('is reproducible for a seed', () => {
    const options = { ...base, bootstrap: { draws: 500, seed: 7, alpha: 0.05 } };
    expect(estimateStaggeredDid(mpdtaColumns, options).report.bootstrap).toEqual(estimateStaggeredDid(mpdtaColumns, options).report.bootstrap);
  });
});

/** Staggered adoption with effects that grow with time since treatment: where TWFE is biased and CS is not. */
function simulate(random: SeededRandom, unitsPerCohort: number) {
  const cohorts = [0, 2003, 2005];
  const unitId: number[] = [];
  const time: number[] = [];
  const group: number[] = [];
  const outcome: number[] = [];
  const yearEffect = new Map([2001, 2002, 2003, 2004, 2005, 2006].map((year) => [year, random.normal(0, 1)]));
  let id = 0;
  for (const cohort of cohorts) {
    for (let u = 0; u < unitsPerCohort; u++, id++) {
      const level = random.normal(cohort === 0 ? 0 : 0.5, 1);
      for (const [year, shock] of yearEffect) {
        const effect = cohort !== 0 && year >= cohort ? 1 + 0.5 * (year - cohort) : 0;
        unitId.push(id);
        time.push(year);
        group.push(cohort);
        outcome.push(level + shock + effect + random.normal(0, 1));
      }
    }
  }
  return { unitId, time, group, outcome, covariates: {} };
}
const TRUE_SIMPLE_ATT = (1 + 1.5 + 2 + 2.5 + 1 + 1.5) / 6;
const TRUE_DYNAMIC_ATT = (1 + 1.5 + 2 + 2.5) / 4;

describe('staggered DiD on simulated panels with a known, growing effect', () => {
  it('covers the true simple and dynamic ATT in about 95% of 200 replications', () => {
    const random = new SeededRandom(99);
    let simpleCovered = 0;
    let dynamicCovered = 0;
    const replications = 200;
    for (let r = 0; r < replications; r++) {
      const { report } = estimateStaggeredDid(simulate(random, 100), base);
      const covers = (estimate: { att: number; se: number | null }, truth: number) => Math.abs(estimate.att - truth) <= 1.959963984540054 * (estimate.se as number);
      if (covers(report.aggregations.simple, TRUE_SIMPLE_ATT)) simpleCovered++;
      if (covers(report.aggregations.dynamic, TRUE_DYNAMIC_ATT)) dynamicCovered++;
    }
    // Binomial sd of a 95% coverage share over 200 draws is 0.0154; ±3 sd.
    for (const covered of [simpleCovered, dynamicCovered]) {
      expect(covered / replications).toBeGreaterThan(0.9);
      expect(covered / replications).toBeLessThan(0.995);
    }
  });

  it('recovers the effect where static TWFE is biased by the growing effects', () => {
    const data = simulate(new SeededRandom(5), 3000);
    const { report } = estimateStaggeredDid(data, base);
    expect(Math.abs(report.aggregations.simple.att - TRUE_SIMPLE_ATT)).toBeLessThan(3 * (report.aggregations.simple.se as number));
    const twfe = fitStaticTwfe(buildStaggeredPanel({ unitId: data.unitId, time: data.time, cohort: data.group, outcome: data.outcome })).coefficients[0];
    expect(Math.abs(twfe.estimate - TRUE_SIMPLE_ATT)).toBeGreaterThan(5 * twfe.stdError);
  });
});

describe('bad input gets an error that names the problem', () => {
  it('rejects a unit with two groups', () => {
    const group = [...mpdta.firstTreat];
    group[1] = 2006;
    expect(() => estimateStaggeredDid({ ...mpdtaColumns, group }, base)).toThrow(/unit 8001 has two different groups \(2007 and 2006\)/);
  });

  it('rejects --control never without never-treated units and suggests notyet', () => {
    const group = mpdta.firstTreat.map((g) => (g === 0 ? 2007 : g));
    expect(() => estimateStaggeredDid({ ...mpdtaColumns, group }, base)).toThrow(DidInputError);
    expect(() => estimateStaggeredDid({ ...mpdtaColumns, group }, base)).toThrow(/use --control notyet/);
    const { report } = estimateStaggeredDid({ ...mpdtaColumns, group }, { ...base, control: 'notyet' });
    expect(report.n.periods).toBe(4);
    expect(report.attgt.every((cell) => cell.group < 2007 && cell.time < 2007)).toBe(true);
  });

  it('rejects a covariate that is constant, naming it', () => {
    const constant = mpdta.lpop.map(() => 3);
    expect(() => estimateStaggeredDid({ ...mpdtaColumns, covariates: { flat: constant } }, base)).toThrow(/flat/);
  });

  it('balances an unbalanced panel and reports the units it dropped', () => {
    const keep = mpdta.countyreal.map((id, i) => !(id === 8001 && mpdta.year[i] === 2005));
    const pick = <T>(values: readonly T[]) => values.filter((_, i) => keep[i]);
    const { report } = estimateStaggeredDid(
      { unitId: pick(mpdta.countyreal), time: pick(mpdta.year), group: pick(mpdta.firstTreat), outcome: pick(mpdta.lemp), covariates: {} },
      base,
    );
    expect(report.n.units).toBe(499);
    expect(report.dropped).toEqual([{ reason: 'not_observed_every_period', count: 1, examples: [8001] }]);
  });
});
