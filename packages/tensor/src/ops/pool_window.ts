// The pooling window of a max/avg pool call: kernel, stride and padding triples checked against x
// and the pooled shape (PyTorch semantics, floor mode). Shared by ops/pool.ts and ops/batchnorm.ts.
import type { Shape5, Triple } from '../binding';
import type { Tensor } from '../tensor';
import { expect5d, fmt, triple, windowOut } from './shape_utils';

/** Window options of the max/avg pools: like `torch.nn.functional.max_pool3d`. */
export interface PoolWindowOptions {
  /** Window step per axis; defaults to the kernel size. */
  stride?: number | Triple;
  /** Implicit padding on each side; at most half the kernel. Default 0. */
  padding?: number | Triple;
}

/** A checked pooling window and the output shape (N, C, oD, oH, oW) it gives for x. */
export interface PoolWindow {
  kernel: Triple;
  stride: Triple;
  padding: Triple;
  outShape: Shape5;
}

/** Checks x (5-D, no zero dimension) and the window; throws naming `op` and the shapes. */
export function poolWindow(op: string, x: Tensor, kernelSize: number | Triple, options: PoolWindowOptions): PoolWindow {
  const xs = expect5d(op, 'x', x);
  if (xs.some((d) => d < 1)) throw new Error(`${op}: x shape ${fmt(xs)} has a zero dimension`);
  const kernel = triple(op, 'kernelSize', kernelSize, 1, 1);
  const stride = options.stride === undefined ? kernel : triple(op, 'stride', options.stride, 1, 1);
  const padding = triple(op, 'padding', options.padding, 0, 0);
  if (padding.some((p, i) => p > Math.floor(kernel[i] / 2))) {
    throw new Error(`${op}: padding ${fmt(padding)} must be at most half the kernel ${fmt(kernel)}`);
  }
  const out = [0, 1, 2].map((i) => windowOut(xs[i + 2], kernel[i], stride[i], padding[i]));
  if (out.some((o) => o < 1)) {
    throw new Error(
      `${op}: output size ${fmt(out)} is too small: input ${fmt(xs)}, kernel ${fmt(kernel)}, stride ${fmt(stride)}, padding ${fmt(padding)}`,
    );
  }
  return { kernel, stride, padding, outShape: [xs[0], xs[1], out[0], out[1], out[2]] };
}
