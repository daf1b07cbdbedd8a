import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cholesky } from '../stats/linear-algebra.js';
import { eventStudy, targetEstimate, type EventStudy } from '../stats/honest/event-study.js';
import { relativeMagnitudesInterval } from '../stats/honest/relative-magnitudes.js';
import { postAverageTarget } from '../stats/honest/sensitivity.js';
import { smoothnessInterval } from '../stats/honest/smoothness.js';
import { SeededRandom } from '../stats/random.js';
import { referenceDataPath } from './support/reference-data.js';

/**
 * Event studies drawn from N(δ + τ, Σ) with a known effect τ and a known violation δ of parallel trends
 * that the restriction allows: the robust sets must cover τ about 95 % of the time while the ordinary
 * interval, centred on the biased estimate, does not. Σ is the covariance of mpdta's event study for
 * e = −3, −2 | 0, 1, 2 (two pre-award and three post-award event times).
 */
const reference = JSON.parse(readFileSync(referenceDataPath('honestdid-reference/mpdta-never.json'), 'utf8')) as { sigma: number[][] };
const eventTimes = [1, 2, 3, 4, 5];
const sigma = eventTimes.map((i) => eventTimes.map((j) => reference.sigma[i][j]));
const size = eventTimes.length;
const lower = cholesky(Float64Array.from(sigma.flat()), size);
const effect = [0, -0.03, -0.06];
const target = postAverageTarget(3);
const trueAverage = effect.reduce((a, b) => a + b, 0) / 3;

function draw(random: SeededRandom, mean: number[]): EventStudy {
  const z = Array.from({ length: size }, () => random.normal());
  const betahat = mean.map((value, i) => {
    let noise = 0;
    for (let k = 0; k <= i; k++) noise += lower[i * size + k] * z[k];
    return value + noise;
  });
  return eventStudy(betahat, sigma, 2, 3);
}

function coverage(samples: number, mean: number[], interval: (study: EventStudy) => { lb: number | null; ub: number | null }) {
  const random = new SeededRandom(42);
  let robust = 0;
  let original = 0;
  for (let s = 0; s < samples; s++) {
    const study = draw(random, mean);
    const { lb, ub } = interval(study);
    if (lb !== null && ub !== null && lb <= trueAverage && trueAverage <= ub) robust++;
    const { estimate, se } = targetEstimate(study, target);
    if (Math.abs(estimate - trueAverage) <= 1.959963984540054 * se) original++;
  }
  return { robust: robust / samples, original: original / samples };
}

describe('robust intervals cover a known effect when parallel trends fail within the bound', () => {
  it('Δ^RM(1): pre-award changes of 0.02 continuing after the award, the C-LF set covers; the ordinary interval does not', () => {
    // δ = (−0.04, −0.02 | 0.02, 0.04, 0.06): every post-award change equals the largest pre-award one, M̄ = 1 binds.
    const mean = [-0.04, -0.02, 0.02 + effect[0], 0.04 + effect[1], 0.06 + effect[2]];
    const { robust, original } = coverage(150, mean, (study) => relativeMagnitudesInterval(study, target, 1));
    expect(robust).toBeGreaterThanOrEqual(0.9);
    expect(original).toBeLessThan(robust - 0.2);
  });

  it('Δ^SD(0): a linear pre-trend that goes on after the award, the FLCI covers at its nominal 95 %; the ordinary interval does not', () => {
    const mean = [-0.04, -0.02, 0.02 + effect[0], 0.04 + effect[1], 0.06 + effect[2]];
    const { robust, original } = coverage(400, mean, (study) => smoothnessInterval(study, target, 0));
    expect(robust).toBeGreaterThanOrEqual(0.92);
    expect(robust).toBeLessThanOrEqual(0.98);
    expect(original).toBeLessThan(robust - 0.2);
  });
});
