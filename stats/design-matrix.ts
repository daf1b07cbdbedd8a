/**
 * Row-major design matrices (n rows × k columns in one Float64Array) and the weighted cross products that
 * regressions and influence functions are built from.
 */
export interface DesignMatrix {
  readonly rows: number;
  readonly columns: number;
  /** values[i * columns + j] = x_ij */
  readonly values: Float64Array;
}

export function interceptOnly(rows: number): DesignMatrix {
  return { rows, columns: 1, values: new Float64Array(rows).fill(1) };
}

export function isInterceptOnly(design: DesignMatrix): boolean {
  return design.columns === 1;
}

/** Σ_i w_i x_i x_i' (k × k). */
export function weightedCrossProduct(design: DesignMatrix, weights: ArrayLike<number>): Float64Array {
  const k = design.columns;
  const result = new Float64Array(k * k);
  const x = design.values;
  for (let i = 0; i < design.rows; i++) {
    const w = weights[i];
    if (w === 0) continue;
    const offset = i * k;
    for (let a = 0; a < k; a++) {
      const wa = w * x[offset + a];
      for (let b = 0; b <= a; b++) result[a * k + b] += wa * x[offset + b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) result[b * k + a] = result[a * k + b];
  return result;
}

/** Σ_i w_i x_i (k). */
export function weightedColumnSums(design: DesignMatrix, weights: ArrayLike<number>): Float64Array {
  const k = design.columns;
  const result = new Float64Array(k);
  for (let i = 0; i < design.rows; i++) {
    const w = weights[i];
    if (w === 0) continue;
    for (let a = 0; a < k; a++) result[a] += w * design.values[i * k + a];
  }
  return result;
}

/** x_i' v for every row i. */
export function rowDotProducts(design: DesignMatrix, vector: ArrayLike<number>): Float64Array {
  const k = design.columns;
  const result = new Float64Array(design.rows);
  for (let i = 0; i < design.rows; i++) {
    let sum = 0;
    for (let a = 0; a < k; a++) sum += design.values[i * k + a] * vector[a];
    result[i] = sum;
  }
  return result;
}

/** Rows of a design matrix selected by index. */
export function selectRows(design: DesignMatrix, rows: ArrayLike<number>): DesignMatrix {
  const k = design.columns;
  const values = new Float64Array(rows.length * k);
  for (let r = 0; r < rows.length; r++) values.set(design.values.subarray(rows[r] * k, rows[r] * k + k), r * k);
  return { rows: rows.length, columns: k, values };
}
