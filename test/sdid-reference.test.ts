import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockPanelFromColumns, type LabelledBlockPanel } from '../stats/sdid/block-panel.js';
import { synthdidReport, type SdidReport } from '../stats/sdid/report.js';
import { referenceDataPath } from './support/reference-data.js';

const TOLERANCE = 1e-4;
let largestRelativeError = 0;
let largestWeightGap = 0;

function relativeError(actual: number, expected: number): number {
  const error = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  largestRelativeError = Math.max(largestRelativeError, error);
  return error;
}

/** California's Proposition 99 panel with `treatedStates` treated from `fromYear` on (the file's own treatment when absent). */
function prop99(treatment?: { states: readonly string[]; fromYear: number }): LabelledBlockPanel {
  const rows = readFileSync(referenceDataPath('california_prop99.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const state = rows.map((row) => row[0].replace(/"/g, ''));
  const year = Float64Array.from(rows, (row) => Number(row[1]));
  return blockPanelFromColumns(
    {
      unitId: state,
      time: year,
      outcome: Float64Array.from(rows, (row) => Number(row[2])),
      treated: treatment ? Float64Array.from(rows, (_, i) => (treatment.states.includes(state[i]) && year[i] >= treatment.fromYear ? 1 : 0)) : Float64Array.from(rows, (row) => Number(row[3])),
    },
    { unit: 'State', time: 'Year', outcome: 'PacksPerCapita', treated: 'treated' },
  );
}

describe('synthetic DiD matches R synthdid 0.0.9', () => {
  it('on California Proposition 99: estimates, unit and time weights of synthdid, sc and did within 1e-4', () => {
    const reference = JSON.parse(readFileSync(referenceDataPath('sdid-reference/prop99.json'), 'utf8')) as SdidReport;
    const report = synthdidReport(prop99());
    expect(report.n).toEqual(reference.n);
    for (const estimator of ['synthdid', 'sc', 'did'] as const) {
      const mine = report[estimator];
      const theirs = reference[estimator];
      expect(relativeError(mine.estimate, theirs.estimate), estimator).toBeLessThan(TOLERANCE);
      expect(mine.se_jackknife, `${estimator}: one treated unit has no jackknife SE`).toBeNull();
      for (const kind of ['unit_weights', 'time_weights'] as const) {
        expect(Object.keys(mine[kind]).sort()).toEqual(Object.keys(theirs[kind]).sort());
        for (const [label, weight] of Object.entries(theirs[kind])) {
          const gap = Math.abs(mine[kind][label] - weight);
          largestWeightGap = Math.max(largestWeightGap, gap);
          expect(gap, `${estimator} ${kind} ${label}`).toBeLessThan(TOLERANCE);
        }
      }
    }
  });

  const fixture = readFileSync(new URL('./fixtures/synthdid-0.0.9-jackknife.txt', import.meta.url), 'utf8').trim().split('\n').slice(1);
  const panels: Record<string, () => LabelledBlockPanel> = {
    'prop99-three': () => prop99({ states: ['California', 'Utah', 'Nevada'], fromYear: 1989 }),
    'prop99-five-1985': () => prop99({ states: ['California', 'Utah', 'Nevada', 'Montana', 'Colorado'], fromYear: 1985 }),
  };
  for (const name of Object.keys(panels)) {
    it(`with several treated units (${name}): estimates, fixed-weight jackknife SEs and weights within 1e-4`, () => {
      const report = synthdidReport(panels[name]());
      const rows = fixture.map((line) => line.split(';')).filter(([panel]) => panel === name);
      expect(rows).toHaveLength(3);
      for (const [, estimator, estimate, se, omega, lambda] of rows) {
        const mine = report[estimator as 'synthdid' | 'sc' | 'did'];
        expect(relativeError(mine.estimate, Number(estimate)), `${estimator} estimate`).toBeLessThan(TOLERANCE);
        expect(relativeError(mine.se_jackknife as number, Number(se)), `${estimator} jackknife SE`).toBeLessThan(TOLERANCE);
        const unitWeights = Object.values(mine.unit_weights);
        omega.split(',').forEach((w, i) => expect(Math.abs(unitWeights[i] - Number(w)), `${estimator} ω${i}`).toBeLessThan(TOLERANCE));
        const timeWeights = Object.values(mine.time_weights);
        lambda.split(',').filter(Boolean).forEach((w, i) => expect(Math.abs(timeWeights[i] - Number(w)), `${estimator} λ${i}`).toBeLessThan(TOLERANCE));
      }
    });
  }

  it('reports the largest gaps seen', () => {
    console.log(`synthdid: largest relative error ${largestRelativeError.toExponential(2)}, largest weight gap ${largestWeightGap.toExponential(2)}`);
    expect(largestRelativeError).toBeLessThan(TOLERANCE);
  });
});
