/**
 * Frank–Wolfe with exact line search for simplex-constrained ridge regression,
 *   min over x in the unit simplex of  ζ²·‖x‖² + ‖A·x − b‖² / rows,
 * the problem behind synthetic-control unit weights and synthetic-DiD time weights (Arkhangelsky et al.
 * 2021, as R synthdid's sc.weight.fw solves it: optional column demeaning for an intercept, a start at the
 * uniform vector, and a stop once one iteration lowers the objective by less than minDecrease²).
 */
import { multiplyMatrixVector } from '../linear-algebra.js';

/** A row-major matrix whose last column is the target b and whose first `cols − 1` columns form A. */
export interface WeightProblem {
  readonly values: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

export interface WeightSolverOptions {
  /** The ridge penalty ζ (the objective uses ζ²). */
  readonly zeta: number;
  /** Demean every column first, which is the same as fitting a free intercept. */
  readonly intercept: boolean;
  /** Where to start; the uniform vector when absent. */
  readonly start?: Float64Array;
  readonly minDecrease: number;
  readonly maxIterations: number;
}

export interface WeightSolution {
  readonly weights: Float64Array;
  readonly iterations: number;
  readonly objective: number;
}

function demeanedColumns(problem: WeightProblem): Float64Array {
  const { values, rows, cols } = problem;
  const result = Float64Array.from(values);
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += values[i * cols + j];
    const mean = sum / rows;
    for (let i = 0; i < rows; i++) result[i * cols + j] -= mean;
  }
  return result;
}

/** A·x − b for the current x, into `residual`. */
function fitResidual(matrix: Float64Array, rows: number, cols: number, x: Float64Array, residual: Float64Array): void {
  const width = cols - 1;
  for (let i = 0; i < rows; i++) {
    const offset = i * cols;
    let sum = 0;
    for (let j = 0; j < width; j++) sum += matrix[offset + j] * x[j];
    residual[i] = sum - matrix[offset + width];
  }
}

/** Above this many Gram entries (32 MB) the gradient is computed from A itself at each step. */
const GRAM_LIMIT = 4_000_000;

function gramMatrix(matrix: Float64Array, rows: number, cols: number): Float64Array {
  const width = cols - 1;
  const gram = new Float64Array(width * width);
  for (let i = 0; i < rows; i++) {
    const offset = i * cols;
    for (let j = 0; j < width; j++) {
      const a = matrix[offset + j];
      if (a === 0) continue;
      for (let k = j; k < width; k++) gram[j * width + k] += a * matrix[offset + k];
    }
  }
  for (let j = 0; j < width; j++) for (let k = 0; k < j; k++) gram[j * width + k] = gram[k * width + j];
  return gram;
}

/** Aᵀb. */
function columnTargetProducts(matrix: Float64Array, rows: number, cols: number): Float64Array {
  const width = cols - 1;
  const products = new Float64Array(width);
  for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) products[j] += matrix[i * cols + j] * matrix[i * cols + width];
  return products;
}

export function solveSimplexWeights(problem: WeightProblem, options: WeightSolverOptions): WeightSolution {
  const { rows, cols } = problem;
  const width = cols - 1;
  const matrix = options.intercept ? demeanedColumns(problem) : problem.values;
  const x = options.start ? Float64Array.from(options.start) : new Float64Array(width).fill(1 / width);
  if (x.length !== width) throw new RangeError(`start has ${x.length} weights, the problem ${width}`);
  const zetaSquared = options.zeta * options.zeta;
  const eta = rows * zetaSquared;
  const threshold = options.minDecrease * options.minDecrease;
  const residual = new Float64Array(rows);
  const halfGradient = new Float64Array(width);
  const errorChange = new Float64Array(rows);
  let previous = Number.NaN;
  let current = Number.NaN;
  let iterations = 0;
  // With few columns the gradient Aᵀ(A·x − b) comes from the Gram matrix, updated in O(columns) per step.
  const gram = width * width <= GRAM_LIMIT ? gramMatrix(matrix, rows, cols) : null;
  const targetProducts = gram ? columnTargetProducts(matrix, rows, cols) : new Float64Array(0);
  const gramTimesX = gram ? multiplyMatrixVector(gram, width, x) : new Float64Array(0);
  // The residual A·x − b is carried from step to step: a step moves it by a fraction of (A[, vertex] − A·x).
  fitResidual(matrix, rows, cols, x, residual);
  while (iterations < options.maxIterations && (iterations < 2 || previous - current > threshold)) {
    iterations++;
    if (gram) for (let j = 0; j < width; j++) halfGradient[j] = gramTimesX[j] - targetProducts[j];
    else {
      halfGradient.fill(0);
      for (let i = 0; i < rows; i++) {
        const offset = i * cols;
        const r = residual[i];
        for (let j = 0; j < width; j++) halfGradient[j] += r * matrix[offset + j];
      }
    }
    let vertex = 0;
    for (let j = 0; j < width; j++) {
      halfGradient[j] += eta * x[j];
      if (halfGradient[j] < halfGradient[vertex]) vertex = j;
    }
    // The step moves x towards the simplex vertex with the smallest gradient, by the exact line search.
    let directionalDerivative = 0;
    let directionNormSquared = 0;
    let moves = false;
    for (let j = 0; j < width; j++) {
      const d = j === vertex ? 1 - x[j] : -x[j];
      if (d !== 0) moves = true;
      directionalDerivative += halfGradient[j] * d;
      directionNormSquared += d * d;
    }
    if (moves) {
      let errorChangeSquared = 0;
      for (let i = 0; i < rows; i++) {
        // A[, vertex] − A·x = (A[, vertex] − b) − (A·x − b)
        const change = matrix[i * cols + vertex] - matrix[i * cols + width] - residual[i];
        errorChange[i] = change;
        errorChangeSquared += change * change;
      }
      const step = Math.min(1, Math.max(0, -directionalDerivative / (errorChangeSquared + eta * directionNormSquared)));
      for (let j = 0; j < width; j++) x[j] += step * ((j === vertex ? 1 : 0) - x[j]);
      for (let i = 0; i < rows; i++) residual[i] += step * errorChange[i];
      if (gram) for (let j = 0; j < width; j++) gramTimesX[j] += step * (gram[j * width + vertex] - gramTimesX[j]);
    }
    let penalty = 0;
    for (let j = 0; j < width; j++) penalty += x[j] * x[j];
    let fit = 0;
    for (let i = 0; i < rows; i++) fit += residual[i] * residual[i];
    previous = current;
    current = zetaSquared * penalty + fit / rows;
  }
  return { weights: x, iterations, objective: current };
}

/** synthdid's sparsifier: weights at or below a quarter of the largest become zero, the rest are rescaled. */
export function sparsify(weights: Float64Array): Float64Array {
  let largest = -Infinity;
  for (const w of weights) largest = Math.max(largest, w);
  const result = Float64Array.from(weights, (w) => (w <= largest / 4 ? 0 : w));
  let sum = 0;
  for (const w of result) sum += w;
  for (let j = 0; j < result.length; j++) result[j] /= sum;
  return result;
}
