// Adam (L2 weight decay folded into the gradient) and AdamW (decoupled weight decay), exactly as
// torch.optim.Adam / AdamW, with bias correction and optional AMSGrad.
import { Tensor } from '@nodulab/tensor';
import { checkRange, Optimizer, ParamGroup, ParamGroupInput, ParamState } from './optimizer';

/** Hyperparameters of {@link Adam} and {@link AdamW}. */
export type AdamOptions = {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
};

/**
 * The shared update. With t = step count, bc1 = 1 - b1^t, bc2 = 1 - b2^t:
 *   (AdamW) p = p * (1 - lr * wd)      (Adam) g = g + wd * p
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  (AMSGrad) vmax = max(vmax, v)
 *   p = p - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
 */
function adamUpdate(
  p: Tensor,
  grad: Float32Array,
  g: ParamGroup<AdamOptions>,
  s: ParamState,
  decoupled: boolean,
): void {
  const w = p.data;
  const n = w.length;
  const { lr, eps, weightDecay, amsgrad, maximize } = g;
  const [b1, b2] = g.betas;
  if (!s.exp_avg) {
    s.step = 0;
    s.exp_avg = new Float32Array(n);
    s.exp_avg_sq = new Float32Array(n);
    if (amsgrad) s.max_exp_avg_sq = new Float32Array(n);
  }
  if (amsgrad && !s.max_exp_avg_sq) s.max_exp_avg_sq = new Float32Array(n);
  const t = (s.step as number) + 1;
  s.step = t;
  const m = s.exp_avg as Float32Array;
  const v = s.exp_avg_sq as Float32Array;
  const vmax = amsgrad ? (s.max_exp_avg_sq as Float32Array) : null;
  const stepSize = lr / (1 - Math.pow(b1, t));
  const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, t));
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  const sign = maximize ? -1 : 1;
  for (let i = 0; i < n; i++) {
    if (decoupled) w[i] *= decay;
    const gi = sign * grad[i] + l2 * w[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    let vi = v[i];
    if (vmax) {
      if (vi > vmax[i]) vmax[i] = vi;
      vi = vmax[i];
    }
    w[i] -= (stepSize * m[i]) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}

/**
 * What Adam and AdamW share: the defaults (lr 1e-3, betas [0.9, 0.999], eps 1e-8), the checks and the
 * update; `decoupled` picks AdamW's weight decay (default 0.01) over Adam's L2 (default 0).
 */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected constructor(
    name: string,
    private readonly decoupled: boolean,
    params: Tensor[] | ParamGroupInput<AdamOptions>[],
    options: Partial<AdamOptions>,
  ) {
    super(name, params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: decoupled ? 1e-2 : 0,
      amsgrad: false,
      maximize: false,
      ...options,
    });
  }

  protected override validate(g: ParamGroup<AdamOptions>, i: number): void {
    const op = this.name;
    checkRange(op, 'lr', g.lr, 0, Infinity, i);
    checkRange(op, 'eps', g.eps, 0, Infinity, i);
    checkRange(op, 'weightDecay', g.weightDecay, 0, Infinity, i);
    if (!Array.isArray(g.betas) || g.betas.length !== 2)
      throw new Error(`${op}: betas must be a pair [beta1, beta2] (group ${i})`);
    checkRange(op, 'betas[0]', g.betas[0], 0, 1 - Number.EPSILON, i);
    checkRange(op, 'betas[1]', g.betas[1], 0, 1 - Number.EPSILON, i);
  }

  protected override stateKeys(g: ParamGroup<AdamOptions>): { tensors: string[]; counters: string[] } {
    return { tensors: ['exp_avg', 'exp_avg_sq', ...(g.amsgrad ? ['max_exp_avg_sq'] : [])], counters: ['step'] };
  }

  protected override update(p: Tensor, grad: Float32Array, g: ParamGroup<AdamOptions>, s: ParamState): void {
    adamUpdate(p, grad, g, s, this.decoupled);
  }
}

/** Adam, like `torch.optim.Adam` (defaults lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0 as L2). */
export class Adam extends AdamBase {
  constructor(params: Tensor[] | ParamGroupInput<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super('Adam', false, params, options);
  }
}

/** AdamW, like `torch.optim.AdamW`: decoupled weight decay (default 0.01), otherwise Adam. */
export class AdamW extends AdamBase {
  constructor(params: Tensor[] | ParamGroupInput<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super('AdamW', true, params, options);
  }
}
