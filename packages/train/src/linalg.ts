// Dense float64 linear algebra for the small systems of nodulab's probes: a Cholesky solve of a
// symmetric positive definite system A x = B, with A: (d, d) and B: (d, k) row-major.

/** Solves A x = B for symmetric positive definite A (d, d) and B (d, k) by Cholesky; returns x (d, k). */
export function choleskySolve(A: Float64Array, B: Float64Array, d: number, k: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j];
      for (let p = 0; p < j; p++) s -= L[i * d + p] * L[j * d + p];
      if (i === j) {
        if (!(s > 0)) throw new Error(`choleskySolve: matrix is not positive definite (pivot ${i} = ${s})`);
        L[i * d + i] = Math.sqrt(s);
      } else L[i * d + j] = s / L[j * d + j];
    }
  }
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
