// 3-D pooling on (N, C, D, H, W) tensors: maxPool3d, avgPool3d and globalAvgPool3d with gradients
// (PyTorch semantics, floor mode).
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { native, Shape5, Triple } from '../binding';
import { Tensor } from '../tensor';
import { expect5d, fmt } from './shape_utils';
import { poolWindow } from './pool_window';

/** Options of {@link maxPool3d}: like `torch.nn.functional.max_pool3d`. */
export interface MaxPool3dOptions {
  /** Window step per axis; defaults to the kernel size. */
  stride?: number | Triple;
  /** Implicit -inf padding on each side; at most half the kernel. Default 0. */
  padding?: number | Triple;
}

/** Options of {@link avgPool3d}: like `torch.nn.functional.avg_pool3d`. */
export interface AvgPool3dOptions extends MaxPool3dOptions {
  /** Divide by the whole window, zero padding included (true, default) or by the real elements only. */
  countIncludePad?: boolean;
}

/**
 * Max over each kernelSize window of x: (N, C, D, H, W) -> (N, C, oD, oH, oW), with
 * o = floor((i + 2*padding - kernel) / stride) + 1. A tie goes to the first maximum in (d, h, w)
 * order and NaN wins, as in PyTorch; the gradient flows to the chosen element only.
 * @param x input volume batch (N, C, D, H, W)
 * @param kernelSize window size, one number or (kD, kH, kW)
 * @param options stride (default kernelSize) and padding (default 0)
 * @throws if x is not 5-D, the window is invalid or the output would be empty
 */
export function maxPool3d(x: Tensor, kernelSize: number | Triple, options: MaxPool3dOptions = {}): Tensor {
  dispatchDevice('maxPool3d', [x]);
  const w = poolWindow('maxPool3d', x, kernelSize, options);
  const xShape = x.shape as unknown as Shape5;
  const { y, indices } = native.maxPool3d(x.data, xShape, w.kernel, w.stride, w.padding);
  const out = new Tensor(y, w.outShape);
  return record(out, 'maxPool3d', [x], (g) => [
    new Tensor(native.maxPool3dGrad(g.data, indices, w.outShape, xShape), x.shape),
  ]);
}

/**
 * Mean over each kernelSize window of x: (N, C, D, H, W) -> (N, C, oD, oH, oW). With
 * countIncludePad (default) the zero padding counts in the divisor, as in PyTorch.
 * @param x input volume batch (N, C, D, H, W)
 * @param kernelSize window size, one number or (kD, kH, kW)
 * @param options stride (default kernelSize), padding (default 0), countIncludePad (default true)
 * @throws if x is not 5-D, the window is invalid or the output would be empty
 */
export function avgPool3d(x: Tensor, kernelSize: number | Triple, options: AvgPool3dOptions = {}): Tensor {
  dispatchDevice('avgPool3d', [x]);
  const w = poolWindow('avgPool3d', x, kernelSize, options);
  const includePad = options.countIncludePad ?? true;
  if (typeof includePad !== 'boolean')
    throw new Error(`avgPool3d: countIncludePad must be a boolean, got ${JSON.stringify(includePad)}`);
  const xShape = x.shape as unknown as Shape5;
  const out = new Tensor(native.avgPool3d(x.data, xShape, w.kernel, w.stride, w.padding, includePad), w.outShape);
  return record(out, 'avgPool3d', [x], (g) => [
    new Tensor(native.avgPool3dGrad(g.data, w.outShape, xShape, w.kernel, w.stride, w.padding, includePad), x.shape),
  ]);
}

/**
 * Mean over (D, H, W): (N, C, D, H, W) -> (N, C, 1, 1, 1), like PyTorch's `AdaptiveAvgPool3d(1)`
 * and ONNX GlobalAveragePool. Sums in double.
 * @throws if x is not 5-D or has a zero dimension
 */
export function globalAvgPool3d(x: Tensor): Tensor {
  dispatchDevice('globalAvgPool3d', [x]);
  const xs = expect5d('globalAvgPool3d', 'x', x);
  if (xs.some((d) => d < 1)) throw new Error(`globalAvgPool3d: x shape ${fmt(xs)} has a zero dimension`);
  const out = new Tensor(native.globalAvgPool3d(x.data, xs), [xs[0], xs[1], 1, 1, 1]);
  return record(out, 'globalAvgPool3d', [x], (g) => [new Tensor(native.globalAvgPool3dGrad(g.data, xs), x.shape)]);
}
