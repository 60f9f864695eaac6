// The symmetric eigen-decomposition A = V diag(w) Vᵀ of a small dense A: (n, n) row-major float64, by cyclic
// Jacobi rotations: eigenvalues largest first, eigenvectors in the columns of V. PCA and its spectrum rest on it.
import { Matrix } from './matrix';

/**
 * The eigenvalues and eigenvectors of a symmetric matrix m: (n, n), largest eigenvalue first, by cyclic Jacobi
 * rotations until the off-diagonal mass is below 1e-30 of the total (accurate to rounding for the small,
 * well-scaled matrices of a PCA). `vectors` is row-major (n, n) with eigenvector k in column k, orthonormal, so
 * m = V diag(values) Vᵀ. The symmetry of m is assumed, not checked.
 * @throws when m is not square or its data does not hold n² values
 */
export function symmetricEigen(m: Matrix, maxSweeps = 100): { values: Float64Array; vectors: Matrix } {
  const n = m.rows;
  if (m.cols !== n) throw new Error(`symmetricEigen: the matrix is ${m.rows} × ${m.cols}, not square`);
  if (m.data.length !== n * n)
    throw new Error(`symmetricEigen: the matrix holds ${m.data.length} values but ${n} × ${n} needs ${n * n}`);
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

/** The eigenvalues (n) of a symmetric m: (n, n), largest first ({@link symmetricEigen} without the vectors). */
export function symmetricEigenvalues(m: Matrix, maxSweeps = 100): Float64Array {
  return symmetricEigen(m, maxSweeps).values;
}
