// Gradient clipping: clipGradNorm_ (rescale all gradients so their joint norm <= maxNorm, returning
// the norm before clipping) and clipGradValue_ (clamp each element), as torch.nn.utils.
import { Tensor } from '@nodulab/tensor';

/** Options of {@link clipGradNorm_}. */
export interface ClipGradNormOptions {
  /** p of the p-norm (default 2; Infinity for the max norm). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (default false, as in PyTorch). */
  errorIfNonfinite?: boolean;
}

function gradsOf(op: string, params: Tensor[] | Tensor): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list)) throw new Error(`${op}: expects a tensor or an array of tensors`);
  return list.filter((p) => p.grad);
}

/**
 * Scales the gradients of `params` in place (each `.grad` replaced by a scaled copy, since gradient
 * arrays can be shared) by min(1, maxNorm / (total + 1e-6)), where total is the p-norm of all
 * gradients together. Returns total. Accumulates in float64 in parameter order (deterministic).
 */
export function clipGradNorm_(params: Tensor[] | Tensor, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const normType = options.normType ?? 2;
  if (!(maxNorm >= 0)) throw new Error(`clipGradNorm_: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new Error(`clipGradNorm_: normType must be > 0 or Infinity, got ${normType}`);
  const ps = gradsOf('clipGradNorm_', params);
  let total = 0;
  if (normType === Infinity) {
    for (const p of ps)
      for (const v of p.grad!.data) total = Number.isNaN(v) || Math.abs(v) > total ? Math.abs(v) : total;
  } else {
    let acc = 0;
    for (const p of ps) for (const v of p.grad!.data) acc += Math.pow(Math.abs(v), normType);
    total = Math.pow(acc, 1 / normType);
  }
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(`clipGradNorm_: the total norm of order ${normType} of the gradients is ${total}`);
  }
  const coef = Math.min(1, maxNorm / (total + 1e-6));
  if (coef < 1 || Number.isNaN(coef)) {
    for (const p of ps) {
      const g = p.grad!;
      const scaled = new Float32Array(g.size);
      for (let i = 0; i < scaled.length; i++) scaled[i] = g.data[i] * coef;
      p.grad = new Tensor(scaled, g.shape);
    }
  }
  return total;
}

/** Clamps every gradient element of `params` to [-clipValue, clipValue] (copies, like clipGradNorm_). */
export function clipGradValue_(params: Tensor[] | Tensor, clipValue: number): void {
  if (!(clipValue >= 0)) throw new Error(`clipGradValue_: clipValue must be >= 0, got ${clipValue}`);
  for (const p of gradsOf('clipGradValue_', params)) {
    const g = p.grad!;
    const clamped = new Float32Array(g.size);
    for (let i = 0; i < clamped.length; i++) {
      const v = g.data[i];
      clamped[i] = v > clipValue ? clipValue : v < -clipValue ? -clipValue : v;
    }
    p.grad = new Tensor(clamped, g.shape);
  }
}
