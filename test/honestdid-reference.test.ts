import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventStudy } from '../stats/honest/event-study.js';
import { relativeMagnitudesInterval } from '../stats/honest/relative-magnitudes.js';
import { sensitivityAnalysis, type TargetSensitivity } from '../stats/honest/sensitivity.js';
import { referenceDataPath } from './support/reference-data.js';

/** The tolerance: 2.5 % of the interval's width, about one step of HonestDiD's default grid. */
const SHARE_OF_WIDTH = 0.025;

interface ReferenceBounds {
  lb: number;
  ub: number;
}
interface ReferenceTarget {
  l_vec: number[];
  original: { lb: number[][] | number; ub: number[][] | number };
  relative_magnitudes: (ReferenceBounds & { Mbar: number })[];
  smoothness: (ReferenceBounds & { M: number })[];
}
interface ReferenceFile {
  betahat: number[];
  sigma: number[][];
  num_pre_periods: number;
  num_post_periods: number;
  effect_at_0: ReferenceTarget;
  average_post: ReferenceTarget;
}

const scalar = (value: number[][] | number) => (typeof value === 'number' ? value : value[0][0]);
const folder = referenceDataPath('honestdid-reference');
const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
const gaps: Record<string, number> = { relative_magnitudes: 0, smoothness: 0 };

function expectWithinShareOfWidth(actual: number | null, expected: ReferenceBounds, value: number, label: string, family: string): void {
  const width = expected.ub - expected.lb;
  expect(actual, `${label}: no bound`).not.toBeNull();
  const gap = Math.abs((actual as number) - value) / width;
  gaps[family] = Math.max(gaps[family], gap);
  expect(gap, `${label}: ${actual} vs HonestDiD ${value} (width ${width})`).toBeLessThanOrEqual(SHARE_OF_WIDTH);
}

describe('Rambachan–Roth sensitivity matches R HonestDiD 0.2.6 within 2.5 % of each interval’s width', () => {
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const reference = JSON.parse(readFileSync(`${folder}/${file}`, 'utf8')) as ReferenceFile;
    const study = eventStudy(reference.betahat, reference.sigma, reference.num_pre_periods, reference.num_post_periods);
    const result = sensitivityAnalysis(study, {
      mbar: reference.effect_at_0.relative_magnitudes.map((row) => row.Mbar),
      m: reference.effect_at_0.smoothness.map((row) => row.M),
    });
    for (const key of ['effect_at_0', 'average_post'] as const) {
      const expected = reference[key];
      const actual: TargetSensitivity = result[key];
      it(`${file} ${key}: the target is HonestDiD's l_vec and the original interval equals constructOriginalCS`, () => {
        expect(actual.l_vec).toEqual(expected.l_vec);
        expect(actual.original.lb).toBeCloseTo(scalar(expected.original.lb), 12);
        expect(actual.original.ub).toBeCloseTo(scalar(expected.original.ub), 12);
      });
      it(`${file} ${key}: every Δ^RM C-LF bound`, () => {
        expected.relative_magnitudes.forEach((row, i) => {
          const mine = actual.relative_magnitudes[i];
          expect(mine.Mbar).toBe(row.Mbar);
          expectWithinShareOfWidth(mine.lb, row, row.lb, `${key} Mbar=${row.Mbar} lb`, 'relative_magnitudes');
          expectWithinShareOfWidth(mine.ub, row, row.ub, `${key} Mbar=${row.Mbar} ub`, 'relative_magnitudes');
        });
      });
      it(`${file} ${key}: every Δ^SD FLCI bound`, () => {
        expected.smoothness.forEach((row, i) => {
          const mine = actual.smoothness[i];
          expect(mine.M).toBe(row.M);
          expectWithinShareOfWidth(mine.lb, row, row.lb, `${key} M=${row.M} lb`, 'smoothness');
          expectWithinShareOfWidth(mine.ub, row, row.ub, `${key} M=${row.M} ub`, 'smoothness');
        });
      });
      it(`${file} ${key}: the breakdown values sit where the reported sets first include zero`, () => {
        const includesZero = (row: ReferenceBounds) => row.lb <= 0 && row.ub >= 0;
        const firstRm = expected.relative_magnitudes.find(includesZero);
        const lastRmExcluding = [...expected.relative_magnitudes].reverse().find((row) => !includesZero(row));
        const { Mbar, M } = actual.breakdown;
        if (firstRm) expect(Mbar).not.toBeNull();
        if (firstRm && Mbar !== null) expect(Mbar).toBeLessThanOrEqual(firstRm.Mbar + 1e-3);
        if (lastRmExcluding && Mbar !== null) expect(Mbar).toBeGreaterThanOrEqual(lastRmExcluding.Mbar);
        const firstSd = expected.smoothness.find(includesZero);
        const lastSdExcluding = [...expected.smoothness].reverse().find((row) => !includesZero(row));
        if (firstSd && M !== null) expect(M).toBeLessThanOrEqual(firstSd.M + 1e-4 * actual.se);
        if (lastSdExcluding && M !== null) expect(M).toBeGreaterThanOrEqual(lastSdExcluding.M);
      });
    }
  }
  it('reports the largest gaps seen', () => {
    console.log(`HonestDiD largest gap, share of width: relative magnitudes ${gaps.relative_magnitudes.toExponential(2)}, smoothness ${gaps.smoothness.toExponential(2)}`);
    expect(gaps.relative_magnitudes).toBeLessThanOrEqual(SHARE_OF_WIDTH);
  });
});

interface RelativeMagnitudeCase {
  study: string;
  pre: number;
  post: number;
  l_vec: number[];
  Mbar: number;
  lb: number;
  ub: number;
}

describe('Δ^RM C-LF sets equal HonestDiD on further event studies (fixtures/honestdid-0.2.6-relative-magnitudes.json)', () => {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/honestdid-0.2.6-relative-magnitudes.json', import.meta.url), 'utf8')) as {
    studies: Record<string, { betahat: number[]; sigma: number[][] }>;
    cases: RelativeMagnitudeCase[];
  };
  for (const c of fixture.cases) {
    it(`${c.study} (${c.pre} pre, ${c.post} post${c.post === 1 ? ': the no-nuisance test' : ''}), l = (${c.l_vec.map((v) => v.toFixed(2)).join(', ')}), M̄ = ${c.Mbar}: the same grid points`, () => {
      const { betahat, sigma } = fixture.studies[c.study];
      const interval = relativeMagnitudesInterval(eventStudy(betahat, sigma, c.pre, c.post), Float64Array.from(c.l_vec), c.Mbar);
      const width = c.ub - c.lb;
      // Both ends are points of the same 1,000-point grid, so anything but rounding is a different grid point.
      expect(Math.abs((interval.lb as number) - c.lb) / width).toBeLessThan(1e-9);
      expect(Math.abs((interval.ub as number) - c.ub) / width).toBeLessThan(1e-9);
    });
  }
});
