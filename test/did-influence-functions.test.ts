import { describe, expect, it } from 'vitest';
import type { DesignMatrix } from '../stats/design-matrix.js';
import { estimateTwoByTwo, type EstimationMethod } from '../stats/did/two-by-two.js';
import { estimateTwoByTwoRepeatedCrossSection, type RepeatedCrossSectionInput } from '../stats/did/two-by-two-rc.js';
import { SeededRandom } from '../stats/random.js';

/**
 * An influence function is the derivative of the estimate with respect to each observation's weight: with
 * sampling weights w (normalised to mean one inside), ψ_i = n·w_i·∂θ/∂w_i. Checking that numerically validates every term of
 * the analytic influence functions (nuisance estimates included) for any method and design, beyond the
 * configurations the R reference files cover.
 */
function numericalInfluence(estimate: (weights: Float64Array) => number, weights: Float64Array, i: number): number {
  const step = 1e-5;
  const up = Float64Array.from(weights);
  const down = Float64Array.from(weights);
  up[i] += step;
  down[i] -= step;
  return ((estimate(up) - estimate(down)) / (2 * step)) * weights.length * weights[i];
}

function crossSectionSample(random: SeededRandom, rows: number, covariates: number): RepeatedCrossSectionInput {
  const k = covariates + 1;
  const design = new Float64Array(rows * k);
  const outcome = new Float64Array(rows);
  const post = new Uint8Array(rows);
  const treated = new Uint8Array(rows);
  const weights = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    design[i * k] = 1;
    let index = 0;
    for (let c = 1; c < k; c++) {
      design[i * k + c] = random.normal(0, 1);
      index += 0.4 * design[i * k + c];
    }
    treated[i] = random.uniform() < 1 / (1 + Math.exp(-index)) ? 1 : 0;
    post[i] = random.uniform() < 0.5 ? 1 : 0;
    outcome[i] = 2 + index + 0.5 * post[i] + treated[i] * (0.3 + 0.8 * post[i]) + random.normal(0, 1);
    weights[i] = 0.5 + random.uniform();
  }
  return { outcome, post, treated, covariates: { rows, columns: k, values: design }, weights };
}

const methods: EstimationMethod[] = ['dr', 'ipw', 'reg'];

describe('analytic influence functions equal the numerical derivative of the estimate', () => {
  for (const method of methods) {
    // DRDID's drdid_rc (which R did uses, and ebpm matches to 1e-7 on rc-never-dr-lpop.json) adds the base-period
    // outcome regressions' estimation effect with the sign of the post period's: a term that vanishes as the
    // propensity-weighted covariate means balance, so its influence function is asymptotically, not exactly, the
    // derivative. That case is left to the R reference.
    for (const covariates of method === 'dr' ? [0] : [0, 2]) {
      it(`for the repeated-cross-section ${method} estimator with ${covariates} covariates and sampling weights`, () => {
        const random = new SeededRandom(method.length * 31 + covariates);
        const sample = crossSectionSample(random, 300, covariates);
        const result = estimateTwoByTwoRepeatedCrossSection(method, sample);
        const estimate = (weights: Float64Array) => estimateTwoByTwoRepeatedCrossSection(method, { ...sample, weights }).att;
        let largest = 0;
        for (const i of [0, 7, 42, 150, 299]) {
          const numerical = numericalInfluence(estimate, sample.weights, i);
          largest = Math.max(largest, Math.abs(numerical - result.influence[i]));
        }
        expect(largest).toBeLessThan(1e-5);
      });
    }

    for (const covariateCount of [0, 2]) {
    it(`for the panel ${method} estimator with ${covariateCount} covariates and sampling weights`, () => {
      const random = new SeededRandom(method.length * 7 + covariateCount);
      const sample = crossSectionSample(random, 300, covariateCount);
      const deltaY = sample.outcome;
      const covariates: DesignMatrix = sample.covariates;
      const result = estimateTwoByTwo(method, { deltaY, treated: sample.treated, covariates, weights: sample.weights });
      const estimate = (weights: Float64Array) => estimateTwoByTwo(method, { deltaY, treated: sample.treated, covariates, weights }).att;
      let largest = 0;
      for (const i of [1, 50, 199, 250]) largest = Math.max(largest, Math.abs(numericalInfluence(estimate, sample.weights, i) - result.influence[i]));
      expect(largest).toBeLessThan(1e-5);
    });
    }
  }
});
