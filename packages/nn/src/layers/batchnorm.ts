// BatchNorm3d: per-channel normalization over (N, D, H, W) with PyTorch's buffers
// (running_mean, running_var, num_batches_tracked) and momentum semantics.
import { Tensor, batchNorm3d, batchNormReluMaxPool3d } from '@nodulab/tensor';
import { Module } from '../module';
import { checkPositiveInt } from '../check';
import type { MaxPool3d } from './pooling';

/** Options of {@link BatchNorm3d}. */
export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running averages (default 0.1); null: cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); false: always use batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalization of x (N,C,D,H,W), like `torch.nn.BatchNorm3d`: training mode normalizes
 * with batch statistics and updates the running ones in place (unbiased variance); eval mode
 * uses the running statistics. Parameters weight/bias (C); buffers running_mean, running_var (C)
 * and num_batches_tracked (a scalar).
 */
export class BatchNorm3d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    checkPositiveInt('BatchNorm3d', 'numFeatures', numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (!(this.eps > 0)) throw new Error(`BatchNorm3d: eps must be > 0, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`BatchNorm3d: momentum must be in [0, 1] or null, got ${this.momentum}`);
    }
    const affine = options.affine ?? true;
    this.weight = this.registerParameter('weight', affine ? Tensor.ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', affine ? Tensor.zeros([numFeatures]) : null);
    const track = options.trackRunningStats ?? true;
    this.runningMean = this.registerBuffer('running_mean', track ? Tensor.zeros([numFeatures]) : null);
    this.runningVar = this.registerBuffer('running_var', track ? Tensor.ones([numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', track ? Tensor.zeros([]) : null);
  }

  /** Resets running statistics to mean 0, variance 1 and the batch count to 0. */
  resetRunningStats(): void {
    this.runningMean?.data.fill(0);
    this.runningVar?.data.fill(1);
    this.numBatchesTracked?.data.fill(0);
  }

  override forward(x: Tensor): Tensor {
    return this.run(x, false);
  }

  /**
   * `relu(this.forward(x))` computed in one fused pass each way (same values, gradients and
   * running-statistics update). {@link Sequential} calls it for a BatchNorm3d directly followed by a ReLU.
   */
  forwardRelu(x: Tensor): Tensor {
    return this.run(x, true);
  }

  /**
   * `pool.forward(relu(this.forward(x)))` in fused passes that never store relu(bn(x)) (same values,
   * gradients and running-statistics update). {@link Sequential} calls it for BatchNorm3d, ReLU, MaxPool3d.
   */
  forwardReluMaxPool(x: Tensor, pool: MaxPool3d): Tensor {
    const { training, momentum } = this.step(x);
    return batchNormReluMaxPool3d(x, this.runningMean, this.runningVar, this.weight, this.bias, pool.kernelSize, {
      training,
      momentum,
      eps: this.eps,
      stride: pool.options.stride ?? pool.kernelSize,
      padding: pool.options.padding ?? 0,
    });
  }

  private run(x: Tensor, relu: boolean): Tensor {
    const { training, momentum } = this.step(x);
    return batchNorm3d(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training,
      momentum,
      eps: this.eps,
      relu,
    });
  }

  /** Checks x, counts a training batch, and returns the mode and momentum of this call. */
  private step(x: Tensor): { training: boolean; momentum: number } {
    if (x.ndim !== 5 || x.shape[1] !== this.numFeatures) {
      throw new Error(
        `BatchNorm3d: expected input (N, ${this.numFeatures}, D, H, W), got shape [${x.shape.join(', ')}]`,
      );
    }
    let momentum = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      this.numBatchesTracked.data[0] += 1;
      if (this.momentum === null) momentum = 1 / this.numBatchesTracked.data[0];
    }
    // Without running buffers (trackRunningStats false) batch statistics are used in both modes.
    return { training: this.training || !this.runningMean, momentum };
  }
}
