/**
 * Linear programmes over one fixed polytope P = {γ ≥ 0 : Eγ = b}, for many objectives.
 *
 * Every linear programme of the Andrews–Roth–Pakes test is of this form, over the same P for a whole
 * confidence set: the test statistic η = max γᵀy, the least-favourable draws η = max γᵀξ, and the
 * conditioning bounds max γᵀ(s + b·c). So feasibility is established once (phase I) and each new
 * objective starts from the last optimal basis (phase II only), which is what makes the 10⁵–10⁶
 * programmes of a sensitivity analysis take seconds. Bland's rule: P's vertices are highly degenerate
 * (b = e₁), and Bland's rule cannot cycle. HiGHS, solving the same programmes, is the reference for this
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

export interface Vertex {
  readonly value: number;
  /** γ at the optimal vertex (length: the number of columns of E). */
  readonly solution: Float64Array;
}

const PIVOT_TOLERANCE = 1e-11;
const REFACTOR_EVERY = 64;

export class PolytopeSimplex {
  private readonly variables: number;
  /** Rows of E kept after phase I (redundant equalities dropped). */
  private keptRows: number[] = [];
  private basis: number[] = [];
  /** B⁻¹[E | b] for the kept rows: rows × (variables + 1). */
  private tableau = new Float64Array(0);
  private pivotsSinceRefactor = 0;

  constructor(
    private readonly equalities: Matrix,
    private readonly rhs: ArrayLike<number>,
  ) {
    this.variables = equalities.cols;
    this.phaseOne();
  }

  /** max cᵀγ over P. P is bounded in every use here (a positive row of E fixes a weighted sum of γ). */
  maximise(objective: ArrayLike<number>): Vertex {
    const width = this.variables + 1;
    const rows = this.basis.length;
    const reduced = new Float64Array(this.variables);
    let scale = 0;
    for (let j = 0; j < this.variables; j++) scale = Math.max(scale, Math.abs(objective[j]));
    const tolerance = 1e-12 * Math.max(scale, Number.MIN_VALUE);
    for (let iteration = 0; iteration < 10_000; iteration++) {
      for (let j = 0; j < this.variables; j++) reduced[j] = objective[j];
      for (let i = 0; i < rows; i++) {
        const cost = objective[this.basis[i]];
        if (cost === 0) continue;
        const offset = i * width;
        for (let j = 0; j < this.variables; j++) reduced[j] -= cost * this.tableau[offset + j];
      }
      let entering = -1;
      for (let j = 0; j < this.variables; j++)
        if (reduced[j] > tolerance * (1 + this.columnScale(j))) {
          entering = j;
          break;
        }
      if (entering < 0) break;
      const leaving = this.ratioTest(entering);
      if (leaving < 0) throw new RangeError('PolytopeSimplex: the objective is unbounded over P; P must be bounded');
      this.pivot(leaving, entering);
    }
    const solution = new Float64Array(this.variables);
    let value = 0;
    for (let i = 0; i < rows; i++) {
      const x = Math.max(this.tableau[i * width + this.variables], 0);
      solution[this.basis[i]] = x;
      value += objective[this.basis[i]] * x;
    }
    return { value, solution };
  }

  private columnScale(column: number): number {
    const width = this.variables + 1;
    let scale = 0;
    for (let i = 0; i < this.basis.length; i++) scale = Math.max(scale, Math.abs(this.tableau[i * width + column]));
    return scale;
  }

  /** Bland: the smallest ratio, ties to the smallest basic variable. */
  private ratioTest(entering: number, width = this.variables + 1, tableau = this.tableau, basis = this.basis): number {
    let leaving = -1;
    let bestRatio = Infinity;
    const threshold = PIVOT_TOLERANCE * Math.max(1, this.columnScale(entering));
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
