// Pooling layers: MaxPool3d, AvgPool3d (window over D, H, W) and GlobalAvgPool3d (N,C,D,H,W) -> (N,C,1,1,1).
import { Tensor, avgPool3d, globalAvgPool3d, maxPool3d } from '@nodulab/tensor';
import { Module } from '../module';
import type { Size3 } from './conv';

/** Window options of the pooling layers; stride defaults to the kernel size, as in PyTorch. */
export interface PoolOptions {
  stride?: Size3;
  padding?: Size3;
}

/** Max over kD x kH x kW windows, like `torch.nn.MaxPool3d`. */
export class MaxPool3d extends Module {
  constructor(
    readonly kernelSize: Size3,
    readonly options: PoolOptions = {},
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return maxPool3d(x, this.kernelSize, {
      stride: this.options.stride ?? this.kernelSize,
      padding: this.options.padding ?? 0,
    });
  }
}

/** Options of {@link AvgPool3d}. */
export interface AvgPoolOptions extends PoolOptions {
  /** Count zero padding in the divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
}

/** Mean over kD x kH x kW windows, like `torch.nn.AvgPool3d`. */
export class AvgPool3d extends Module {
  constructor(
    readonly kernelSize: Size3,
    readonly options: AvgPoolOptions = {},
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return avgPool3d(x, this.kernelSize, {
      stride: this.options.stride ?? this.kernelSize,
      padding: this.options.padding ?? 0,
      countIncludePad: this.options.countIncludePad ?? true,
    });
  }
}

/** Mean over D, H, W: (N,C,D,H,W) -> (N,C,1,1,1), like `torch.nn.AdaptiveAvgPool3d(1)`. */
export class GlobalAvgPool3d extends Module {
  override forward(x: Tensor): Tensor {
    return globalAvgPool3d(x);
  }
}
