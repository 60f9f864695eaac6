// Dense float64 numerics for the small systems of nodulab's probes: a Cholesky solve of a symmetric positive
// definite system A x = B, with A: (d, d) and B: (d, k) row-major, and Newton's method with a backtracking line
// search, which the binary and the multinomial logistic regressions both minimise with.

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

/** Where {@link newtonMinimize} stopped. */
export interface NewtonResult {
  w: Float64Array;
  /** The objective at `w`. */
  loss: number;
  iterations: number;
}

/**
 * Minimises a smooth convex `objective` of `size` parameters from 0 by Newton's method: each iteration solves
 * H·step = g (`gradientHessian` gives g (size) and a symmetric positive definite H (size, size), row-major),
 * then halves the step until the objective falls enough (Armijo). Stops when the step's largest component is
 * below 1e-9, the objective no longer falls, or after `maxIterations`.
 */
export function newtonMinimize(
  objective: (w: Float64Array) => number,
  gradientHessian: (w: Float64Array) => { g: Float64Array; H: Float64Array },
  size: number,
  maxIterations: number,
): NewtonResult {
  let w = new Float64Array(size);
  let f = objective(w);
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    const { g, H } = gradientHessian(w);
    const step = choleskySolve(H, g, size, 1);
    const slope = step.reduce((a, v, j) => a + v * g[j], 0);
    let alpha = 1;
    let next = w;
    let fNext = f;
    for (let k = 0; k < 30; k++) {
      const cand = w.map((v, j) => v - alpha * step[j]);
      const fc = objective(cand);
      if (fc <= f - 1e-4 * alpha * slope) {
        next = cand;
        fNext = fc;
        break;
      }
      alpha /= 2;
    }
    const moved = Math.max(...step.map((v) => Math.abs(alpha * v)));
    const done = next === w || moved < 1e-9 || f - fNext < 1e-14;
    w = next;
    f = fNext;
    if (done) break;
  }
  return { w, loss: f, iterations };
}
