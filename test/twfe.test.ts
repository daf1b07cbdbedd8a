import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildStaggeredPanel } from '../stats/build-panel.js';
import { fitEventStudyTwfe, fitStaticTwfe } from '../stats/twfe.js';
import { readMpdta, referenceDataPath } from './support/reference-data.js';

interface TwfeReference {
  static: { coef: number; se: number };
  event_study: { e: number; coef: number; se: number }[];
  n: { units: number; observations: number };
}

const reference = JSON.parse(readFileSync(referenceDataPath('twfe-reference/mpdta-twfe.json'), 'utf8')) as TwfeReference;

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('TWFE against fixest 0.12.2 on mpdta', () => {
  const mpdta = readMpdta();
  const panel = buildStaggeredPanel({ unitId: mpdta.countyreal, time: mpdta.year, cohort: mpdta.firstTreat, outcome: mpdta.lemp });

  it('matches the static coefficient and its unit-clustered SE to 1e-6', () => {
    const fit = fitStaticTwfe(panel);
    expect(fit.observations).toBe(reference.n.observations);
    expect(fit.clusters).toBe(reference.n.units);
    expect(relativeError(fit.coefficients[0].estimate, reference.static.coef)).toBeLessThan(1e-6);
    expect(relativeError(fit.coefficients[0].stdError, reference.static.se)).toBeLessThan(1e-6);
  });

  it('matches every event-study coefficient and SE to 1e-6, omitting e = -1', () => {
    const fit = fitEventStudyTwfe(panel);
    expect(fit.coefficients.map((c) => c.eventTime)).toEqual(reference.event_study.map((row) => row.e));
    for (const [k, row] of reference.event_study.entries()) {
      expect(relativeError(fit.coefficients[k].estimate, row.coef)).toBeLessThan(1e-6);
      expect(relativeError(fit.coefficients[k].stdError, row.se)).toBeLessThan(1e-6);
    }
  });
});
