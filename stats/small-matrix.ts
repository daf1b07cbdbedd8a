/**
 * Small dense row-major matrices: those of local polynomial regression (a few columns, many rows) and of
 * the moment inequalities of the sensitivity analysis. Gram inversion follows rdrobust's qrXXinv: the
 * Cholesky inverse, or the Moore–Penrose inverse when the Gram matrix is not positive definite.
 */
import { symmetricEigen } from './linear-algebra.js';

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float64Array;
}

export function matrix(rows: number, cols: number, values = new Float64Array(rows * cols)): Matrix {
  return { rows, cols, values };
}

export function at(m: Matrix, i: number, j: number): number {
  return m.values[i * m.cols + j];
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError(`cannot multiply ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
  const result = matrix(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const aik = a.values[i * a.cols + k];
      if (aik === 0) continue;
      for (let j = 0; j < b.cols; j++) result.values[i * b.cols + j] += aik * b.values[k * b.cols + j];
    }
  return result;
}

export function transpose(a: Matrix): Matrix {
  const result = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) result.values[j * a.rows + i] = a.values[i * a.cols + j];
  return result;
}

/** Aᵀ·diag(w)·B for tall A (n × p) and B (n × q); w omitted means ones. */
export function crossProduct(a: Matrix, b: Matrix, w?: ArrayLike<number>): Matrix {
  if (a.rows !== b.rows) throw new RangeError(`crossProduct: ${a.rows} rows against ${b.rows}`);
  const p = a.cols;
  const q = b.cols;
  const result = new Float64Array(p * q);
  for (let i = 0; i < a.rows; i++) {
    const weight = w ? w[i] : 1;
    if (weight === 0) continue;
    const aOffset = i * p;
    const bOffset = i * q;
    for (let j = 0; j < p; j++) {
      const aij = a.values[aOffset + j] * weight;
      if (aij === 0) continue;
      for (let k = 0; k < q; k++) result[j * q + k] += aij * b.values[bOffset + k];
    }
  }
  return matrix(p, q, result);
}

/** Inverse of a symmetric positive definite matrix by Cholesky, or null when it is not positive definite. */
function choleskyInverse(g: Matrix): Matrix | null {
  const n = g.rows;
  const lower = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = g.values[j * n + j];
    for (let k = 0; k < j; k++) diagonal -= lower[j * n + k] ** 2;
    if (!(diagonal > 0)) return null;
    const root = Math.sqrt(diagonal);
    lower[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let sum = g.values[i * n + j];
      for (let k = 0; k < j; k++) sum -= lower[i * n + k] * lower[j * n + k];
      lower[i * n + j] = sum / root;
    }
  }
  const inverseLower = new Float64Array(n * n);
  for (let column = 0; column < n; column++)
    for (let i = column; i < n; i++) {
      let sum = i === column ? 1 : 0;
      for (let k = column; k < i; k++) sum -= lower[i * n + k] * inverseLower[k * n + column];
      inverseLower[i * n + column] = sum / lower[i * n + i];
    }
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = i; k < n; k++) sum += inverseLower[k * n + i] * inverseLower[k * n + j];
      inverse[i * n + j] = sum;
      inverse[j * n + i] = sum;
    }
  return matrix(n, n, inverse);
}

/**
 * Moore–Penrose inverse of a symmetric matrix, as MASS::ginv: directions whose singular value is at most
 * `tolerance` times the largest are dropped.
 */
export function pseudoInverseSymmetric(g: Matrix, tolerance = Math.sqrt(Number.EPSILON)): Matrix {
  const n = g.rows;
  const { values, vectors } = symmetricEigen(g.values, n);
  let largest = 0;
  for (const value of values) largest = Math.max(largest, Math.abs(value));
  const result = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const value = values[k];
    if (!(Math.abs(value) > tolerance * largest)) continue;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) result[i * n + j] += (vectors[i * n + k] * vectors[j * n + k]) / value;
  }
  return matrix(n, n, result);
}

/** rdrobust's qrXXinv on a Gram matrix. */
export function invertGram(g: Matrix): Matrix {
  return choleskyInverse(g) ?? pseudoInverseSymmetric(g);
}

/** rdrobust's ginv(·, tol) for the covariate adjustment, which is an ordinary inverse when the matrix has full rank. */
export function invertCovariateGram(g: Matrix, tolerance: number): Matrix {
  return pseudoInverseSymmetric(g, tolerance);
}

/**
 * Inverse of a square matrix by Gauss–Jordan elimination with partial pivoting, or null when a pivot is
 * below `tolerance` times the largest entry (the matrix is singular to working precision).
 */
export function invertSquare(m: Matrix, tolerance = 1e-12): Matrix | null {
  const n = m.rows;
  if (m.cols !== n) throw new RangeError(`invertSquare: ${m.rows}×${m.cols} is not square`);
  const work = Float64Array.from(m.values);
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inverse[i * n + i] = 1;
  let scale = 0;
  for (const value of work) scale = Math.max(scale, Math.abs(value));
  for (let column = 0; column < n; column++) {
    let pivotRow = column;
    for (let row = column + 1; row < n; row++)
      if (Math.abs(work[row * n + column]) > Math.abs(work[pivotRow * n + column])) pivotRow = row;
    const pivot = work[pivotRow * n + column];
    if (!(Math.abs(pivot) > tolerance * scale)) return null;
    if (pivotRow !== column)
      for (let j = 0; j < n; j++) {
        [work[column * n + j], work[pivotRow * n + j]] = [work[pivotRow * n + j], work[column * n + j]];
        [inverse[column * n + j], inverse[pivotRow * n + j]] = [inverse[pivotRow * n + j], inverse[column * n + j]];
      }
    for (let j = 0; j < n; j++) {
      work[column * n + j] /= pivot;
      inverse[column * n + j] /= pivot;
    }
    for (let row = 0; row < n; row++) {
      if (row === column) continue;
      const factor = work[row * n + column];
      if (factor === 0) continue;
      for (let j = 0; j < n; j++) {
        work[row * n + j] -= factor * work[column * n + j];
        inverse[row * n + j] -= factor * inverse[column * n + j];
      }
    }
  }
  return matrix(n, n, inverse);
}

/**
 * Numerical rank by elimination with complete pivoting: pivots at most `tolerance` times the largest
 * entry count as zero.
 */
export function numericalRank(m: Matrix, tolerance = 1e-10): number {
  const { rows, cols } = m;
  const work = Float64Array.from(m.values);
  let scale = 0;
  for (const value of work) scale = Math.max(scale, Math.abs(value));
  if (scale === 0) return 0;
  const rowUsed = new Uint8Array(rows);
  const colUsed = new Uint8Array(cols);
  let rank = 0;
  for (let step = 0; step < Math.min(rows, cols); step++) {
    let best = 0;
    let bestRow = -1;
    let bestCol = -1;
    for (let i = 0; i < rows; i++) {
      if (rowUsed[i]) continue;
      for (let j = 0; j < cols; j++) {
        if (colUsed[j]) continue;
        const value = Math.abs(work[i * cols + j]);
        if (value > best) [best, bestRow, bestCol] = [value, i, j];
      }
    }
    if (!(best > tolerance * scale)) break;
    rank++;
    rowUsed[bestRow] = 1;
    colUsed[bestCol] = 1;
    const pivot = work[bestRow * cols + bestCol];
    for (let i = 0; i < rows; i++) {
      if (rowUsed[i]) continue;
      const factor = work[i * cols + bestCol] / pivot;
      if (factor === 0) continue;
      for (let j = 0; j < cols; j++) work[i * cols + j] -= factor * work[bestRow * cols + j];
    }
  }
  return rank;
}
