import { createRequire } from 'node:module';
import type highsTypes from 'highs';
import { describe, expect, it } from 'vitest';
import { relativeMagnitudeConstraints } from '../stats/honest/relative-magnitudes.js';
import { PolytopeSimplex } from '../stats/honest/polytope-simplex.js';
import { SeededRandom } from '../stats/random.js';
import { matrix, type Matrix } from '../stats/small-matrix.js';

// highs is CommonJS whose module.exports is the loader; require() takes it without ESM interop's guesses.
const highsLoader = createRequire(import.meta.url)('highs') as typeof highsTypes.default;

/**
 * The η programme of the moment-inequality test, min η s.t. y − Xδ ≤ η·σ, solved by HiGHS, against its
 * dual max γᵀy over {γ ≥ 0 : σᵀγ = 1, Xᵀγ = 0} solved by the warm-started simplex.
 */
function highsEta(highs: Awaited<ReturnType<typeof highsLoader>>, y: Float64Array, x: Matrix, sd: Float64Array): number {
  const k = x.cols;
  const term = (coefficient: number, name: string) => `${coefficient >= 0 ? '+' : '-'} ${Math.abs(coefficient).toPrecision(17)} ${name}`;
  const lines = Array.from(y, (value, i) => {
    const terms = [term(-sd[i], 'eta'), ...Array.from({ length: k }, (_, c) => term(-x.values[i * k + c], `d${c}`))];
    return ` c${i}: ${terms.join(' ')} <= ${(-value).toPrecision(17)}`;
  });
  const lp = ['Minimize', ' obj: eta', 'Subject To', ...lines, 'Bounds', ' eta free', ...Array.from({ length: k }, (_, c) => ` d${c} free`), 'End'].join('\n');
  const solution = highs.solve(lp, { output_flag: false });
  if (solution.Status !== 'Optimal') throw new Error(`HiGHS: ${solution.Status}`);
  return solution.ObjectiveValue;
}

function dualPolytope(x: Matrix, sd: Float64Array): PolytopeSimplex {
  const rows = x.rows;
  const equalities = matrix(x.cols + 1, rows);
  for (let i = 0; i < rows; i++) {
    equalities.values[i] = sd[i];
    for (let c = 0; c < x.cols; c++) equalities.values[(c + 1) * rows + i] = x.values[i * x.cols + c];
  }
  return new PolytopeSimplex(equalities, Float64Array.from({ length: x.cols + 1 }, (_, i) => (i === 0 ? 1 : 0)));
}

function expectFeasibleOptimum(simplex: PolytopeSimplex, y: Float64Array, x: Matrix, sd: Float64Array, expected: number): void {
  const solution = new Float64Array(y.length);
  const value = simplex.maximise(y, solution);
  expect(value).toBeCloseTo(expected, 9);
  let weighted = 0;
  for (let i = 0; i < y.length; i++) {
    expect(solution[i]).toBeGreaterThanOrEqual(0);
    weighted += sd[i] * solution[i];
  }
  expect(weighted).toBeCloseTo(1, 10);
  for (let c = 0; c < x.cols; c++) {
    let balance = 0;
    for (let i = 0; i < y.length; i++) balance += x.values[i * x.cols + c] * solution[i];
    expect(Math.abs(balance)).toBeLessThan(1e-9);
  }
}

describe('the warm-started simplex over the test’s dual polytope agrees with HiGHS', () => {
  it('on 300 random programmes of 4–20 rows and 1–5 nuisance columns, one polytope many objectives', async () => {
    const highs = await highsLoader();
    const random = new SeededRandom(20261202);
    for (let instance = 0; instance < 30; instance++) {
      const k = 1 + (instance % 5);
      const rows = k + 3 + (instance % 12);
      // Rows of ±X make the polytope bounded in the nuisance directions, as the ± moment pairs of Δ^RM do.
      const x = matrix(rows, k);
      for (let i = 0; i < rows; i++) for (let c = 0; c < k; c++) x.values[i * k + c] = i % 2 === 0 ? random.normal() : -x.values[(i - 1) * k + c];
      const sd = Float64Array.from({ length: rows }, () => 0.1 + random.uniform());
      const simplex = dualPolytope(x, sd);
      for (let draw = 0; draw < 10; draw++) {
        const y = Float64Array.from({ length: rows }, () => random.normal());
        expectFeasibleOptimum(simplex, y, x, sd, highsEta(highs, y, x, sd));
      }
    }
  });

  it("on the degenerate programmes of HonestDiD's relative-magnitude moments (integer rows, repeated directions)", async () => {
    const highs = await highsLoader();
    const random = new SeededRandom(7);
    for (const [pre, post, mbar] of [[3, 4, 0], [3, 4, 1], [5, 5, 0.5], [2, 3, 2]] as const) {
      for (let s = -(pre - 1); s <= 0; s++) {
        const a = relativeMagnitudeConstraints(pre, post, mbar, s, s % 2 === 0);
        const width = pre + post;
        const rows = Array.from({ length: a.rows }, (_, i) => i).filter((i) => a.values.subarray(i * width + pre, (i + 1) * width).some((v) => v !== 0));
        // Post-period columns after the first as nuisance, as the test's change of basis with l = e₁ gives.
        const x = matrix(rows.length, post - 1);
        rows.forEach((row, r) => {
          for (let c = 1; c < post; c++) x.values[r * (post - 1) + c - 1] = a.values[row * width + pre + c];
        });
        const sd = Float64Array.from(rows, () => 0.5 + random.uniform());
        const simplex = dualPolytope(x, sd);
        for (let draw = 0; draw < 5; draw++) {
          const y = Float64Array.from(rows, () => random.normal());
          expectFeasibleOptimum(simplex, y, x, sd, highsEta(highs, y, x, sd));
        }
      }
    }
  });
});
