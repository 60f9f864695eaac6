// Newton's method with a backtracking line search, in float64, which the binary and the multinomial logistic
// regressions of the fitted probes both minimise with; each step is a Cholesky solve (@nodulab/tensor's linalg).
import { choleskySolve } from '@nodulab/tensor';

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
