// Dense float64 matrices for representation analysis: a representation (N samples × P features) read from a
// Tensor or any { data, shape }, column centring, Gram and cross-product matrices, and the symmetric
// eigen-decomposition (cyclic Jacobi, with eigenvectors) that PCA needs.

/** A representation: N samples × features; trailing dimensions are flattened, e.g. (N,C,D,H,W) -> (N, C·D·H·W). */
export interface RepresentationLike {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

/** A row-major float64 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/**
 * `x` as an (N, P) float64 matrix with every column's mean subtracted. Throws, naming `name`, on fewer than
 * two samples, an empty feature axis, a data length that does not fit the shape, or a non-finite value.
 */
export function centredMatrix(what: string, name: string, x: RepresentationLike): Matrix {
  if (!x || !x.shape || typeof x.data?.length !== 'number')
    throw new Error(`${what}: ${name} must be a Tensor or { data, shape }`);
  if (x.shape.length < 2) throw new Error(`${what}: ${name} must be (N, features...), got shape [${x.shape}]`);
  const rows = x.shape[0];
  const cols = x.shape.slice(1).reduce((p, d) => p * d, 1);
  if (rows < 2) throw new Error(`${what}: ${name} needs at least 2 samples, got ${rows}`);
  if (cols < 1) throw new Error(`${what}: ${name} has no features (shape [${x.shape}])`);
  if (x.data.length !== rows * cols)
    throw new Error(`${what}: ${name} has ${x.data.length} values but shape [${x.shape}] needs ${rows * cols}`);
  const data = new Float64Array(rows * cols);
  const means = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = x.data[i * cols + j];
      if (!Number.isFinite(v)) throw new Error(`${what}: ${name}[${i}][${j}] is ${v}`);
      data[i * cols + j] = v;
      means[j] += v;
    }
  }
  for (let j = 0; j < cols; j++) means[j] /= rows;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] -= means[j];
  return { rows, cols, data };
}

/** aᵀ b for a (N, P) and b (N, Q): (P, Q). */
export function crossProduct(a: Matrix, b: Matrix): Matrix {
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

/** a aᵀ for a (N, P): the (N, N) Gram matrix of the samples. */
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

/** Σ a_ij b_ij, the Frobenius inner product of two matrices of one shape. */
export function frobeniusDot(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] * b.data[i];
  return s;
}

/**
 * The eigenvalues and eigenvectors of a symmetric matrix, largest eigenvalue first, by cyclic Jacobi rotations
 * (accurate to rounding for the small, well-scaled matrices of a PCA). `vectors` is row-major (n, n) with
 * eigenvector k in column k. Only the upper triangle's symmetry is assumed, not checked.
 */
export function symmetricEigen(m: Matrix, maxSweeps = 100): { values: Float64Array; vectors: Matrix } {
  const n = m.rows;
  if (m.cols !== n) throw new Error(`symmetricEigen: the matrix is ${m.rows} × ${m.cols}, not square`);
  const a = Float64Array.from(m.data);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const off = () => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += a[i * n + j] ** 2;
    return s;
  };
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i] ** 2;
  for (let sweep = 0; sweep < maxSweeps && off() > 1e-30 * total; sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // rotate columns p and q (of the matrix and of the accumulated rotations)
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
        for (let k = 0; k < n; k++) {
          // rotate rows p and q
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from];
  });
  return { values, vectors: { rows: n, cols: n, data: vectors } };
}

/** The eigenvalues of a symmetric matrix, largest first ({@link symmetricEigen} without the vectors). */
export function symmetricEigenvalues(m: Matrix, maxSweeps = 100): Float64Array {
  return symmetricEigen(m, maxSweeps).values;
}
