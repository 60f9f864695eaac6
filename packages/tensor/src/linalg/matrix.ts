// The dense float64 matrix of nodulab's small numerics (row-major (rows, cols)) and its products: the cross
// product aᵀb, the sample Gram matrix aaᵀ and the Frobenius inner product.

/** A row-major float64 matrix: entry (i, j) at data[i * cols + j]. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** aᵀ b for a: (N, P) and b: (N, Q): (P, Q). Throws when the row counts differ. */
export function crossProduct(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) throw new Error(`crossProduct: a has ${a.rows} rows but b has ${b.rows}`);
  const out = new Float64Array(a.cols * b.cols);
  for (let i = 0; i < a.rows; i++) {
    const ar = i * a.cols;
    const br = i * b.cols;
    for (let p = 0; p < a.cols; p++) {
      const v = a.data[ar + p];
      if (v === 0) continue;
      const o = p * b.cols;
      for (let q = 0; q < b.cols; q++) out[o + q] += v * b.data[br + q];
    }
  }
  return { rows: a.cols, cols: b.cols, data: out };
}

/** a aᵀ for a: (N, P): the (N, N) Gram matrix of the samples (rows), symmetric by construction. */
export function gram(a: Matrix): Matrix {
  const n = a.rows;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += a.data[i * a.cols + k] * a.data[j * a.cols + k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return { rows: n, cols: n, data: out };
}

/** Σ a_ij b_ij, the Frobenius inner product of two matrices of one shape. Throws when the shapes differ. */
export function frobeniusDot(a: Matrix, b: Matrix): number {
  if (a.rows !== b.rows || a.cols !== b.cols)
    throw new Error(`frobeniusDot: a is ${a.rows} × ${a.cols} but b is ${b.rows} × ${b.cols}`);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] * b.data[i];
  return s;
}
