import { describe, expect, it } from 'vitest';
import type { StaggeredPanel } from '../stats/panel.js';
import { demeanTwoWay, demeanTwoWayIteratively, fitEventStudyTwfe, fitStaticTwfe } from '../stats/twfe.js';
import { SeededRandom } from '../stats/random.js';

const TRUE_EFFECT = 0.5;

/** A staggered panel with a homogeneous, constant effect: the case where TWFE is unbiased. */
function simulatePanel(random: SeededRandom, units: number, periods: number, dropShare = 0): StaggeredPanel {
  const cohorts = [0, 2004, 2006];
  const cohortOfUnit = Int32Array.from({ length: units }, () => random.pick(cohorts));
  const calendar = Int32Array.from({ length: periods }, (_, t) => 2002 + t);
  const unit: number[] = [];
  const period: number[] = [];
  const outcome: number[] = [];
  const timeEffect = Array.from({ length: periods }, () => random.normal(0, 1));
  for (let i = 0; i < units; i++) {
    const unitEffect = random.normal(cohortOfUnit[i] === 0 ? 0 : 1, 1);
    for (let t = 0; t < periods; t++) {
      if (random.uniform() < dropShare) continue;
      const treated = cohortOfUnit[i] !== 0 && calendar[t] >= cohortOfUnit[i] ? 1 : 0;
      unit.push(i);
      period.push(t);
      outcome.push(unitEffect + timeEffect[t] + TRUE_EFFECT * treated + random.normal(0, 1));
    }
  }
  return { unit: Int32Array.from(unit), period: Int32Array.from(period), outcome: Float64Array.from(outcome), periods: calendar, cohortOfUnit, unitCount: units };
}

describe('TWFE on simulated staggered panels with a known effect', () => {
  it('95% intervals cover the true effect in about 95% of 300 replications', () => {
    const random = new SeededRandom(2024);
    let covered = 0;
    let sum = 0;
    const replications = 300;
    for (let r = 0; r < replications; r++) {
      const fit = fitStaticTwfe(simulatePanel(random, 150, 6));
      const [coefficient] = fit.coefficients;
      if (coefficient.ciLow <= TRUE_EFFECT && TRUE_EFFECT <= coefficient.ciHigh) covered++;
      sum += coefficient.estimate;
    }
    // Binomial sd of the coverage share is 0.0126; ±3 sd around 0.95.
    expect(covered / replications).toBeGreaterThan(0.91);
    expect(covered / replications).toBeLessThan(0.99);
    expect(Math.abs(sum / replications - TRUE_EFFECT)).toBeLessThan(0.01);
  });

  it('recovers the effect on an unbalanced panel, where the two-way demeaning is not one sweep', () => {
    const fit = fitStaticTwfe(simulatePanel(new SeededRandom(9), 3000, 6, 0.15));
    const [coefficient] = fit.coefficients;
    expect(fit.observations).toBeLessThan(3000 * 6);
    expect(coefficient.ciLow).toBeLessThan(TRUE_EFFECT);
    expect(coefficient.ciHigh).toBeGreaterThan(TRUE_EFFECT);
    expect(Math.abs(coefficient.estimate - TRUE_EFFECT)).toBeLessThan(4 * coefficient.stdError);
  });

  it('demeans an unbalanced panel exactly, in two passes, to what alternating projections converge to', () => {
    const panel = simulatePanel(new SeededRandom(21), 2000, 7, 0.12);
    const exact = demeanTwoWay(panel.outcome, panel);
    const iterated = demeanTwoWayIteratively(panel.outcome, panel);
    let largest = 0;
    for (let i = 0; i < exact.length; i++) largest = Math.max(largest, Math.abs(exact[i] - iterated[i]));
    expect(largest).toBeLessThan(1e-9);
    // And it is a within transformation: every unit's and every period's residuals sum to zero.
    const unitSums = new Float64Array(panel.unitCount);
    const periodSums = new Float64Array(panel.periods.length);
    exact.forEach((value, i) => {
      unitSums[panel.unit[i]] += value;
      periodSums[panel.period[i]] += value;
    });
    expect(Math.max(...unitSums.map(Math.abs), ...periodSums.map(Math.abs))).toBeLessThan(1e-8);
  });

  it('gives the same fits on a balanced panel through the cohort-period shortcut as by demeaning each regressor', () => {
    const panel = simulatePanel(new SeededRandom(13), 800, 6);
    const pairs = [
      [fitStaticTwfe(panel), fitStaticTwfe(panel, 0.95, 'alternating-projections')],
      [fitEventStudyTwfe(panel), fitEventStudyTwfe(panel, 0.95, -1, 'alternating-projections')],
    ] as const;
    for (const [shortcut, general] of pairs) {
      expect(shortcut.coefficients.length).toBe(general.coefficients.length);
      shortcut.coefficients.forEach((coefficient, k) => {
        expect(coefficient.estimate).toBeCloseTo(general.coefficients[k].estimate, 10);
        expect(coefficient.stdError / general.coefficients[k].stdError).toBeCloseTo(1, 10);
      });
    }
  });

  it('gives the same fits on an unbalanced panel through the group-period shortcut as by demeaning each regressor', () => {
    // Rows missing at random: units fall into many groups of cohort and observed years.
    const panel = simulatePanel(new SeededRandom(17), 1500, 7, 0.15);
    expect(panel.outcome.length).toBeLessThan(1500 * 7);
    const pairs = [
      [fitStaticTwfe(panel), fitStaticTwfe(panel, 0.95, 'alternating-projections')],
      [fitEventStudyTwfe(panel), fitEventStudyTwfe(panel, 0.95, -1, 'alternating-projections')],
    ] as const;
    for (const [shortcut, general] of pairs) {
      expect(shortcut.coefficients.map((c) => c.term)).toEqual(general.coefficients.map((c) => c.term));
      expect(shortcut.observations).toBe(general.observations);
      shortcut.coefficients.forEach((coefficient, k) => {
        expect(coefficient.estimate).toBeCloseTo(general.coefficients[k].estimate, 10);
        expect(coefficient.stdError / general.coefficients[k].stdError).toBeCloseTo(1, 10);
        expect(coefficient.pValue).toBeCloseTo(general.coefficients[k].pValue, 10);
      });
    }
  });

  it('finds no pre-trend and a constant post-award effect in the event study', () => {
    const fit = fitEventStudyTwfe(simulatePanel(new SeededRandom(5), 4000, 6));
    for (const coefficient of fit.coefficients) {
      const expected = coefficient.eventTime >= 0 ? TRUE_EFFECT : 0;
      expect(Math.abs(coefficient.estimate - expected)).toBeLessThan(4 * coefficient.stdError);
    }
    expect(fit.coefficients.map((c) => c.eventTime)).not.toContain(-1);
  });
});
