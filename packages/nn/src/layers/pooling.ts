// Pooling layers: MaxPool3d, AvgPool3d (window over D, H, W) and GlobalAvgPool3d (N,C,D,H,W) -> (N,C,1,1,1).
import { Tensor, avgPool3d, globalAvgPool3d, maxPool3d } from '@nodulab/tensor';
import { Module } from '../module';
import type { Size3 } from './conv';

/** Window options of the pooling layers; stride defaults to the kernel size, as in PyTorch. */
export interface PoolOptions {
  stride?: Size3;
  padding?: Size3;
}

/** Options of {@link AvgPool3d}. */
export interface AvgPoolOptions extends PoolOptions {
  /** Count zero padding in the divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
}

/** A pooling layer over kD x kH x kW windows: the kernel size, the options and their defaults. */
abstract class WindowPool3d<O extends PoolOptions> extends Module {
  constructor(
    readonly kernelSize: Size3,
    readonly options: O = {} as O,
  ) {
    super();
  }

  /** stride (default the kernel size) and padding (default 0). */
  protected window(): { stride: Size3; padding: Size3 } {
    return { stride: this.options.stride ?? this.kernelSize, padding: this.options.padding ?? 0 };
  }
}

/** Max over kD x kH x kW windows, like `torch.nn.MaxPool3d`. */
export class MaxPool3d extends WindowPool3d<PoolOptions> {
  override forward(x: Tensor): Tensor {
    return maxPool3d(x, this.kernelSize, this.window());
  }
}

/** Mean over kD x kH x kW windows, like `torch.nn.AvgPool3d`. */
export class AvgPool3d extends WindowPool3d<AvgPoolOptions> {
  override forward(x: Tensor): Tensor {
    return avgPool3d(x, this.kernelSize, { ...this.window(), countIncludePad: this.options.countIncludePad ?? true });
  }
}

/** Mean over D, H, W: (N,C,D,H,W) -> (N,C,1,1,1), like `torch.nn.AdaptiveAvgPool3d(1)`. */
export class GlobalAvgPool3d extends Module {
  override forward(x: Tensor): Tensor {
    return globalAvgPool3d(x);
  }
}
