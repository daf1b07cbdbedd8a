import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatSensitivitySummary } from '../cli/sensitivity-summary.js';
import { cholesky } from '../stats/linear-algebra.js';
import type { ThetaTest } from '../stats/honest/conditional-test.js';
import { eventStudy, targetEstimate, type EventStudy } from '../stats/honest/event-study.js';
import {
  HONESTDID_GRID,
  intervalInOwnRange,
  intervalOnGrid,
  leastFavourableSpan,
  relativeMagnitudesAccept,
  relativeMagnitudesInterval,
  relativeMagnitudeTests,
  thetaGrid,
} from '../stats/honest/relative-magnitudes.js';
import { awardYearTarget, DEFAULT_MBAR, postAverageTarget, sensitivityAnalysis } from '../stats/honest/sensitivity.js';
import { SeededRandom } from '../stats/random.js';
import { referenceDataPath } from './support/reference-data.js';

/**
 * HonestDiD 0.2.6 tests θ on ±20 standard errors around zero, so the relative-magnitudes set of a large,
 * precise effect is cut off (its GitHub issues #52 and #62). ebpm searches each set inside the span of its
 * least-favourable intervals instead. These tests check the wider intervals by inverting the test directly
 * at points beyond the old grid, on mpdta's covariance scaled as Green Innovation's CO₂ outcome (estimate
 * about 5.2, standard error of e = 0 about 0.25, so the estimate is 21 SE from zero) and more precise still.
 */
const reference = JSON.parse(readFileSync(referenceDataPath('honestdid-reference/mpdta-never.json'), 'utf8')) as { betahat: number[]; sigma: number[][] };
const PRE = 3;
const POST = 4;
const varianceScale = (0.245 / Math.sqrt(reference.sigma[PRE][PRE])) ** 2;
const largeEffect = reference.betahat.map((value, i) => (i < PRE ? value : value + 5.25 - (i - PRE) * 0.1));
const scaled = (factor: number) => reference.sigma.map((row) => row.map((value) => value * factor));
const cases: Record<string, EventStudy> = {
  'Green-Innovation-like (e = 0 at 21 SE)': eventStudy(largeEffect, scaled(varianceScale), PRE, POST),
  'very precise (e = 0 at 135 SE)': eventStudy(largeEffect, scaled(varianceScale / 40), PRE, POST),
};
const targets = { effect_at_0: awardYearTarget(POST), average_post: postAverageTarget(POST) };

function latticeStep(study: EventStudy, target: Float64Array): number {
  return (2 * HONESTDID_GRID.halfWidthInSe * targetEstimate(study, target).se) / (HONESTDID_GRID.points - 1);
}

describe('Δ^RM sets of a large, precise effect are searched past HonestDiD’s grid and checked by inverting the test directly', () => {
  for (const [name, study] of Object.entries(cases))
    for (const [targetName, target] of Object.entries(targets)) {
      const { estimate, se } = targetEstimate(study, target);
      const oldGridEnd = HONESTDID_GRID.halfWidthInSe * se;
      const step = latticeStep(study, target);
      it(`${name}, ${targetName}: HonestDiD's grid truncates or loses the M̄ = 0 set, and ebpm's contains the estimate`, () => {
        expect(estimate).toBeGreaterThan(oldGridEnd * 0.55);
        const onOldGrid = intervalOnGrid(relativeMagnitudeTests(study, target, 0), thetaGrid(study, target));
        const interval = relativeMagnitudesInterval(study, target, 0);
        expect(interval.emptyReason).toBeNull();
        expect(interval.lowerOpen || interval.upperOpen).toBe(false);
        expect(interval.lb as number).toBeLessThanOrEqual(estimate);
        expect(interval.ub as number).toBeGreaterThanOrEqual(estimate);
        if (estimate > oldGridEnd) {
          // The case: HonestDiD's set ends at its grid's end (open) or is empty.
          expect(onOldGrid.upperOpen || onOldGrid.emptyReason !== null).toBe(true);
          expect(interval.ub as number).toBeGreaterThan(oldGridEnd);
        }
      });

      for (const mbar of DEFAULT_MBAR)
        it(`${name}, ${targetName}, M̄ = ${mbar}: the reported ends are accepted, their outer neighbours and every point beyond up to the least-favourable span are rejected`, () => {
          const interval = relativeMagnitudesInterval(study, target, mbar);
          expect(interval.emptyReason).toBeNull();
          expect(interval.lowerOpen).toBe(false);
          expect(interval.upperOpen).toBe(false);
          const lb = interval.lb as number;
          const ub = interval.ub as number;
          const accepts = (theta: number) => relativeMagnitudesAccept(study, target, mbar, theta);
          expect(accepts(lb), `lb ${lb}`).toBe(true);
          expect(accepts(ub), `ub ${ub}`).toBe(true);
          // Just inside: a small fraction of a grid step in from each end.
          expect(accepts(lb + step / 4)).toBe(true);
          expect(accepts(ub - step / 4)).toBe(true);
          // Just outside, and on to the end of the least-favourable span (and past it), beyond the old grid.
          const span = leastFavourableSpan(relativeMagnitudeTests(study, target, mbar));
          expect(span).not.toBeNull();
          const { lower, upper } = span as { lower: number; upper: number };
          expect(Number.isFinite(lower) && Number.isFinite(upper)).toBe(true);
          for (let k = 1; k <= 40; k++) {
            const above = ub + step + ((upper + 2 * step - ub - step) * (k - 1)) / 39;
            const below = lb - step - ((lb - step - (lower - 2 * step)) * (k - 1)) / 39;
            expect(accepts(above), `${above} above ub ${ub}`).toBe(false);
            expect(accepts(below), `${below} below lb ${lb}`).toBe(false);
          }
          expect(accepts(ub + 100 * se)).toBe(false);
          expect(accepts(lb - 100 * se)).toBe(false);
        });
    }

  it('the least-favourable span is exact: the first-stage statistic equals its critical value at each finite end, and rejects just beyond (with nuisance, and with one post-award period without)', () => {
    const study = cases['Green-Innovation-like (e = 0 at 21 SE)'];
    const onePost = eventStudy(largeEffect.slice(0, PRE + 1), scaled(varianceScale).slice(0, PRE + 1).map((row) => row.slice(0, PRE + 1)), PRE, 1);
    const checks = [...Object.values(targets).map((target) => [study, target] as const), [onePost, awardYearTarget(1)] as const];
    for (const [study, target] of checks) {
      let endsChecked = 0;
      for (const test of relativeMagnitudeTests(study, target, 1)) {
        const range = test.leastFavourableRange();
        if (!range) continue;
        const critical = test.leastFavourableCriticalValue;
        const h = 1e-6 * targetEstimate(study, target).se;
        for (const [end, outward] of [[range.lower, -1], [range.upper, 1]] as const) {
          if (!Number.isFinite(end)) continue;
          expect(test.firstStageStatistic(end)).toBeCloseTo(critical, 6);
          expect(test.firstStageStatistic(end + outward * h)).toBeGreaterThan(critical);
          expect(test.firstStageStatistic(end - outward * h)).toBeLessThanOrEqual(critical + 1e-9);
          endsChecked++;
        }
      }
      expect(endsChecked, `${study.postPeriods} post-award periods`).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('where HonestDiD’s grid holds the whole set, the search changes nothing', () => {
  it('mpdta: the same grid points as HonestDiD’s procedure for every M̄ and both targets', () => {
    const study = eventStudy(reference.betahat, reference.sigma, PRE, POST);
    for (const target of Object.values(targets))
      for (const mbar of DEFAULT_MBAR) {
        const tests = relativeMagnitudeTests(study, target, mbar);
        const honest = intervalOnGrid(tests, thetaGrid(study, target));
        expect(honest.lowerOpen || honest.upperOpen).toBe(false);
        const own = intervalInOwnRange(tests, study, target);
        expect(own.lb).toBe(honest.lb);
        expect(own.ub).toBe(honest.ub);
      }
  });

  it('a span scanned coarsely and refined finds the same lattice points as the full scan', () => {
    const study = cases['very precise (e = 0 at 135 SE)'];
    for (const target of Object.values(targets)) {
      const tests = relativeMagnitudeTests(study, target, 2);
      const full = intervalInOwnRange(tests, study, target);
      const coarse = intervalInOwnRange(tests, study, target, { ...HONESTDID_GRID, maxScanPoints: 25 });
      expect(coarse.lb).toBeCloseTo(full.lb as number, 12);
      expect(coarse.ub).toBeCloseTo(full.ub as number, 12);
    }
  });
});

/** A test of θ that accepts exactly [from, to] (either may be infinite): the search's own logic, with no statistics in the way. */
function acceptingBetween(from: number, to: number, firstStage: 'bounded' | 'rejects_all' = 'bounded'): ThetaTest {
  const distance = (theta: number) => Math.max(from - theta, theta - to, 0);
  return {
    rejects: (theta) => distance(theta) > 0,
    firstStageStatistic: (theta) => (firstStage === 'rejects_all' ? 10 : distance(theta)),
    leastFavourableCriticalValue: 0,
    leastFavourableRange: () => (firstStage === 'rejects_all' ? null : { lower: from, upper: to }),
  };
}

describe('an open or empty set is reported as such, never as bounds', () => {
  const study = eventStudy(reference.betahat, reference.sigma, PRE, POST);
  const target = postAverageTarget(POST);
  const { estimate, se } = targetEstimate(study, target);

  it('a set unbounded above is open above at the search limit, with a real lower bound', () => {
    const interval = intervalInOwnRange([acceptingBetween(estimate, Infinity)], study, target);
    expect(interval.upperOpen).toBe(true);
    expect(interval.lowerOpen).toBe(false);
    expect(interval.lb as number).toBeGreaterThanOrEqual(estimate);
    expect(interval.lb as number).toBeLessThan(estimate + latticeStep(study, target) * 1.0001);
    expect(interval.ub as number).toBeGreaterThanOrEqual(estimate + HONESTDID_GRID.searchLimitInSe * se);
  });

  it('a set unbounded on both sides is open on both', () => {
    const interval = intervalInOwnRange([acceptingBetween(-Infinity, Infinity)], study, target);
    expect([interval.lowerOpen, interval.upperOpen, interval.emptyReason]).toEqual([true, true, null]);
  });

  it('says why a set is empty: rejected outright by the first stage, or by the conditional test everywhere', () => {
    expect(intervalInOwnRange([acceptingBetween(0, 1, 'rejects_all')], study, target)).toEqual({ lb: null, ub: null, lowerOpen: false, upperOpen: false, emptyReason: 'rejected_outright' });
    const rejectsInside: ThetaTest = { ...acceptingBetween(estimate - se, estimate + se), rejects: () => true };
    expect(intervalInOwnRange([rejectsInside], study, target).emptyReason).toBe('rejected_everywhere');
  });

  it('the terminal summary prints an open end as open, not as a number', () => {
    const result = sensitivityAnalysis(cases['Green-Innovation-like (e = 0 at 21 SE)'], { mbar: [0], m: [0] });
    const forged = {
      ...result,
      average_post: { ...result.average_post, relative_magnitudes: [{ ...result.average_post.relative_magnitudes[0], upper_open: true, ub: 123.456 }] },
    };
    const text = formatSensitivitySummary(forged);
    expect(text).toContain('open above: still in the set at 123.4560, where the search stopped');
    expect(text).toMatch(/\n\s*0\s+\S+\s+open\s/);
  });
});

describe('simulation: robust sets of a large effect cover it, where HonestDiD’s grid would not', () => {
  it('Δ^RM(1) with the pre-award trend carried on after the award: the set covers an effect 40 SE from zero about 95 % of the time; the old grid never, the ordinary interval rarely', () => {
    const sigma = scaled(varianceScale);
    const size = PRE + POST;
    const lower = cholesky(Float64Array.from(sigma.flat()), size);
    const target = postAverageTarget(POST);
    const seTarget = targetEstimate(eventStudy(largeEffect, sigma, PRE, POST), target).se;
    const tau = 40 * seTarget;
    // Changes of 0.5 a year before the award carried on after it: every post-award change equals the largest pre-award one (M̄ = 1 binds).
    const delta = [-1.5, -1, -0.5, 0.5, 1, 1.5, 2];
    const random = new SeededRandom(7);
    const samples = 60;
    let covered = 0;
    let coveredOnOldGrid = 0;
    let coveredByOrdinary = 0;
    for (let s = 0; s < samples; s++) {
      const z = Array.from({ length: size }, () => random.normal());
      const betahat = delta.map((value, i) => {
        let noise = 0;
        for (let k = 0; k <= i; k++) noise += lower[i * size + k] * z[k];
        return value + (i >= PRE ? tau : 0) + noise;
      });
      const study = eventStudy(betahat, sigma, PRE, POST);
      const interval = relativeMagnitudesInterval(study, target, 1);
      if (interval.lb !== null && interval.ub !== null && !interval.lowerOpen && !interval.upperOpen && interval.lb <= tau && tau <= interval.ub) covered++;
      const old = intervalOnGrid(relativeMagnitudeTests(study, target, 1), thetaGrid(study, target));
      if (old.lb !== null && old.ub !== null && !old.upperOpen && old.lb <= tau && tau <= old.ub) coveredOnOldGrid++;
      const { estimate, se } = targetEstimate(study, target);
      if (Math.abs(estimate - tau) <= 1.959963984540054 * se) coveredByOrdinary++;
    }
    expect(covered / samples).toBeGreaterThanOrEqual(0.9);
    expect(coveredOnOldGrid).toBe(0);
    expect(coveredByOrdinary / samples).toBeLessThan(covered / samples - 0.2);
  });
});
