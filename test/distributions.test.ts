import { describe, expect, it } from 'vitest';
import { truncatedNormalQuantile } from '../stats/honest/normal-quantiles.js';
import { chiSquareSurvival, normalCdf, normalQuantile, studentTCdf, studentTQuantile } from '../stats/distributions.js';

// Independent references: closed forms (Abramowitz & Stegun 26.4.5, 26.7.3) and, for odd degrees of freedom,
// the closed form 26.4.4 evaluated with CPython's math.erfc (values printed by python3 on this machine).
function chiSquareSurvivalEvenDf(x: number, k: number): number {
  let term = 1;
  let sum = 1;
  for (let j = 1; j < k / 2; j++) sum += (term *= x / 2 / j);
  return Math.exp(-x / 2) * sum;
}

const CHI_SQUARE_ODD_DF: readonly (readonly [x: number, k: number, survival: number])[] = [
  [0.3, 1, 0.5838824207703651],
  [3.84, 1, 0.05004352124870509],
  [25, 1, 5.733031437583873e-7],
  [1, 3, 0.8012519569012008],
  [12.3, 3, 0.006423057576577936],
  [3.84, 7, 0.7980109150360402],
  [12.3, 7, 0.09111488600031303],
  [25, 7, 0.0007588002556582503],
];

function studentTCdfEvenDf(t: number, df: number): number {
  const ratio = df / (df + t * t);
  let coefficient = 1;
  let sum = 1;
  for (let j = 1; j < df / 2; j++) sum += (coefficient *= (2 * j - 1) / (2 * j)) * ratio ** j;
  return 0.5 + (t / (2 * Math.sqrt(df + t * t))) * sum;
}

describe('distribution functions', () => {
  it('normal CDF is 0 and 1 at infinite bounds, and the truncated-normal quantile works with one bound infinite', () => {
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    // On [0, ∞) the p-quantile is Φ⁻¹((1 + p)/2); on (−∞, ∞) it is Φ⁻¹(p).
    expect(truncatedNormalQuantile(0.95, 0, Infinity)).toBeCloseTo(normalQuantile(0.975), 12);
    expect(truncatedNormalQuantile(0.3, -Infinity, Infinity)).toBeCloseTo(normalQuantile(0.3), 12);
    // Far in the upper tail the conditional law is about exponential with rate l above l.
    expect(truncatedNormalQuantile(0.5, 40, Infinity)).toBeCloseTo(40 + Math.log(2) / 40, 4);
  });

  it('normal quantile and CDF agree with the published constants', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 13);
    for (const p of [1e-12, 0.001, 0.2, 0.7, 0.999999]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 11);
  });

  it('chi-square upper tail matches the closed forms for odd and even degrees of freedom to 1e-12', () => {
    for (const k of [2, 4, 10]) {
      for (const x of [0.3, 1, 3.84, 12.3, 25]) {
        const expected = chiSquareSurvivalEvenDf(x, k);
        expect(Math.abs(chiSquareSurvival(x, k) - expected) / expected).toBeLessThan(1e-12);
      }
    }
    for (const [x, k, expected] of CHI_SQUARE_ODD_DF) expect(Math.abs(chiSquareSurvival(x, k) - expected) / expected).toBeLessThan(1e-12);
  });

  it('Student t CDF matches the closed form for even degrees of freedom, and the quantile inverts it', () => {
    for (const df of [2, 4, 10, 30]) {
      for (const t of [-3.2, -1, 0.4, 2.5]) expect(studentTCdf(t, df)).toBeCloseTo(studentTCdfEvenDf(t, df), 13);
      for (const p of [0.025, 0.5, 0.975, 0.9995]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 13);
    }
    // t(2) has the closed-form quantile (2p-1)/sqrt(2p(1-p)).
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(0.95 / Math.sqrt(2 * 0.975 * 0.025), 12);
  });
});
