// Batch normalization of (N, C, D, H, W) volumes per channel, with torch.nn.functional.batch_norm
// semantics: batch statistics and an in-place running-statistics update in training, running
// statistics in evaluation; gradients for x, weight and bias in both modes.
import { record } from '../autograd';
import { native, Shape5 } from '../binding';
import { Tensor } from '../tensor';
import { expect5d, fmt } from './shape_utils';

/** Options of {@link batchNorm3d}. */
export interface BatchNorm3dOptions {
  /** Normalize with batch statistics and update the running buffers (true) or use the running statistics (false, default). */
  training?: boolean;
  /** Weight of the new batch statistics in the running average. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

function checkChannels(name: string, t: Tensor | null | undefined, c: number, xs: Shape5): void {
  if (t && t.size !== c) {
    throw new Error(`batchNorm3d: ${name} of shape ${fmt(t.shape)} has ${t.size} elements but x ${fmt(xs)} has ${c} channels`);
  }
}

/**
 * y = (x - mean) / sqrt(var + eps) * weight + bias per channel of x: (N, C, D, H, W).
 *
 * Training: mean and (biased) var are the batch statistics over (N, D, H, W), and the running
 * buffers are updated in place, `running = (1 - momentum) * running + momentum * batch`, with the
 * UNBIASED batch variance for runningVar, exactly like PyTorch. Evaluation: the running statistics
 * are used (and gradients flow through that affine map).
 * @param x input (N, C, D, H, W)
 * @param runningMean (C) buffer, updated in place in training; required in evaluation (may be null in training)
 * @param runningVar (C) buffer, updated in place in training; required in evaluation (may be null in training)
 * @param weight optional (C) scale gamma (affine off when absent)
 * @param bias optional (C) shift beta
 * @param options training (default false), momentum (default 0.1), eps (default 1e-5)
 * @throws on bad shapes, eps <= 0, missing running statistics in evaluation, or a single value per channel in training
 */
export function batchNorm3d(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: BatchNorm3dOptions = {},
): Tensor {
  const xs = expect5d('batchNorm3d', 'x', x);
  if (xs.some((d) => d < 1)) throw new Error(`batchNorm3d: x shape ${fmt(xs)} has a zero dimension`);
  const c = xs[1];
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (typeof training !== 'boolean') throw new Error(`batchNorm3d: training must be a boolean, got ${JSON.stringify(training)}`);
  if (!(typeof eps === 'number' && eps > 0 && Number.isFinite(eps))) throw new Error(`batchNorm3d: eps must be a finite number > 0, got ${eps}`);
  if (!(typeof momentum === 'number' && Number.isFinite(momentum))) throw new Error(`batchNorm3d: momentum must be a finite number, got ${momentum}`);
  checkChannels('runningMean', runningMean, c, xs);
  checkChannels('runningVar', runningVar, c, xs);
  checkChannels('weight', weight, c, xs);
  checkChannels('bias', bias, c, xs);
  if ((runningMean === null) !== (runningVar === null)) throw new Error('batchNorm3d: give both runningMean and runningVar, or neither');

  const inputs: Tensor[] = [x];
  if (weight) inputs.push(weight);
  if (bias) inputs.push(bias);
  const w = weight ? weight.data : null;
  const b = bias ? bias.data : null;
  // Gradients in input order: x, then weight and bias where given.
  const grads = (needs: readonly boolean[], dx: () => Float32Array, dParams: () => { dgamma: Float32Array; dbeta: Float32Array }) => {
    const out: (Tensor | null)[] = [needs[0] ? new Tensor(dx(), x.shape) : null];
    const wantParams = needs.slice(1).some((n) => n);
    const p = wantParams ? dParams() : null;
    if (weight) out.push(p && needs[1] ? new Tensor(p.dgamma, weight.shape) : null);
    if (bias) out.push(p && needs[inputs.length - 1] ? new Tensor(p.dbeta, bias.shape) : null);
    return out;
  };

  if (training) {
    const m = xs[0] * xs[2] * xs[3] * xs[4];
    if (m < 2) throw new Error(`batchNorm3d: expected more than 1 value per channel when training, got input size ${fmt(xs)}`);
    const { y, mean, invstd } = native.batchNormTrain(x.data, xs, w, b, eps);
    if (runningMean && runningVar) {
      const rm = runningMean.data, rv = runningVar.data;
      for (let k = 0; k < c; k++) {
        const biasedVar = Math.max(0, 1 / (invstd[k] * invstd[k]) - eps);
        rm[k] = (1 - momentum) * rm[k] + momentum * mean[k];
        rv[k] = (1 - momentum) * rv[k] + momentum * biasedVar * (m / (m - 1));
      }
    }
    let cache: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array } | null = null;
    const grad = (g: Tensor) => (cache ??= native.batchNormGrad(x.data, xs, g.data, w, mean, invstd));
    return record(new Tensor(y, x.shape), 'batchNorm3d', inputs, (g, needs) => grads(needs, () => grad(g).dx, () => grad(g)));
  }

  if (!runningMean || !runningVar) throw new Error('batchNorm3d: runningMean and runningVar are required when not training');
  // Snapshots: later training steps update the buffers in place, the backward must see these values.
  const rm = runningMean.data.slice(), rv = runningVar.data.slice();
  const y = native.batchNormInfer(x.data, xs, w, b, rm, rv, eps);
  return record(new Tensor(y, x.shape), 'batchNorm3d', inputs, (g, needs) =>
    grads(
      needs,
      // dx = dy * weight / sqrt(runningVar + eps): the same per-channel map with mean 0 and no bias.
      () => native.batchNormInfer(g.data, xs, w, null, new Float32Array(c), rv, eps),
      // dweight = sum dy * (x - runningMean) / sqrt(runningVar + eps), dbias = sum dy.
      () => native.batchNormGrad(x.data, xs, g.data, null, rm, Float32Array.from(rv, (v) => 1 / Math.sqrt(v + eps))),
    ),
  );
}
