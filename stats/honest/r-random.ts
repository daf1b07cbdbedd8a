/**
 * R's default random stream, reproduced bit for bit: `set.seed(seed)` with the Mersenne-Twister generator
 * and normals by inversion (R's defaults since 1.7). HonestDiD seeds its least-favourable critical value
 * with `set.seed(0)` and 1,000 draws; drawing the same numbers makes our confidence sets the same grid
 * points as R's instead of differing by simulation noise.
 */
import { symmetricEigen } from '../linear-algebra.js';
import { normalQuantile } from '../distributions.js';

const STATE_SIZE = 624;
const SHIFT_SIZE = 397;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const MATRIX_A = 0x9908b0df;
const TWO_TO_MINUS_32 = 2.3283064365386963e-10;
/** R's normal-by-inversion takes 27 more bits from a second uniform. */
const INVERSION_SCALE = 134217728;

export class RRandomStream {
  private readonly state = new Uint32Array(STATE_SIZE);
  private index = STATE_SIZE;

  /** As R's `set.seed(seed)`: 50 rounds of the LCG 69069·s + 1 scramble the seed, which then fills the state. */
  constructor(seed: number) {
    let scrambled = seed >>> 0;
    for (let round = 0; round < 50; round++) scrambled = (Math.imul(69069, scrambled) + 1) >>> 0;
    // R fills 625 words: the first is the position counter, overwritten with 624.
    scrambled = (Math.imul(69069, scrambled) + 1) >>> 0;
    for (let i = 0; i < STATE_SIZE; i++) {
      scrambled = (Math.imul(69069, scrambled) + 1) >>> 0;
      this.state[i] = scrambled;
    }
  }

  /** As R's `runif(1)`: in (0, 1), never exactly 0 or 1. */
  uniform(): number {
    if (this.index >= STATE_SIZE) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    const value = (y >>> 0) * TWO_TO_MINUS_32;
    if (value <= 0) return 0.5 * TWO_TO_MINUS_32;
    if (1 - value <= 0) return 1 - 0.5 * TWO_TO_MINUS_32;
    return value;
  }

  /** As R's `rnorm(1)`. */
  normal(): number {
    const first = this.uniform();
    const fine = Math.trunc(INVERSION_SCALE * first) + this.uniform();
    return normalQuantile(fine / INVERSION_SCALE);
  }

  private twist(): void {
    const mt = this.state;
    const mix = (upper: number, lower: number) => ((mt[upper] & UPPER_MASK) | (mt[lower] & LOWER_MASK)) >>> 0;
    let k = 0;
    for (; k < STATE_SIZE - SHIFT_SIZE; k++) {
      const y = mix(k, k + 1);
      mt[k] = mt[k + SHIFT_SIZE] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; k < STATE_SIZE - 1; k++) {
      const y = mix(k, k + 1);
      mt[k] = mt[k + SHIFT_SIZE - STATE_SIZE] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = mix(STATE_SIZE - 1, 0);
    mt[STATE_SIZE - 1] = mt[SHIFT_SIZE - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.index = 0;
  }
}

/**
 * As `mvtnorm::rmvnorm(draws, sigma = sigma)` after `set.seed(seed)`: each draw is the symmetric square
 * root of sigma (its default "eigen" method, which does not depend on the eigenvectors' signs) times
 * `size` consecutive standard normals. Returns draws × size, row-major.
 */
export function multivariateNormalDraws(sigma: Float64Array, size: number, draws: number, seed: number): Float64Array {
  const { values, vectors } = symmetricEigen(sigma, size);
  const root = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let k = 0; k < size; k++) sum += vectors[i * size + k] * Math.sqrt(Math.max(values[k], 0)) * vectors[j * size + k];
      root[i * size + j] = sum;
    }
  }
  const z = standardNormals(seed, draws * size);
  const out = new Float64Array(draws * size);
  for (let d = 0; d < draws; d++) {
    const offset = d * size;
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let k = 0; k < size; k++) sum += z[offset + k] * root[k * size + j];
      out[offset + j] = sum;
    }
  }
  return out;
}

const normalsBySeed = new Map<string, Float64Array>();

/** The first `count` normals after set.seed(seed), kept: every least-favourable value draws them again. */
export function standardNormals(seed: number, count: number): Float64Array {
  const key = `${seed}:${count}`;
  let normals = normalsBySeed.get(key);
  if (!normals) {
    const stream = new RRandomStream(seed);
    normals = new Float64Array(count);
    for (let i = 0; i < count; i++) normals[i] = stream.normal();
    normalsBySeed.set(key, normals);
  }
  return normals;
}

/** R's default `quantile(x, p)` (type 7), with its arithmetic: index = 1 + (n − 1)p, (1 − h)·x_lo + h·x_hi. NaNs dropped. */
export function quantileType7(values: ArrayLike<number>, probability: number): number {
  const sorted = Float64Array.from(values).filter((value) => !Number.isNaN(value)).sort();
  return sortedQuantileType7(sorted.length, probability, (k) => sorted[k]);
}

/** Type-7 quantile from the k-th order statistic (0-based) of n values. */
export function sortedQuantileType7(n: number, probability: number, orderStatistic: (k: number) => number): number {
  if (n === 0) return Number.NaN;
  const index = 1 + Math.max(n - 1, 0) * probability;
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const low = orderStatistic(lo - 1);
  if (!(index > lo)) return low;
  const high = orderStatistic(hi - 1);
  if (high === low) return low;
  const h = index - lo;
  return (1 - h) * low + h * high;
}
