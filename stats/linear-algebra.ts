/**
 * Dense linear algebra for the small symmetric systems of regression (p up to a few hundred).
 * Matrices are row-major Float64Arrays of p*p entries.
 */

export class SingularMatrixError extends Error {
  constructor(
    readonly pivotIndex: number,
    readonly pivotValue: number,
    readonly context: string,
  ) {
    super(
      `${context}: the matrix is singular or nearly so (pivot ${pivotIndex} = ${pivotValue.toExponential(3)}). ` +
        'A regressor is constant or a linear combination of others; drop or recode it.',
    );
    this.name = 'SingularMatrixError';
  }
}

/** Cholesky factor L (lower, row-major) of a symmetric positive definite matrix. */
export function cholesky(matrix: Float64Array, size: number, context = 'cholesky'): Float64Array {
  const lower = new Float64Array(size * size);
  let scale = 0;
  for (let i = 0; i < size; i++) scale = Math.max(scale, Math.abs(matrix[i * size + i]));
  const tolerance = Math.max(scale, 1) * 1e-13;
  for (let j = 0; j < size; j++) {
    let diagonal = matrix[j * size + j];
    for (let k = 0; k < j; k++) diagonal -= lower[j * size + k] ** 2;
    if (!(diagonal > tolerance)) throw new SingularMatrixError(j, diagonal, context);
    const root = Math.sqrt(diagonal);
    lower[j * size + j] = root;
    for (let i = j + 1; i < size; i++) {
      let sum = matrix[i * size + j];
      for (let k = 0; k < j; k++) sum -= lower[i * size + k] * lower[j * size + k];
      lower[i * size + j] = sum / root;
    }
  }
  return lower;
}

/** Inverse of a symmetric positive definite matrix through its Cholesky factor. */
export function inverseSymmetric(matrix: Float64Array, size: number, context = 'inverse'): Float64Array {
  const lower = cholesky(matrix, size, context);
  // Invert L column by column by forward substitution, then form (L^-1)' L^-1.
  const lowerInverse = new Float64Array(size * size);
  for (let column = 0; column < size; column++) {
    for (let i = column; i < size; i++) {
      let sum = i === column ? 1 : 0;
      for (let k = column; k < i; k++) sum -= lower[i * size + k] * lowerInverse[k * size + column];
      lowerInverse[i * size + column] = sum / lower[i * size + i];
    }
  }
  const inverse = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = i; k < size; k++) sum += lowerInverse[k * size + i] * lowerInverse[k * size + j];
      inverse[i * size + j] = sum;
      inverse[j * size + i] = sum;
    }
  }
  return inverse;
}

/** A·x for a square, row-major size × size matrix. */
export function multiplyMatrixVector(matrix: Float64Array, size: number, vector: ArrayLike<number>): Float64Array {
  const result = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let j = 0; j < size; j++) sum += matrix[i * size + j] * vector[j];
    result[i] = sum;
  }
  return result;
}

/** A·B for square, row-major size × size matrices. */
export function multiplyMatrices(a: Float64Array, b: Float64Array, size: number): Float64Array {
  const result = new Float64Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let k = 0; k < size; k++) sum += a[i * size + k] * b[k * size + j];
      result[i * size + j] = sum;
    }
  return result;
}

/** Bread · meat · bread, the sandwich form of robust variance estimators. */
export function sandwich(bread: Float64Array, meat: Float64Array, size: number): Float64Array {
  return multiplyMatrices(multiplyMatrices(bread, meat, size), bread, size);
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: eigenvalues, and the eigenvectors as the
 * columns of a row-major size × size matrix. Stops when the off-diagonal mass is 1e-30 of the diagonal's.
 */
export function symmetricEigen(matrix: Float64Array, size: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const q = new Float64Array(size * size);
  for (let i = 0; i < size; i++) q[i * size + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let offDiagonal = 0;
    let diagonal = 0;
    for (let i = 0; i < size; i++) {
      diagonal += a[i * size + i] ** 2;
      for (let j = i + 1; j < size; j++) offDiagonal += a[i * size + j] ** 2;
    }
    if (offDiagonal <= 1e-30 * diagonal) break;
    for (let p = 0; p < size; p++) {
      for (let r = p + 1; r < size; r++) {
        const apr = a[p * size + r];
        if (Math.abs(apr) < 1e-300) continue;
        const theta = (a[r * size + r] - a[p * size + p]) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p];
          const akr = a[k * size + r];
          a[k * size + p] = c * akp - s * akr;
          a[k * size + r] = s * akp + c * akr;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k];
          const ark = a[r * size + k];
          a[p * size + k] = c * apk - s * ark;
          a[r * size + k] = s * apk + c * ark;
        }
        for (let k = 0; k < size; k++) {
          const qkp = q[k * size + p];
          const qkr = q[k * size + r];
          q[k * size + p] = c * qkp - s * qkr;
          q[k * size + r] = s * qkp + c * qkr;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: size }, (_, i) => a[i * size + i]), vectors: q };
}
