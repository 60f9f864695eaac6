// Cholesky factorization A = L Lᵀ of a symmetric positive definite A: (d, d), and the solve of A X = B for
// B: (d, k), all row-major float64, without pivoting (an SPD matrix needs none). Ridge regressions and the
// Newton steps of nodulab's fitted probes solve their normal equations here.

/** L: (d, d) with A = L Lᵀ; errors name `what`, the exported routine that was called. */
function factor(what: string, A: ArrayLike<number>, d: number): Float64Array {
  if (!(Number.isInteger(d) && d >= 1)) throw new Error(`${what}: d must be a positive integer, got ${d}`);
  if (A.length !== d * d) throw new Error(`${what}: A has ${A.length} values but (${d}, ${d}) needs ${d * d}`);
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j];
      for (let p = 0; p < j; p++) s -= L[i * d + p] * L[j * d + p];
      if (i === j) {
        if (!(s > 0)) throw new Error(`${what}: matrix is not positive definite (pivot ${i} = ${s})`);
        L[i * d + i] = Math.sqrt(s);
      } else L[i * d + j] = s / L[j * d + j];
    }
  }
  return L;
}

/**
 * The lower-triangular Cholesky factor L: (d, d) of a symmetric positive definite A: (d, d), row-major, with
 * A = L Lᵀ and a positive diagonal; the upper triangle of L is 0. Only A's lower triangle is read.
 * @throws when a pivot is not positive (A is not positive definite, or holds NaN), naming the pivot
 */
export function cholesky(A: ArrayLike<number>, d: number): Float64Array {
  return factor('cholesky', A, d);
}

/**
 * Solves A X = B for a symmetric positive definite A: (d, d) and B: (d, k), both row-major, by {@link cholesky}
 * and a forward then a backward triangular solve per column of B; returns X: (d, k). B is not modified.
 * @throws when A is not positive definite (naming the pivot) or a length does not fit (d, d) and (d, k)
 */
export function choleskySolve(A: ArrayLike<number>, B: ArrayLike<number>, d: number, k: number): Float64Array {
  if (B.length !== d * k) throw new Error(`choleskySolve: B has ${B.length} values but (${d}, ${k}) needs ${d * k}`);
  const L = factor('choleskySolve', A, d);
  const X = Float64Array.from(B);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) {
      let s = X[i * k + c];
      for (let p = 0; p < i; p++) s -= L[i * d + p] * X[p * k + c];
      X[i * k + c] = s / L[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = X[i * k + c];
      for (let p = i + 1; p < d; p++) s -= L[p * d + i] * X[p * k + c];
      X[i * k + c] = s / L[i * d + i];
    }
  }
  return X;
}
