// Binary logistic regression fitted to convergence, the linear probe of two-class targets: features
// X: (n, d) standardised with the fitting set's mean and std, Newton's method (float64, backtracking
// line search) on the L2-penalised mean cross-entropy, and the penalty chosen on a validation set. The
// standardisation, input checks and penalty choice here serve the multinomial probe too.
import { columnMeanStd } from '@nodulab/tensor';
import { yieldToEventLoop } from '@nodulab/platform';
import { newtonMinimize } from './newton';

/** Options of {@link fitLogisticRegression}, named as in PyTorch's cross-entropy and optimizers. */
export interface LogisticOptions {
  /** L2 penalty (weightDecay / 2)·||w||² on the weights (not the bias), > 0. */
  weightDecay: number;
  /** Cross-entropy class weights, one per class: the loss is the weighted mean over samples. */
  classWeights?: readonly number[] | null;
  /** Label smoothing ε: targets become (1 − ε)·one-hot + ε/K (K = 2 here: ε/2 and 1 − ε/2). */
  labelSmoothing?: number;
  /** Newton iterations at most (default 100). */
  maxIterations?: number;
}

/**
 * A fitted probe: P(y = 1 | x) = sigmoid(w · (x − mean) / std + bias). Features whose std is 0 on the
 * fitting set are ignored (their w is 0).
 */
export interface LogisticModel {
  d: number;
  mean: Float64Array;
  std: Float64Array;
  weight: Float64Array;
  bias: number;
  weightDecay: number;
  /** Newton iterations run, and the penalised training loss reached. */
  iterations: number;
  loss: number;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Throws naming the problem unless X: (n, d) is finite and every label y is an integer class in 0..classes-1. */
export function checkFeatures(
  what: string,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  d: number,
  classes: number,
): void {
  if (!(n >= 1) || X.length !== n * d || y.length !== n)
    throw new Error(`${what}: X has ${X.length} values and y ${y.length}, expected (${n}, ${d}) and (${n})`);
  for (let i = 0; i < n; i++)
    if (!(Number.isInteger(y[i]) && y[i] >= 0 && y[i] < classes))
      throw new Error(
        `${what}: label ${i} is ${y[i]}, expected ${classes === 2 ? '0 or 1' : `an integer class 0..${classes - 1}`}`,
      );
  for (let k = 0; k < X.length; k++)
    if (!Number.isFinite(X[k])) throw new Error(`${what}: X[${k}] is ${X[k]}, expected a finite feature`);
}

/** Z: (n, d + 1), X standardised by (mean, std) (0 where std is 0) with a constant 1 for the bias. */
export function standardisedDesign(
  X: ArrayLike<number>,
  n: number,
  d: number,
  mean: Float64Array,
  std: Float64Array,
): Float64Array {
  const D = d + 1;
  const Z = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) Z[i * D + j] = std[j] > 0 ? (X[i * d + j] - mean[j]) / std[j] : 0;
    Z[i * D + d] = 1;
  }
  return Z;
}

/** Per-sample weights c (the class weight of each label, or 1) normalised to sum to 1; throws when all are 0. */
export function sampleWeights(
  what: string,
  y: ArrayLike<number>,
  n: number,
  classWeights: readonly number[] | null,
): Float64Array {
  const c = Float64Array.from({ length: n }, (_, i) => (classWeights ? classWeights[y[i]] : 1));
  const cSum = c.reduce((a, v) => a + v, 0);
  if (!(cSum > 0)) throw new Error(`${what}: the class weights give every sample weight 0`);
  for (let i = 0; i < n; i++) c[i] /= cSum;
  return c;
}

/** Checks the options shared by the binary and multinomial fits. */
export function checkPenalty(what: string, lambda: number, eps: number): void {
  if (!(lambda > 0)) throw new Error(`${what}: weightDecay must be > 0, got ${lambda}`);
  if (!(eps >= 0 && eps <= 1)) throw new Error(`${what}: labelSmoothing must be in [0, 1], got ${eps}`);
}

/** The logits z = w · (x − mean) / std + bias of X: (n, d). */
export function logisticLogits(m: LogisticModel, X: ArrayLike<number>, n: number): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = m.bias;
    for (let j = 0; j < m.d; j++) if (m.std[j] > 0) s += (m.weight[j] * (X[i * m.d + j] - m.mean[j])) / m.std[j];
    z[i] = s;
  }
  return z;
}

/** The (class-weighted) mean cross-entropy of `m` on (X, y), without the penalty. */
export function logisticLoss(
  m: LogisticModel,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  classWeights?: readonly number[] | null,
): number {
  const z = logisticLogits(m, X, n);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = classWeights ? classWeights[y[i]] : 1;
    sum += c * softplus(y[i] === 1 ? -z[i] : z[i]);
    total += c;
  }
  return sum / total;
}

/**
 * Fits P(y = 1 | x) to (X: (n, d), y ∈ {0, 1}) by minimising the mean cross-entropy plus
 * (weightDecay / 2)·||w||² on standardised features, with Newton's method to convergence (the step's
 * largest component below 1e-9, or the loss no longer falling). Throws naming a bad input.
 */
export function fitLogisticRegression(
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  d: number,
  options: LogisticOptions,
): LogisticModel {
  checkFeatures('fitLogisticRegression', X, y, n, d, 2);
  const { weightDecay: lambda, classWeights = null, labelSmoothing: eps = 0, maxIterations = 100 } = options;
  checkPenalty('fitLogisticRegression', lambda, eps);
  const { mean, std } = columnMeanStd(X, n, d);
  // Z: (n, d + 1) standardised features and a constant 1 for the bias; c: sample weights summing to 1.
  const D = d + 1;
  const Z = standardisedDesign(X, n, d, mean, std);
  const c = sampleWeights('fitLogisticRegression', y, n, classWeights);
  const t = Float64Array.from({ length: n }, (_, i) => (y[i] === 1 ? 1 - eps / 2 : eps / 2));
  const logits = (w: Float64Array): Float64Array => {
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += w[j] * Z[i * D + j];
      z[i] = s;
    }
    return z;
  };
  const objective = (w: Float64Array): number => {
    const z = logits(w);
    let f = 0;
    for (let i = 0; i < n; i++) f += c[i] * (t[i] * softplus(-z[i]) + (1 - t[i]) * softplus(z[i]));
    for (let j = 0; j < d; j++) f += 0.5 * lambda * w[j] * w[j];
    return f;
  };
  const gradientHessian = (w: Float64Array) => {
    const z = logits(w);
    const g = new Float64Array(D);
    const H = new Float64Array(D * D);
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-z[i]));
      const r = c[i] * (p - t[i]);
      const s = c[i] * p * (1 - p);
      for (let a = 0; a < D; a++) {
        const za = Z[i * D + a];
        if (za === 0) continue;
        g[a] += r * za;
        for (let b = 0; b <= a; b++) H[a * D + b] += s * za * Z[i * D + b];
      }
    }
    for (let a = 0; a < D; a++) for (let b = 0; b < a; b++) H[b * D + a] = H[a * D + b];
    for (let j = 0; j < d; j++) {
      g[j] += lambda * w[j];
      H[j * D + j] += lambda;
    }
    H[d * D + d] += 1e-12;
    return { g, H };
  };
  const { w, loss, iterations } = newtonMinimize(objective, gradientHessian, D, maxIterations);
  const weight = w.slice(0, d);
  return { d, mean, std, weight, bias: w[d], weightDecay: lambda, iterations, loss };
}

/** One candidate penalty of {@link fitLogisticProbe}: its losses on the fitting and validation sets. */
export interface PenaltyTrial {
  weightDecay: number;
  trainLoss: number;
  valLoss: number;
}

/** Features and integer class labels (0/1 for the binary probe) of n samples: X: (n, d). */
export interface LabelledFeatures {
  X: ArrayLike<number>;
  y: ArrayLike<number>;
  n: number;
}

/**
 * Fits one model per penalty of `weightDecays` (in order, yielding to the event loop between fits) and keeps
 * the one with the least validation loss; the binary and multinomial probes both choose their penalty here.
 */
export async function choosePenalty<M>(
  what: string,
  weightDecays: readonly number[],
  fit: (weightDecay: number) => M,
  trainLoss: (m: M) => number,
  valLoss: (m: M) => number,
): Promise<{ model: M; trials: PenaltyTrial[] }> {
  if (weightDecays.length === 0) throw new Error(`${what}: weightDecays is empty`);
  let best: M | null = null;
  let bestLoss = Infinity;
  const trials: PenaltyTrial[] = [];
  for (const weightDecay of weightDecays) {
    const m = fit(weightDecay);
    const v = valLoss(m);
    trials.push({ weightDecay, trainLoss: trainLoss(m), valLoss: v });
    if (v < bestLoss) {
      bestLoss = v;
      best = m;
    }
    await yieldToEventLoop();
  }
  if (best === null) throw new Error(`${what}: no penalty gave a finite validation loss (${JSON.stringify(trials)})`);
  return { model: best, trials };
}

/**
 * The linear-probe protocol: a logistic regression fitted to convergence on `train` for each of
 * `weightDecays`, keeping the one with the least (class-weighted) cross-entropy on `val`. Yields to
 * the event loop between fits.
 */
export async function fitLogisticProbe(
  train: LabelledFeatures,
  val: LabelledFeatures,
  d: number,
  weightDecays: readonly number[],
  options: Omit<LogisticOptions, 'weightDecay'> = {},
): Promise<{ model: LogisticModel; trials: PenaltyTrial[] }> {
  if (weightDecays.length === 0) throw new Error('fitLogisticProbe: weightDecays is empty');
  checkFeatures('fitLogisticProbe (val)', val.X, val.y, val.n, d, 2);
  return choosePenalty(
    'fitLogisticProbe',
    weightDecays,
    (weightDecay) => fitLogisticRegression(train.X, train.y, train.n, d, { ...options, weightDecay }),
    (m) => logisticLoss(m, train.X, train.y, train.n, options.classWeights),
    (m) => logisticLoss(m, val.X, val.y, val.n, options.classWeights),
  );
}
