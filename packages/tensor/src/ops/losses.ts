// Loss functions with PyTorch semantics and gradients: cross-entropy (class weights, per-sample
// weights, label smoothing), MSE, smooth L1, soft Dice, and the contrastive losses SupCon and NT-Xent
// on the fused native kernel, plus l2Normalize (F.normalize) which they apply first.
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { native } from '../binding';
import { Tensor } from '../tensor';
import { reshape } from './arithmetic';
import { cat } from './concat';
import { checkReduction, reduceLosses, Reduction, toLabels, toVector } from './loss_utils';
import { expectSameShape, fmt } from './shape_utils';
import { logSoftmax } from './softmax';

export type { Reduction } from './loss_utils';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** Per-class weights w (C), like PyTorch's `weight`. */
  weight?: Tensor | ArrayLike<number>;
  /** Per-sample weights s (N), e.g. to up-weight hard samples; multiplies each sample's loss. */
  sampleWeights?: Tensor | ArrayLike<number>;
  /** 'mean' (default) | 'sum' | 'none'. */
  reduction?: Reduction;
  /** epsilon in [0, 1]: the target becomes (1 - epsilon) one-hot + epsilon / C uniform. Default 0. */
  labelSmoothing?: number;
}

/**
 * x: (N, C, d1, ..., dk) -> (N·d1·…·dk, C): each position's class scores as one row (channels last),
 * with the gradient moved back. The spatial cross-entropy runs the 2-D one on it.
 */
function classesLast(x: Tensor): Tensor {
  const [n, c] = x.shape;
  const s = x.size / (n * c);
  const y = new Float32Array(x.size);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++) {
      const src = (i * c + k) * s;
      const dst = i * s * c + k;
      for (let v = 0; v < s; v++) y[dst + v * c] = x.data[src + v];
    }
  return record(new Tensor(y, [n * s, c]), 'classesLast', [x], (g) => {
    const dx = new Float32Array(x.size);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < c; k++) {
        const dst = (i * c + k) * s;
        const src = i * s * c + k;
        for (let v = 0; v < s; v++) dx[dst + v] = g.data[src + v * c];
      }
    return [new Tensor(dx, x.shape)];
  });
}

/**
 * Cross-entropy of logits (N, C) against class indices target (N), as `F.cross_entropy`:
 * with lp = log_softmax(logits), sample i's loss is
 *   l_i = s_i * [ (1 - eps) * w[y_i] * (-lp[i, y_i]) + (eps / C) * sum_c w[c] * (-lp[i, c]) ],
 * where w are the class weights (1 if not given) and s_i the per-sample weights (1 if not given).
 * 'none' returns l (N); 'sum' returns sum_i l_i; 'mean' returns sum_i l_i / sum_i s_i * w[y_i]: the
 * PyTorch weighted mean (dividing by the summed weights of the target classes), in which a per-sample
 * weight acts exactly like scaling that sample's class weight. Without weights 'mean' is the plain mean.
 * If every weight is 0 the mean is NaN, as in PyTorch. Gradients flow to the logits.
 *
 * Per-voxel (segmentation) logits (N, C, d1, ..., dk) take a target of N·d1·…·dk class indices (the
 * layout of a (N, d1, ..., dk) mask), as PyTorch's spatial cross-entropy: every position is one sample
 * (sampleWeights then has one weight per position) and 'none' returns (N, d1, ..., dk).
 */
export function crossEntropy(
  logits: Tensor,
  target: Int32Array | readonly number[],
  options: CrossEntropyOptions = {},
): Tensor {
  dispatchDevice('crossEntropy', [logits]);
  const op = 'crossEntropy';
  if (logits.ndim > 2 && logits.size > 0) {
    const loss = crossEntropy(classesLast(logits), target, options);
    return options.reduction === 'none' ? reshape(loss, [logits.shape[0], ...logits.shape.slice(2)]) : loss;
  }
  if (logits.ndim !== 2 || logits.shape[0] === 0 || logits.shape[1] === 0) {
    throw new Error(
      `${op}: logits must be a non-empty (N, C) or (N, C, d1, ...) tensor, got shape ${fmt(logits.shape)}`,
    );
  }
  const [n, c] = logits.shape;
  const y = toLabels(op, 'target', target, n, c);
  const w = options.weight === undefined ? null : toVector(op, 'weight', options.weight, c);
  const s = options.sampleWeights === undefined ? null : toVector(op, 'sampleWeights', options.sampleWeights, n);
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new Error(`${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  const reduction = checkReduction(op, options.reduction);
  const lp = logSoftmax(logits);
  const values = new Float64Array(n);
  let denominator = 0;
  for (let i = 0; i < n; i++) {
    const si = s ? s[i] : 1;
    const wy = w ? w[y[i]] : 1;
    let smooth = 0;
    if (eps > 0) for (let k = 0; k < c; k++) smooth -= (w ? w[k] : 1) * lp.data[i * c + k];
    values[i] = si * ((1 - eps) * wy * -lp.data[i * c + y[i]] + (eps / c) * smooth);
    denominator += si * wy;
  }
  const { out, itemGrad } = reduceLosses(values, reduction === 'none' ? [n] : [], reduction, denominator);
  return record(out, op, [lp], (g) => {
    const up = itemGrad(g);
    const grad = new Float32Array(n * c);
    for (let i = 0; i < n; i++) {
      const u = up(i) * (s ? s[i] : 1);
      if (eps > 0) for (let k = 0; k < c; k++) grad[i * c + k] = -u * (eps / c) * (w ? w[k] : 1);
      grad[i * c + y[i]] -= u * (1 - eps) * (w ? w[y[i]] : 1);
    }
    return [new Tensor(grad, lp.shape)];
  });
}

/** Options with only a reduction. */
export interface ReductionOptions {
  /** 'mean' (default) | 'sum' | 'none'. */
  reduction?: Reduction;
}

/**
 * A loss l_k = f(input_k - target_k) per element, reduced; `f` returns [value, derivative]. The
 * gradient reaches both input and target (target gets the negated derivative).
 */
function pointwiseLoss(
  op: string,
  input: Tensor,
  target: Tensor,
  reduction: Reduction | undefined,
  f: (d: number) => [number, number],
): Tensor {
  expectSameShape(op, input, target, 'input', 'target');
  const r = checkReduction(op, reduction);
  const values = new Float64Array(input.size);
  const slopes = new Float64Array(input.size);
  for (let k = 0; k < input.size; k++) [values[k], slopes[k]] = f(input.data[k] - target.data[k]);
  const { out, itemGrad } = reduceLosses(values, r === 'none' ? input.shape : [], r);
  return record(out, op, [input, target], (g, needs) => {
    const up = itemGrad(g);
    const dx = new Float32Array(input.size);
    for (let k = 0; k < dx.length; k++) dx[k] = up(k) * slopes[k];
    const dt = needs[1] ? dx.map((v) => -v) : null;
    return [needs[0] ? new Tensor(dx, input.shape) : null, dt ? new Tensor(dt, target.shape) : null];
  });
}

/** Mean squared error (input - target)^2, like `F.mse_loss`; same shapes. */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  dispatchDevice('mseLoss', [input, target], ['input', 'target']);
  return pointwiseLoss('mseLoss', input, target, options.reduction, (d) => [d * d, 2 * d]);
}

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss switches from quadratic to linear (>= 0; 0 gives the L1 loss). Default 1. */
  beta?: number;
}

/**
 * Smooth L1 (Huber-like) loss, like `F.smooth_l1_loss`: with d = input - target,
 * 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta.
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1Options = {}): Tensor {
  dispatchDevice('smoothL1Loss', [input, target], ['input', 'target']);
  const beta = options.beta ?? 1;
  if (!(beta >= 0) || !Number.isFinite(beta))
    throw new Error(`smoothL1Loss: beta must be a finite number >= 0, got ${beta}`);
  return pointwiseLoss('smoothL1Loss', input, target, options.reduction, (d) =>
    Math.abs(d) < beta ? [(0.5 * d * d) / beta, d / beta] : [Math.abs(d) - 0.5 * beta, Math.sign(d)],
  );
}

/** Options of {@link diceLoss}. */
export interface DiceOptions extends ReductionOptions {
  /** Added to numerator and denominator (MONAI's smooth_nr = smooth_dr). Default 1e-5. */
  smooth?: number;
}

/**
 * Soft Dice loss (MONAI-like) of probabilities input (N, C, ...) against a one-hot or binary target of
 * the same shape: per (n, c), over the remaining axes,
 *   1 - (2 * sum(p * t) + smooth) / (sum(p) + sum(t) + smooth).
 * 'none' returns the (N, C) matrix; 'mean' / 'sum' reduce it. Gradients reach input and target.
 */
export function diceLoss(input: Tensor, target: Tensor, options: DiceOptions = {}): Tensor {
  dispatchDevice('diceLoss', [input, target], ['input', 'target']);
  const op = 'diceLoss';
  if (input.ndim < 2)
    throw new Error(`${op}: input must be (N, C, ...) with at least 2 dimensions, got shape ${fmt(input.shape)}`);
  expectSameShape(op, input, target, 'input', 'target');
  const smooth = options.smooth ?? 1e-5;
  if (!(smooth >= 0) || !Number.isFinite(smooth))
    throw new Error(`${op}: smooth must be a finite number >= 0, got ${smooth}`);
  const r = checkReduction(op, options.reduction);
  const [n, c] = input.shape;
  const pairs = n * c;
  const len = pairs === 0 ? 0 : input.size / pairs;
  const inter = new Float64Array(pairs),
    denom = new Float64Array(pairs),
    values = new Float64Array(pairs);
  for (let q = 0; q < pairs; q++) {
    let pt = 0,
      ps = 0,
      ts = 0;
    for (let k = q * len; k < (q + 1) * len; k++) {
      pt += input.data[k] * target.data[k];
      ps += input.data[k];
      ts += target.data[k];
    }
    inter[q] = 2 * pt + smooth;
    denom[q] = ps + ts + smooth;
    values[q] = 1 - inter[q] / denom[q];
  }
  const { out, itemGrad } = reduceLosses(values, r === 'none' ? [n, c] : [], r);
  return record(out, op, [input, target], (g, needs) => {
    const up = itemGrad(g);
    // d/dp_k [1 - I/D] = -(2 t_k D - I) / D^2, and symmetrically for t_k.
    const grads = [input, target].map((self, which) => {
      if (!needs[which]) return null;
      const other = which === 0 ? target : input;
      const d = new Float32Array(input.size);
      for (let q = 0; q < pairs; q++) {
        const u = up(q),
          D = denom[q],
          I = inter[q];
        for (let k = q * len; k < (q + 1) * len; k++) d[k] = (-u * (2 * other.data[k] * D - I)) / (D * D);
      }
      return new Tensor(d, self.shape);
    });
    return grads;
  });
}

/** Options of {@link l2Normalize}. */
export interface L2NormalizeOptions {
  /** Lower bound on the norm (avoids division by zero). Default 1e-12. */
  eps?: number;
}

/**
 * Rows of x (N, D) divided by their L2 norm: x / max(||x||, eps), like `F.normalize(x, dim=1)`.
 * Gradient: (g - y (y . g)) / ||x|| per row, or g / eps where the norm is below eps.
 */
export function l2Normalize(x: Tensor, options: L2NormalizeOptions = {}): Tensor {
  dispatchDevice('l2Normalize', [x]);
  const op = 'l2Normalize';
  if (x.ndim !== 2) throw new Error(`${op}: x must be 2-D (N, D), got shape ${fmt(x.shape)}`);
  const eps = options.eps ?? 1e-12;
  if (!(eps > 0) || !Number.isFinite(eps)) throw new Error(`${op}: eps must be a finite number > 0, got ${eps}`);
  const [n, d] = x.shape;
  const norms = new Float64Array(n);
  const y = new Float32Array(x.size);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let k = i * d; k < (i + 1) * d; k++) ss += x.data[k] * x.data[k];
    norms[i] = Math.sqrt(ss);
    const scale = 1 / Math.max(norms[i], eps);
    for (let k = i * d; k < (i + 1) * d; k++) y[k] = x.data[k] * scale;
  }
  const out = new Tensor(y, x.shape);
  return record(out, op, [x], (g) => {
    const dx = new Float32Array(x.size);
    for (let i = 0; i < n; i++) {
      if (!(norms[i] <= eps)) {
        // NaN norms take this branch too, so NaN reaches the gradient
        let yg = 0;
        for (let k = i * d; k < (i + 1) * d; k++) yg += y[k] * g.data[k];
        for (let k = i * d; k < (i + 1) * d; k++) dx[k] = (g.data[k] - y[k] * yg) / norms[i];
      } else {
        for (let k = i * d; k < (i + 1) * d; k++) dx[k] = g.data[k] / eps;
      }
    }
    return [new Tensor(dx, x.shape)];
  });
}

/** Options of the contrastive losses. */
export interface ContrastiveOptions {
  /** tau > 0 dividing the cosine similarities. Default 0.1 for SupCon, 0.07 for NT-Xent. */
  temperature?: number;
}

function checkTemperature(op: string, t: number): number {
  if (typeof t !== 'number' || !(t > 0) || !Number.isFinite(t))
    throw new Error(`${op}: temperature must be a finite number > 0, got ${t}`);
  return t;
}

/**
 * Supervised contrastive loss (Khosla et al. 2020, L_out; pytorch-metric-learning conventions) of
 * embeddings z (N, D) with class labels (N). Rows are L2-normalized first (gradients flow through the
 * normalization); with s_ij = z_i . z_j / tau and positives P(i) = {p != i : label_p = label_i},
 *   loss_i = -(1/|P(i)|) sum_{p in P(i)} [s_ip - log sum_{j != i} exp(s_ij)],
 * averaged over the anchors that have at least one positive (0, with zero gradient, when none has).
 * Loss and gradient come from one fused native kernel.
 */
export function supConLoss(
  z: Tensor,
  labels: Int32Array | readonly number[],
  options: ContrastiveOptions = {},
): Tensor {
  dispatchDevice('supConLoss', [z]);
  const op = 'supConLoss';
  if (z.ndim !== 2 || z.shape[0] === 0 || z.shape[1] === 0)
    throw new Error(`${op}: z must be a non-empty 2-D (N, D) tensor, got shape ${fmt(z.shape)}`);
  const tau = checkTemperature(op, options.temperature ?? 0.1);
  const [n, d] = z.shape;
  const lab = toLabels(op, 'labels', labels, n);
  const zn = l2Normalize(z);
  const r = native.supConLoss(zn.data, n, d, lab, tau);
  const out = Tensor.from([r.loss], []);
  return record(out, op, [zn], (g) => {
    const scale = g.data[0];
    return [
      new Tensor(
        r.grad.map((v) => v * scale),
        zn.shape,
      ),
    ];
  });
}

/**
 * NT-Xent (SimCLR) loss of two views z1, z2 (N, D) of the same N samples: SupCon on the 2N stacked,
 * L2-normalized rows with labels [0..N-1, 0..N-1], so each view's positive is the other view of its
 * sample and the other 2N - 2 rows are negatives. Averaged over all 2N anchors.
 */
export function ntXentLoss(z1: Tensor, z2: Tensor, options: ContrastiveOptions = {}): Tensor {
  dispatchDevice('ntXentLoss', [z1, z2], ['z1', 'z2']);
  const op = 'ntXentLoss';
  if (z1.ndim !== 2 || z1.shape[0] === 0 || z1.shape[1] === 0)
    throw new Error(`${op}: z1 must be a non-empty 2-D (N, D) tensor, got shape ${fmt(z1.shape)}`);
  expectSameShape(op, z1, z2, 'z1', 'z2');
  const tau = checkTemperature(op, options.temperature ?? 0.07);
  const n = z1.shape[0];
  const labels = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) labels[i] = i % n;
  return supConLoss(cat([z1, z2], 0), labels, { temperature: tau });
}
