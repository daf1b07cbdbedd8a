import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulatedFoldedNormalQuantile } from '../stats/honest/normal-quantiles.js';
import { multivariateNormalDraws, quantileType7, RRandomStream } from '../stats/honest/r-random.js';

/** Printed by R 4.2.2 with mvtnorm 1.1-3 (see fixtures/README.md). */
const reference = JSON.parse(readFileSync(new URL('./fixtures/r-random-reference.json', import.meta.url), 'utf8')) as {
  runif_seed0: number[];
  rnorm_seed0_first5: number[];
  rnorm_seed0_2000th: number;
  rnorm_seed12345: number[];
  rmvnorm_seed0: { sigma: number[]; draws: number[] };
  'folded_quantile_0.95_seed0_1e6': { mu: number[]; q: number[] };
  quantile_type7: { x: number[]; p: number[]; q: number[] };
};

describe("R's random stream, reproduced for HonestDiD's seeded simulations", () => {
  it('draws the uniforms of set.seed(0); runif()', () => {
    const stream = new RRandomStream(0);
    expect(reference.runif_seed0.map(() => stream.uniform())).toEqual(reference.runif_seed0);
  });

  // R's qnorm and ours evaluate the same AS241 rational functions but may round the last bit differently.
  const expectWithinUlps = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(expected));

  it('draws the normals of set.seed(s); rnorm() to the last bit or two, across the generator’s 624-word refills', () => {
    const stream = new RRandomStream(0);
    const draws = Array.from({ length: 2000 }, () => stream.normal());
    reference.rnorm_seed0_first5.forEach((value, i) => expectWithinUlps(draws[i], value));
    expectWithinUlps(draws[1999], reference.rnorm_seed0_2000th);
    const other = new RRandomStream(12345);
    reference.rnorm_seed12345.forEach((value) => expectWithinUlps(other.normal(), value));
  });

  it("draws mvtnorm::rmvnorm's multivariate normals to rounding", () => {
    const draws = multivariateNormalDraws(Float64Array.from(reference.rmvnorm_seed0.sigma), 3, 4, 0);
    reference.rmvnorm_seed0.draws.forEach((value, i) => expect(draws[i]).toBeCloseTo(value, 13));
  });

  it("computes quantile()'s default type 7", () => {
    const { x, p, q } = reference.quantile_type7;
    p.forEach((probability, i) => expect(quantileType7(x, probability)).toBeCloseTo(q[i], 14));
  });

  it("reproduces HonestDiD's simulated folded-normal quantile over 10⁶ seeded draws", () => {
    const { mu, q } = reference['folded_quantile_0.95_seed0_1e6'];
    mu.forEach((mean, i) => expect(simulatedFoldedNormalQuantile(0.95, mean)).toBeCloseTo(q[i], 13));
  });
});
