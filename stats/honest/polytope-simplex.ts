/**
 * Linear programmes over one fixed polytope P = {γ ≥ 0 : Eγ = b}, for many objectives.
 *
 * Every linear programme of the Andrews–Roth–Pakes test is of this form, over the same P for a whole
 * confidence set: the test statistic η = max γᵀy, the least-favourable draws η = max γᵀξ, and the
 * conditioning bounds max γᵀ(s + b·c). So feasibility is established once (phase I) and each new
 * objective starts from the last optimal basis (phase II only), which is what makes the 10⁵–10⁶
 * programmes of a sensitivity analysis take seconds. Entering columns by Dantzig's rule for the first
 * pivots, then by Bland's: P's vertices are highly degenerate (b = e₁), and Bland's rule cannot cycle. HiGHS, solving the same programmes, is the reference for this
 * solver in the tests; through its WebAssembly build it costs about a millisecond a programme, a
 * thousand times this one, for problems of ten rows.
 */
import { invertSquare, matrix, type Matrix } from '../small-matrix.js';

export class InfeasiblePolytopeError extends Error {
  constructor(readonly infeasibility: number) {
    super(`the polytope {γ ≥ 0 : Eγ = b} is empty (phase I left ${infeasibility.toExponential(3)} unexplained)`);
    this.name = 'InfeasiblePolytopeError';
  }
}

/** max cᵀγ has no finite optimum: P is unbounded in a direction that raises the objective. */
export class UnboundedObjectiveError extends RangeError {
  constructor(readonly enteringColumn: number) {
    super(`PolytopeSimplex: the objective is unbounded over P (column ${enteringColumn} enters without a leaving row); bound P or change the objective`);
    this.name = 'UnboundedObjectiveError';
  }
}

const PIVOT_TOLERANCE = 1e-11;
const REFACTOR_EVERY = 64;
const DANTZIG_PIVOTS = 32;

export class PolytopeSimplex {
  private readonly variables: number;
  /** Rows of E kept after phase I (redundant equalities dropped). */
  private keptRows: number[] = [];
  private basis: number[] = [];
  /** B⁻¹[E | b] for the kept rows: rows × (variables + 1). */
  private tableau = new Float64Array(0);
  private pivotsSinceRefactor = 0;
  private readonly reducedCosts: Float64Array;
  /** Largest |entry| of the tableau at the last refactorisation: scales the optimality tolerance. */
  private tableauScale = 1;

  constructor(
    private readonly equalities: Matrix,
    private readonly rhs: ArrayLike<number>,
  ) {
    this.variables = equalities.cols;
    this.reducedCosts = new Float64Array(equalities.cols);
    this.phaseOne();
  }

  /**
   * max cᵀγ over P. The optimal γ goes into `solution` when one is given. P is bounded in the tests' own
   * programmes (a positive row of E fixes a weighted sum of γ); where it may not be (the least-favourable
   * interval's ends), an objective that grows without bound throws UnboundedObjectiveError.
   */
  maximise(objective: ArrayLike<number>, solution?: Float64Array): number {
    const n = this.variables;
    const width = n + 1;
    const rows = this.basis.length;
    const reduced = this.reducedCosts;
    let scale = 0;
    for (let j = 0; j < n; j++) scale = Math.max(scale, Math.abs(objective[j]));
    const tolerance = 1e-12 * Math.max(scale, Number.MIN_VALUE) * (1 + this.tableauScale);
    for (let iteration = 0; iteration < 10_000; iteration++) {
      // A pivot may refactorise, which replaces the tableau.
      const tableau = this.tableau;
      for (let j = 0; j < n; j++) reduced[j] = objective[j];
      for (let i = 0; i < rows; i++) {
        const cost = objective[this.basis[i]];
        if (cost === 0) continue;
        const offset = i * width;
        for (let j = 0; j < n; j++) reduced[j] -= cost * tableau[offset + j];
      }
      // Dantzig's most-improving column while pivots make progress; Bland's first improving column once
      // they stall, which cannot cycle on P's degenerate vertices.
      let entering = -1;
      if (iteration < DANTZIG_PIVOTS) {
        let best = tolerance;
        for (let j = 0; j < n; j++)
          if (reduced[j] > best) {
            best = reduced[j];
            entering = j;
          }
      } else {
        for (let j = 0; j < n; j++)
          if (reduced[j] > tolerance) {
            entering = j;
            break;
          }
      }
      if (entering < 0) break;
      const leaving = this.ratioTest(entering);
      if (leaving < 0) throw new UnboundedObjectiveError(entering);
      this.pivot(leaving, entering);
    }
    let value = 0;
    if (solution) solution.fill(0);
    for (let i = 0; i < rows; i++) {
      const x = Math.max(this.tableau[i * width + n], 0);
      if (solution) solution[this.basis[i]] = x;
      value += objective[this.basis[i]] * x;
    }
    return value;
  }

  /** The smallest ratio, ties to the smallest basic variable (Bland's leaving rule). */
  private ratioTest(entering: number, width = this.variables + 1, tableau = this.tableau, basis = this.basis): number {
    let leaving = -1;
    let bestRatio = Infinity;
    const threshold = PIVOT_TOLERANCE * Math.max(1, tableau === this.tableau ? this.tableauScale : 1);
    for (let i = 0; i < basis.length; i++) {
      const entry = tableau[i * width + entering];
      if (entry <= threshold) continue;
      const ratio = Math.max(tableau[i * width + width - 1], 0) / entry;
      const tie = leaving >= 0 && Math.abs(ratio - bestRatio) <= 1e-15 * Math.max(1, bestRatio);
      if (leaving < 0 || (ratio < bestRatio && !tie) || (tie && basis[i] < basis[leaving])) {
        bestRatio = ratio;
        leaving = i;
      }
    }
    return leaving;
  }

  private pivot(row: number, column: number, width = this.variables + 1, tableau = this.tableau, basis = this.basis): void {
    const rows = basis.length;
    const pivotOffset = row * width;
    const pivotValue = tableau[pivotOffset + column];
    for (let j = 0; j < width; j++) tableau[pivotOffset + j] /= pivotValue;
    for (let i = 0; i < rows; i++) {
      if (i === row) continue;
      const offset = i * width;
      const factor = tableau[offset + column];
      if (factor === 0) continue;
      for (let j = 0; j < width; j++) tableau[offset + j] -= factor * tableau[pivotOffset + j];
      tableau[offset + column] = 0;
    }
    basis[row] = column;
    if (tableau === this.tableau && ++this.pivotsSinceRefactor >= REFACTOR_EVERY) this.refactor();
  }

  /** Rebuilds B⁻¹[E | b] from E itself, so rounding does not accumulate over many warm starts. */
  private refactor(): void {
    const rows = this.basis.length;
    const width = this.variables + 1;
    const basisMatrix = matrix(rows, rows);
    for (let i = 0; i < rows; i++)
      for (let k = 0; k < rows; k++) basisMatrix.values[i * rows + k] = this.equalities.values[this.keptRows[i] * this.variables + this.basis[k]];
    const inverse = invertSquare(basisMatrix, 1e-14);
    this.pivotsSinceRefactor = 0;
    if (!inverse) return;
    const tableau = new Float64Array(rows * width);
    for (let i = 0; i < rows; i++)
      for (let k = 0; k < rows; k++) {
        const factor = inverse.values[i * rows + k];
        if (factor === 0) continue;
        const source = this.keptRows[k];
        for (let j = 0; j < this.variables; j++) tableau[i * width + j] += factor * this.equalities.values[source * this.variables + j];
        tableau[i * width + this.variables] += factor * this.rhs[source];
      }
    this.tableau = tableau;
    let largest = 0;
    for (const entry of tableau) largest = Math.max(largest, Math.abs(entry));
    this.tableauScale = largest;
  }

  /** Artificial variables for every row; minimise their sum; drive the degenerate ones out; drop redundant rows. */
  private phaseOne(): void {
    const rows = this.equalities.rows;
    const n = this.variables;
    const width = n + rows + 1;
    const tableau = new Float64Array(rows * width);
    const basis: number[] = [];
    for (let i = 0; i < rows; i++) {
      const sign = this.rhs[i] < 0 ? -1 : 1;
      for (let j = 0; j < n; j++) tableau[i * width + j] = sign * this.equalities.values[i * n + j];
      tableau[i * width + n + i] = 1;
      tableau[i * width + width - 1] = sign * this.rhs[i];
      basis.push(n + i);
    }
    const reduced = new Float64Array(n + rows);
    for (let iteration = 0; iteration < 10_000; iteration++) {
      // Maximise −Σ artificials: reduced cost of column j is Σ_i tableau[i, j] over rows with an artificial basic variable, for non-artificial j.
      reduced.fill(0);
      for (let i = 0; i < rows; i++) {
        if (basis[i] < n) continue;
        for (let j = 0; j < n + rows; j++) reduced[j] += tableau[i * width + j];
      }
      for (let j = n; j < n + rows; j++) reduced[j] -= 1;
      let entering = -1;
      for (let j = 0; j < n + rows; j++)
        if (reduced[j] > 1e-12) {
          entering = j;
          break;
        }
      if (entering < 0) break;
      const leaving = this.ratioTest(entering, width, tableau, basis);
      if (leaving < 0) break;
      this.pivot(leaving, entering, width, tableau, basis);
    }
    let infeasibility = 0;
    for (let i = 0; i < rows; i++) if (basis[i] >= n) infeasibility += Math.abs(tableau[i * width + width - 1]);
    if (infeasibility > 1e-9) throw new InfeasiblePolytopeError(infeasibility);
    const redundantRows = new Set<number>();
    const keptTableauRows: number[] = [];
    for (let i = 0; i < rows; i++) {
      if (basis[i] >= n) {
        let column = -1;
        for (let j = 0; j < n; j++) if (Math.abs(tableau[i * width + j]) > 1e-9 && (column < 0 || Math.abs(tableau[i * width + j]) > Math.abs(tableau[i * width + column]))) column = j;
        if (column < 0) {
          // Row i reads 0 = 0: a combination of E's rows with coefficient 1 on the row of this artificial vanishes, so that row is redundant.
          redundantRows.add(basis[i] - n);
          continue;
        }
        this.pivot(i, column, width, tableau, basis);
      }
      keptTableauRows.push(i);
    }
    this.keptRows = Array.from({ length: rows }, (_, i) => i).filter((i) => !redundantRows.has(i));
    this.basis = keptTableauRows.map((i) => basis[i]);
    this.tableau = new Float64Array(keptTableauRows.length * (n + 1));
    keptTableauRows.forEach((i, r) => {
      for (let j = 0; j < n; j++) this.tableau[r * (n + 1) + j] = tableau[i * width + j];
      this.tableau[r * (n + 1) + n] = tableau[i * width + width - 1];
    });
    this.refactor();
  }
}
