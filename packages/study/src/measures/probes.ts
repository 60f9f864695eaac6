// Linear probes: ridge regression from frozen embeddings X: (N, d) to a factor, scored on held-out
// samples — R^2 for continuous factors, accuracy (one-vs-rest ridge classifier) for categorical ones.
// The ridge strength is picked by k-fold cross-validation on the fitting samples. All in float64.
import { choleskySolve } from '@nodulab/tensor';

/** A fitted ridge model on standardized features: y ≈ ((x - mu) / sigma) · w + b, per output. */
export interface RidgeModel {
  d: number;
  outputs: number;
  mu: Float64Array;
  sigma: Float64Array;
  /** w: (d, outputs), row-major. */
  w: Float64Array;
  b: Float64Array;
  lambda: number;
}

function rowsOf(X: ArrayLike<number>, d: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = X[r * d + j];
  });
  return out;
}

/**
 * Fits ridge regression of Y: (n, k) on X: (n, d) with penalty `lambda` on standardized features
 * (features with zero variance are ignored); the intercept is not penalized.
 */
export function fitRidge(
  X: ArrayLike<number>,
  Y: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  lambda: number,
): RidgeModel {
  if (X.length !== n * d || Y.length !== n * k)
    throw new Error(`fitRidge: X has ${X.length} values and Y ${Y.length}, expected (${n}, ${d}) and (${n}, ${k})`);
  if (n < 2) throw new Error(`fitRidge: needs at least 2 samples, got ${n}`);
  if (!(lambda > 0)) throw new Error(`fitRidge: lambda must be > 0, got ${lambda}`);
  const mu = new Float64Array(d);
  const sigma = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[i * d + j];
    mu[j] = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (X[i * d + j] - mu[j]) ** 2;
    sigma[j] = Math.sqrt(v / n);
  }
  const Z = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) Z[i * d + j] = sigma[j] > 1e-12 ? (X[i * d + j] - mu[j]) / sigma[j] : 0;
  const b = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Y[i * k + c];
    b[c] = s / n;
  }
  const A = new Float64Array(d * d);
  const R = new Float64Array(d * k);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < d; p++) {
      const zp = Z[i * d + p];
      if (zp === 0) continue;
      for (let q = 0; q <= p; q++) A[p * d + q] += zp * Z[i * d + q];
      for (let c = 0; c < k; c++) R[p * k + c] += zp * (Y[i * k + c] - b[c]);
    }
  }
  for (let p = 0; p < d; p++) {
    for (let q = 0; q < p; q++) A[q * d + p] = A[p * d + q];
    A[p * d + p] += lambda;
  }
  return { d, outputs: k, mu, sigma, w: choleskySolve(A, R, d, k), b, lambda };
}

/** Predictions (n, outputs) of a ridge model for X: (n, d). */
export function predictRidge(m: RidgeModel, X: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * m.outputs);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < m.outputs; c++) {
      let s = m.b[c];
      for (let j = 0; j < m.d; j++)
        if (m.sigma[j] > 1e-12) s += ((X[i * m.d + j] - m.mu[j]) / m.sigma[j]) * m.w[j * m.outputs + c];
      out[i * m.outputs + c] = s;
    }
  }
  return out;
}

/** R^2 = 1 - SSE / SST of predictions against targets (NaN when the targets are constant). */
export function rSquared(y: ArrayLike<number>, pred: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < y.length; i++) m += y[i];
  m /= y.length;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++) {
    sse += (y[i] - pred[i]) ** 2;
    sst += (y[i] - m) ** 2;
  }
  return sst > 0 ? 1 - sse / sst : NaN;
}

/** The ridge strengths cross-validation chooses from (features are standardized). */
export const RIDGE_LAMBDAS = [1e-2, 1e-1, 1, 10, 100, 1000];

/** The lambda of `lambdas` with the least k-fold (contiguous folds) squared error on (X, Y). */
export function chooseLambda(
  X: ArrayLike<number>,
  Y: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  folds = 5,
  lambdas = RIDGE_LAMBDAS,
): number {
  const f = Math.max(2, Math.min(folds, n));
  let best = lambdas[0];
  let bestErr = Infinity;
  for (const lambda of lambdas) {
    let err = 0;
    for (let fold = 0; fold < f; fold++) {
      const lo = Math.floor((fold * n) / f);
      const hi = Math.floor(((fold + 1) * n) / f);
      const fitRows = Array.from({ length: n }, (_, i) => i).filter((i) => i < lo || i >= hi);
      const testRows = Array.from({ length: hi - lo }, (_, i) => lo + i);
      if (fitRows.length < 2 || testRows.length === 0) continue;
      const m = fitRidge(rowsOf(X, d, fitRows), rowsOf(Y, k, fitRows), fitRows.length, d, k, lambda);
      const p = predictRidge(m, rowsOf(X, d, testRows), testRows.length);
      const yt = rowsOf(Y, k, testRows);
      for (let i = 0; i < p.length; i++) err += (p[i] - yt[i]) ** 2;
    }
    if (err < bestErr) {
      bestErr = err;
      best = lambda;
    }
  }
  return best;
}

/** The score of one probe. */
export interface ProbeResult {
  kind: 'r2' | 'accuracy';
  /** Held-out R^2 or accuracy; NaN when the target does not vary. */
  score: number;
  /** What a probe without features scores: 0 for R^2, the majority class's share for accuracy. */
  baseline: number;
  nFit: number;
  nTest: number;
  lambda: number;
}

/**
 * Probes `target` from embeddings X: (n, d): the first n - round(holdout·n) samples fit the probe
 * (lambda by 5-fold CV), the rest score it. Numbers → R^2; strings/booleans → accuracy of a
 * one-vs-rest ridge classifier (argmax of the class scores).
 */
export function probe(
  X: ArrayLike<number>,
  n: number,
  d: number,
  target: readonly (number | string | boolean)[],
  holdout = 0.3,
): ProbeResult {
  if (target.length !== n) throw new Error(`probe: ${target.length} targets for ${n} embeddings`);
  const nTest = Math.round(holdout * n);
  const nFit = n - nTest;
  if (nFit < 4 || nTest < 2)
    throw new Error(`probe: needs at least 4 fitting and 2 held-out samples, got ${nFit} and ${nTest} (n = ${n})`);
  const fitRows = Array.from({ length: nFit }, (_, i) => i);
  const testRows = Array.from({ length: nTest }, (_, i) => nFit + i);
  const Xf = rowsOf(X, d, fitRows);
  const Xt = rowsOf(X, d, testRows);
  if (target.every((t) => typeof t === 'number')) {
    const y = target as number[];
    const yf = Float64Array.from(fitRows, (i) => y[i]);
    const yt = Float64Array.from(testRows, (i) => y[i]);
    const constant = yf.every((v) => v === yf[0]);
    if (constant) return { kind: 'r2', score: NaN, baseline: 0, nFit, nTest, lambda: NaN };
    const lambda = chooseLambda(Xf, yf, nFit, d, 1);
    const p = predictRidge(fitRidge(Xf, yf, nFit, d, 1, lambda), Xt, nTest);
    return { kind: 'r2', score: rSquared(yt, p), baseline: 0, nFit, nTest, lambda };
  }
  const keys = target.map((t) => String(t));
  const classes = [...new Set(fitRows.map((i) => keys[i]))].sort();
  const counts = classes.map((c) => fitRows.filter((i) => keys[i] === c).length);
  const majority = classes[counts.indexOf(Math.max(...counts))];
  const baseline = testRows.filter((i) => keys[i] === majority).length / nTest;
  if (classes.length < 2) return { kind: 'accuracy', score: NaN, baseline, nFit, nTest, lambda: NaN };
  const k = classes.length;
  const Yf = new Float64Array(nFit * k);
  fitRows.forEach((r, i) => (Yf[i * k + classes.indexOf(keys[r])] = 1));
  const lambda = chooseLambda(Xf, Yf, nFit, d, k);
  const p = predictRidge(fitRidge(Xf, Yf, nFit, d, k, lambda), Xt, nTest);
  let correct = 0;
  testRows.forEach((r, i) => {
    let arg = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + arg]) arg = c;
    if (classes[arg] === keys[r]) correct++;
  });
  return { kind: 'accuracy', score: correct / nTest, baseline, nFit, nTest, lambda };
}
