/**
 * The binned scatter of a regression discontinuity (as rdplot draws it, with the local fit rather than a
 * global polynomial): mean outcome per bin of the score either side of the cut-off, and the order-p fits
 * within their bandwidths. Discrete scores (review scores usually are) get one bin per score value.
 */

export interface ScatterBin {
  readonly scoreLow: number;
  readonly scoreHigh: number;
  readonly scoreMean: number;
  readonly outcomeMean: number;
  readonly units: number;
  /** The side's fit at scoreMean, or null outside its bandwidth. */
  readonly fitted: number | null;
}

export interface ScatterOptions {
  readonly cutoff: number;
  /** Polynomial coefficients in (x − cutoff) either side. */
  readonly fits: { readonly left: readonly number[]; readonly right: readonly number[] };
  readonly bandwidths: { readonly left: number; readonly right: number };
  /** Most bins a side; a side with at most this many distinct scores gets one per score. */
  readonly binsPerSide: number;
}

function polynomialAt(coefficients: readonly number[], u: number): number {
  let value = 0;
  for (let j = coefficients.length - 1; j >= 0; j--) value = value * u + coefficients[j];
  return value;
}

function sideBins(pairs: readonly (readonly [number, number])[], options: ScatterOptions, side: 'left' | 'right'): ScatterBin[] {
  if (pairs.length === 0) return [];
  const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
  const scores = [...new Set(sorted.map(([x]) => x))];
  const low = sorted[0][0];
  const high = sorted[sorted.length - 1][0];
  const perScore = scores.length <= options.binsPerSide;
  const bins = perScore ? scores.length : options.binsPerSide;
  const width = (high - low) / bins;
  const scoreIndex = perScore ? new Map(scores.map((x, i) => [x, i])) : null;
  const binOf = scoreIndex ? (x: number) => scoreIndex.get(x) as number : (x: number) => Math.min(bins - 1, Math.floor((x - low) / width));
  const sums = Array.from({ length: bins }, () => ({ x: 0, y: 0, n: 0, low: Infinity, high: -Infinity }));
  for (const [x, y] of sorted) {
    const bin = sums[binOf(x)];
    bin.x += x;
    bin.y += y;
    bin.n++;
    bin.low = Math.min(bin.low, x);
    bin.high = Math.max(bin.high, x);
  }
  const h = options.bandwidths[side];
  return sums
    .filter((bin) => bin.n > 0)
    .map((bin) => {
      const scoreMean = bin.x / bin.n;
      const u = scoreMean - options.cutoff;
      return {
        scoreLow: bin.low,
        scoreHigh: bin.high,
        scoreMean,
        outcomeMean: bin.y / bin.n,
        units: bin.n,
        fitted: Math.abs(u) <= h ? polynomialAt(options.fits[side], u) : null,
      };
    });
}

export function binnedScatter(score: ArrayLike<number>, outcome: ArrayLike<number>, options: ScatterOptions): ScatterBin[] {
  const left: [number, number][] = [];
  const right: [number, number][] = [];
  for (let i = 0; i < score.length; i++) {
    if (!Number.isFinite(score[i]) || !Number.isFinite(outcome[i])) continue;
    (score[i] < options.cutoff ? left : right).push([score[i], outcome[i]]);
  }
  return [...sideBins(left, options, 'left'), ...sideBins(right, options, 'right')];
}
