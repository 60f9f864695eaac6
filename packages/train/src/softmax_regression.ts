// Multinomial (softmax) logistic regression fitted to convergence, the linear probe of K-class targets:
// P(y = k | x) = softmax_k(W (x − mean) / std + b) with W: (K, d), fitted by Newton's method on the
// L2-penalised mean cross-entropy of standardised features, the penalty chosen on a validation set. It shares
// the binary probe's standardisation, checks, Newton solver and penalty choice (logistic_regression.ts).
import { columnMeanStd } from '@nodulab/tensor';
import { newtonMinimize } from './newton';
import {
  LabelledFeatures,
  LogisticModel,
  LogisticOptions,
  PenaltyTrial,
  checkFeatures,
  checkPenalty,
  choosePenalty,
  sampleWeights,
  standardisedDesign,
} from './logistic_regression';

/**
 * A fitted K-class probe: logits z_k = Σ_j weight[k·d + j]·(x_j − mean_j) / std_j + bias_k, as
 * `nn.Linear(d, K)` on standardised features. Features whose std is 0 on the fitting set are ignored.
 */
export interface SoftmaxModel {
  d: number;
  classes: number;
  mean: Float64Array;
  std: Float64Array;
  /** (classes, d) row-major. */
  weight: Float64Array;
  /** (classes). */
  bias: Float64Array;
  weightDecay: number;
  /** Newton iterations run, and the penalised training loss reached. */
  iterations: number;
  loss: number;
}

/** The logits (n, classes) of X: (n, d), row-major. */
export function softmaxLogits(m: SoftmaxModel, X: ArrayLike<number>, n: number): Float64Array {
  const { d, classes: K } = m;
  const z = new Float64Array(n * K);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < K; k++) {
      let s = m.bias[k];
      for (let j = 0; j < d; j++) if (m.std[j] > 0) s += (m.weight[k * d + j] * (X[i * d + j] - m.mean[j])) / m.std[j];
      z[i * K + k] = s;
    }
  return z;
}

/** Row-wise softmax of logits (n, K) in place; returns the log-sum-exp of each row. */
function softmaxRows(z: Float64Array, n: number, K: number): Float64Array {
  const lse = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[i * K + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(z[i * K + k] - max);
    lse[i] = max + Math.log(sum);
    for (let k = 0; k < K; k++) z[i * K + k] = Math.exp(z[i * K + k] - lse[i]);
  }
  return lse;
}

/** The probabilities (n, classes) of X: (n, d). */
export function softmaxProbabilities(m: SoftmaxModel, X: ArrayLike<number>, n: number): Float64Array {
  const p = softmaxLogits(m, X, n);
  softmaxRows(p, n, m.classes);
  return p;
}

/** The (class-weighted) mean cross-entropy of `m` on (X, y), without the penalty. */
export function softmaxLoss(
  m: SoftmaxModel,
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  classWeights?: readonly number[] | null,
): number {
  const z = softmaxLogits(m, X, n);
  const K = m.classes;
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[i * K + k]);
    let e = 0;
    for (let k = 0; k < K; k++) e += Math.exp(z[i * K + k] - max);
    const c = classWeights ? classWeights[y[i]] : 1;
    sum += c * (max + Math.log(e) - z[i * K + y[i]]);
    total += c;
  }
  return sum / total;
}

/**
 * Fits P(y = k | x) to (X: (n, d), y ∈ 0..classes-1) by minimising the mean cross-entropy plus
 * (weightDecay / 2)·||W||² (every class's weights, not the biases) on standardised features, with Newton's
 * method to convergence. Label smoothing ε takes targets (1 − ε)·one-hot + ε/K, as PyTorch's cross_entropy.
 * With K = 2 the logit difference z_1 − z_0 equals the binary probe's z fitted with weightDecay / 2.
 * Throws naming a bad input.
 */
export function fitSoftmaxRegression(
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  d: number,
  classes: number,
  options: LogisticOptions,
): SoftmaxModel {
  const what = 'fitSoftmaxRegression';
  if (!(Number.isInteger(classes) && classes >= 2)) throw new Error(`${what}: classes must be >= 2, got ${classes}`);
  checkFeatures(what, X, y, n, d, classes);
  const { weightDecay: lambda, classWeights = null, labelSmoothing: eps = 0, maxIterations = 100 } = options;
  checkPenalty(what, lambda, eps);
  if (classWeights && classWeights.length !== classes)
    throw new Error(`${what}: ${classWeights.length} class weights for ${classes} classes`);
  const K = classes;
  const { mean, std } = columnMeanStd(X, n, d);
  // Z: (n, D) standardised features and a 1 for the bias; parameters θ: (K, D), class k's row at k·D.
  const D = d + 1;
  const P = K * D;
  const Z = standardisedDesign(X, n, d, mean, std);
  const c = sampleWeights(what, y, n, classWeights);
  const target = (i: number, k: number) => (k === y[i] ? 1 - eps : 0) + eps / K;
  const logits = (w: Float64Array): Float64Array => {
    const z = new Float64Array(n * K);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let a = 0; a < D; a++) s += w[k * D + a] * Z[i * D + a];
        z[i * K + k] = s;
      }
    return z;
  };
  const objective = (w: Float64Array): number => {
    const z = logits(w);
    let f = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, z[i * K + k]);
      let e = 0;
      for (let k = 0; k < K; k++) e += Math.exp(z[i * K + k] - max);
      const lse = max + Math.log(e);
      for (let k = 0; k < K; k++) f += c[i] * target(i, k) * (lse - z[i * K + k]);
    }
    for (let k = 0; k < K; k++) for (let a = 0; a < d; a++) f += 0.5 * lambda * w[k * D + a] ** 2;
    return f;
  };
  const gradientHessian = (w: Float64Array) => {
    const p = logits(w);
    softmaxRows(p, n, K);
    const g = new Float64Array(P);
    const H = new Float64Array(P * P);
    for (let i = 0; i < n; i++) {
      const zi = i * D;
      for (let k = 0; k < K; k++) {
        const pk = p[i * K + k];
        const r = c[i] * (pk - target(i, k));
        for (let a = 0; a < D; a++) g[k * D + a] += r * Z[zi + a];
        // Block (k, l) of the Hessian: c·p_k(δ_kl − p_l)·z zᵀ; the lower triangle, mirrored below.
        for (let l = 0; l <= k; l++) {
          const s = c[i] * pk * ((k === l ? 1 : 0) - p[i * K + l]);
          if (s === 0) continue;
          for (let a = 0; a < D; a++) {
            const sa = s * Z[zi + a];
            if (sa === 0) continue;
            const row = (k * D + a) * P + l * D;
            for (let b = 0; b < D; b++) H[row + b] += sa * Z[zi + b];
          }
        }
      }
    }
    for (let r = 0; r < P; r++) for (let q = 0; q < r; q++) H[q * P + r] = H[r * P + q];
    for (let k = 0; k < K; k++) {
      for (let a = 0; a < d; a++) {
        g[k * D + a] += lambda * w[k * D + a];
        H[(k * D + a) * P + k * D + a] += lambda;
      }
      // Shifting every bias by one constant changes nothing; a tiny ridge keeps H definite.
      H[(k * D + d) * P + k * D + d] += 1e-10;
    }
    return { g, H };
  };
  const { w, loss, iterations } = newtonMinimize(objective, gradientHessian, P, maxIterations);
  const weight = new Float64Array(K * d);
  const bias = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < d; a++) weight[k * d + a] = w[k * D + a];
    bias[k] = w[k * D + d];
  }
  return { d, classes: K, mean, std, weight, bias, weightDecay: lambda, iterations, loss };
}

/**
 * The linear-probe protocol for K classes: a softmax regression fitted to convergence on `train` for each of
 * `weightDecays`, keeping the one with the least (class-weighted) cross-entropy on `val`.
 */
export async function fitSoftmaxProbe(
  train: LabelledFeatures,
  val: LabelledFeatures,
  d: number,
  classes: number,
  weightDecays: readonly number[],
  options: Omit<LogisticOptions, 'weightDecay'> = {},
): Promise<{ model: SoftmaxModel; trials: PenaltyTrial[] }> {
  if (weightDecays.length === 0) throw new Error('fitSoftmaxProbe: weightDecays is empty');
  checkFeatures('fitSoftmaxProbe (val)', val.X, val.y, val.n, d, classes);
  return choosePenalty(
    'fitSoftmaxProbe',
    weightDecays,
    (weightDecay) => fitSoftmaxRegression(train.X, train.y, train.n, d, classes, { ...options, weightDecay }),
    (m) => softmaxLoss(m, train.X, train.y, train.n, options.classWeights),
    (m) => softmaxLoss(m, val.X, val.y, val.n, options.classWeights),
  );
}

/** A binary probe as two softmax rows: logits ∓z/2, so softmax gives P(class 1) = sigmoid(z). */
export function binaryAsSoftmax(m: LogisticModel): SoftmaxModel {
  const weight = new Float64Array(2 * m.d);
  for (let j = 0; j < m.d; j++) {
    weight[j] = -m.weight[j] / 2;
    weight[m.d + j] = m.weight[j] / 2;
  }
  return { ...m, classes: 2, weight, bias: Float64Array.from([-m.bias / 2, m.bias / 2]) };
}
