// Batch normalization of (N, C, D, H, W) volumes per channel, with torch.nn.functional.batch_norm
// semantics: batch statistics and an in-place running-statistics update in training, running
// statistics in evaluation; gradients for x, weight and bias in both modes. `relu: true` fuses the
// ReLU of a Conv-BN-ReLU block into the same native pass (forward and backward), and
// batchNormReluMaxPool3d fuses a following max pool too, so relu(bn(x)) is never stored.
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { native, Shape5, Triple } from '../binding';
import { Tensor } from '../tensor';
import { poolWindow, PoolWindowOptions } from './pool_window';
import { expect5d, fmt } from './shape_utils';

/** Options of {@link batchNorm3d}. */
export interface BatchNorm3dOptions {
  /**
   * Normalize with batch statistics and update the running buffers (true) or use the running statistics (false,
   * default).
   */
  training?: boolean;
  /** Weight of the new batch statistics in the running average. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /**
   * Apply ReLU to the output in the same pass (`relu(batchNorm3d(x, ...))`, one native call each way;
   * the gradient is masked by output > 0). Default false.
   */
  relu?: boolean;
}

type Grads = { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array };

function checkChannels(op: string, name: string, t: Tensor | null | undefined, c: number, xs: Shape5): void {
  if (t && t.size !== c) {
    throw new Error(
      `${op}: ${name} of shape ${fmt(t.shape)} has ${t.size} elements but x ${fmt(xs)} has ${c} channels`,
    );
  }
}

/** The checked arguments of a batch-norm call, and how its gradients are returned. */
class BatchNormCall {
  readonly xs: Shape5;
  readonly training: boolean;
  readonly momentum: number;
  readonly eps: number;
  readonly relu: boolean;
  readonly inputs: Tensor[];
  readonly w: Float32Array | null;
  readonly b: Float32Array | null;

  constructor(
    readonly op: string,
    readonly x: Tensor,
    readonly runningMean: Tensor | null,
    readonly runningVar: Tensor | null,
    readonly weight: Tensor | null | undefined,
    readonly bias: Tensor | null | undefined,
    options: BatchNorm3dOptions,
  ) {
    const xs = (this.xs = expect5d(op, 'x', x));
    if (xs.some((d) => d < 1)) throw new Error(`${op}: x shape ${fmt(xs)} has a zero dimension`);
    const c = xs[1];
    this.training = options.training ?? false;
    this.momentum = options.momentum ?? 0.1;
    this.eps = options.eps ?? 1e-5;
    this.relu = options.relu ?? false;
    if (typeof this.relu !== 'boolean')
      throw new Error(`${op}: relu must be a boolean, got ${JSON.stringify(this.relu)}`);
    if (typeof this.training !== 'boolean')
      throw new Error(`${op}: training must be a boolean, got ${JSON.stringify(this.training)}`);
    const eps = this.eps,
      momentum = this.momentum;
    if (!(typeof eps === 'number' && eps > 0 && Number.isFinite(eps)))
      throw new Error(`${op}: eps must be a finite number > 0, got ${eps}`);
    if (!(typeof momentum === 'number' && Number.isFinite(momentum)))
      throw new Error(`${op}: momentum must be a finite number, got ${momentum}`);
    checkChannels(op, 'runningMean', runningMean, c, xs);
    checkChannels(op, 'runningVar', runningVar, c, xs);
    checkChannels(op, 'weight', weight, c, xs);
    checkChannels(op, 'bias', bias, c, xs);
    if ((runningMean === null) !== (runningVar === null))
      throw new Error(`${op}: give both runningMean and runningVar, or neither`);
    if (this.training) {
      const m = xs[0] * xs[2] * xs[3] * xs[4];
      if (m < 2)
        throw new Error(`${op}: expected more than 1 value per channel when training, got input size ${fmt(xs)}`);
    } else if (!runningMean || !runningVar) {
      throw new Error(`${op}: runningMean and runningVar are required when not training`);
    }
    this.inputs = [x];
    if (weight) this.inputs.push(weight);
    if (bias) this.inputs.push(bias);
    this.w = weight ? weight.data : null;
    this.b = bias ? bias.data : null;
  }

  /** running = (1 - momentum) * running + momentum * batch, with the unbiased variance, like PyTorch. */
  updateRunningStats(mean: Float32Array, invstd: Float32Array): void {
    if (!this.runningMean || !this.runningVar) return;
    const xs = this.xs,
      m = xs[0] * xs[2] * xs[3] * xs[4];
    const rm = this.runningMean.data,
      rv = this.runningVar.data,
      momentum = this.momentum;
    for (let k = 0; k < xs[1]; k++) {
      const biasedVar = Math.max(0, 1 / (invstd[k] * invstd[k]) - this.eps);
      rm[k] = (1 - momentum) * rm[k] + momentum * mean[k];
      rv[k] = (1 - momentum) * rv[k] + momentum * biasedVar * (m / (m - 1));
    }
  }

  /**
   * The training-mode result: updates the running statistics from the batch statistics of `r` and
   * records r.y (of `shape`) with a backward that makes one native gradient call, shared by dx and
   * the parameter gradients.
   */
  trained(
    name: string,
    r: { y: Float32Array; mean: Float32Array; invstd: Float32Array },
    shape: readonly number[],
    backward: (dy: Float32Array) => Grads,
  ): Tensor {
    this.updateRunningStats(r.mean, r.invstd);
    let cache: Grads | null = null;
    const grad = (g: Tensor) => (cache ??= backward(g.data));
    return record(new Tensor(r.y, shape), name, this.inputs, (g, needs) =>
      this.grads(
        needs,
        () => grad(g).dx,
        () => grad(g),
      ),
    );
  }

  /** Gradients in input order: x, then weight and bias where given; skips what is not needed. */
  grads(
    needs: readonly boolean[],
    dx: () => Float32Array,
    dParams: () => { dgamma: Float32Array; dbeta: Float32Array },
  ): (Tensor | null)[] {
    const out: (Tensor | null)[] = [needs[0] ? new Tensor(dx(), this.x.shape) : null];
    const p = needs.slice(1).some((n) => n) ? dParams() : null;
    if (this.weight) out.push(p && needs[1] ? new Tensor(p.dgamma, this.weight.shape) : null);
    if (this.bias) out.push(p && needs[this.inputs.length - 1] ? new Tensor(p.dbeta, this.bias.shape) : null);
    return out;
  }

  /**
   * Evaluation-mode gradients through the running-statistics affine map, given the map's output
   * gradient dz (already masked by the ReLU where there is one). rm, rv: snapshots of the buffers.
   */
  evalGrads(needs: readonly boolean[], dz: () => Float32Array, rm: Float32Array, rv: Float32Array): (Tensor | null)[] {
    const { xs, eps, w } = this;
    return this.grads(
      needs,
      // dx = dz * weight / sqrt(runningVar + eps): the same per-channel map with mean 0 and no bias.
      () => native.batchNormInfer(dz(), xs, w, null, new Float32Array(xs[1]), rv, eps),
      // dweight = sum dz * (x - runningMean) / sqrt(runningVar + eps), dbias = sum dz.
      () =>
        native.batchNormGrad(
          this.x.data,
          xs,
          dz(),
          null,
          rm,
          Float32Array.from(rv, (v) => 1 / Math.sqrt(v + eps)),
        ),
    );
  }
}

/**
 * y = (x - mean) / sqrt(var + eps) * weight + bias per channel of x: (N, C, D, H, W).
 *
 * Training: mean and (biased) var are the batch statistics over (N, D, H, W), and the running
 * buffers are updated in place, `running = (1 - momentum) * running + momentum * batch`, with the
 * UNBIASED batch variance for runningVar, exactly like PyTorch. Evaluation: the running statistics
 * are used (and gradients flow through that affine map). With `relu: true` the result is
 * `relu(y)`, computed in the same pass, with the same gradient as the two ops composed.
 * @param x input (N, C, D, H, W)
 * @param runningMean (C) buffer, updated in place in training; required in evaluation (may be null in training)
 * @param runningVar (C) buffer, updated in place in training; required in evaluation (may be null in training)
 * @param weight optional (C) scale gamma (affine off when absent)
 * @param bias optional (C) shift beta
 * @param options training (default false), momentum (default 0.1), eps (default 1e-5), relu (default false)
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
  dispatchDevice(
    'batchNorm3d',
    [x, runningMean, runningVar, weight, bias],
    ['input', 'runningMean', 'runningVar', 'weight', 'bias'],
  );
  const call = new BatchNormCall('batchNorm3d', x, runningMean, runningVar, weight, bias, options);
  const { xs, eps, w, b, relu } = call;
  const name = relu ? 'batchNormRelu3d' : 'batchNorm3d';

  if (call.training) {
    const r = relu ? native.batchNormReluTrain(x.data, xs, w, b, eps) : native.batchNormTrain(x.data, xs, w, b, eps);
    return call.trained(name, r, x.shape, (dy) =>
      relu
        ? native.batchNormReluGrad(x.data, xs, r.y, dy, w, r.mean, r.invstd)
        : native.batchNormGrad(x.data, xs, dy, w, r.mean, r.invstd),
    );
  }

  // Snapshots: later training steps update the buffers in place, the backward must see these values.
  const rm = runningMean!.data.slice(),
    rv = runningVar!.data.slice();
  const y = relu
    ? native.batchNormReluInfer(x.data, xs, w, b, rm, rv, eps)
    : native.batchNormInfer(x.data, xs, w, b, rm, rv, eps);
  return record(new Tensor(y, x.shape), name, call.inputs, (g, needs) => {
    // With relu, the affine map's gradient is dz = dy where y > 0, else 0.
    let dz: Float32Array | null = null;
    return call.evalGrads(needs, () => (dz ??= relu ? native.reluGrad(y, g.data) : g.data), rm, rv);
  });
}

/** Options of {@link batchNormReluMaxPool3d}: the batch-norm options (relu is implied) and the pool window. */
export interface BatchNormReluMaxPool3dOptions extends Omit<BatchNorm3dOptions, 'relu'>, PoolWindowOptions {}

/**
 * `maxPool3d(relu(batchNorm3d(x, ...)), kernelSize, { stride, padding })` in fused native passes that
 * never store relu(bn(x)): the Conv-BN-ReLU-MaxPool block's memory traffic is cut to reading x.
 * Same values, indices, gradients and running-statistics update as the three ops composed.
 * @param x input (N, C, D, H, W)
 * @param runningMean (C) buffer (see {@link batchNorm3d})
 * @param runningVar (C) buffer (see {@link batchNorm3d})
 * @param weight optional (C) scale gamma
 * @param bias optional (C) shift beta
 * @param kernelSize pool window, one number or (kD, kH, kW)
 * @param options training, momentum, eps (see {@link batchNorm3d}); stride (default kernelSize), padding (default 0)
 * @returns the pooled tensor (N, C, oD, oH, oW)
 * @throws on bad shapes or options, as batchNorm3d and maxPool3d do
 */
export function batchNormReluMaxPool3d(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null | undefined,
  bias: Tensor | null | undefined,
  kernelSize: number | Triple,
  options: BatchNormReluMaxPool3dOptions = {},
): Tensor {
  dispatchDevice(
    'batchNormReluMaxPool3d',
    [x, runningMean, runningVar, weight, bias],
    ['input', 'runningMean', 'runningVar', 'weight', 'bias'],
  );
  const op = 'batchNormReluMaxPool3d';
  const call = new BatchNormCall(op, x, runningMean, runningVar, weight, bias, { ...options, relu: true });
  const { kernel, stride, padding, outShape } = poolWindow(op, x, kernelSize, options);
  const { xs, eps, w, b } = call;

  if (call.training) {
    const r = native.batchNormReluMaxPool3dTrain(x.data, xs, w, b, eps, kernel, stride, padding);
    return call.trained(op, r, outShape, (dy) =>
      native.batchNormReluMaxPool3dGrad(x.data, xs, r.y, r.indices, dy, w, r.mean, r.invstd, kernel, stride, padding),
    );
  }

  const rm = runningMean!.data.slice(),
    rv = runningVar!.data.slice();
  const { y, indices } = native.batchNormReluMaxPool3dInfer(x.data, xs, w, b, rm, rv, eps, kernel, stride, padding);
  return record(new Tensor(y, outShape), op, call.inputs, (g, needs) => {
    // dz = MaxPool3DGrad of the masked dy: the ReLU mask at each chosen element is y > 0.
    let dz: Float32Array | null = null;
    const gz = () => (dz ??= native.maxPool3dGrad(native.reluGrad(y, g.data), indices, outShape, xs));
    return call.evalGrads(needs, gz, rm, rv);
  });
}
