// conv3dBatchNormReluInfer: the inference Conv3d -> BatchNorm3d (eval) -> ReLU (-> MaxPool3d) block in
// one native call (BatchNorm folded into the conv, no full-size intermediate). No gradient.
import { isGradEnabled } from '../autograd';
import { native, Shape5, Triple } from '../binding';
import { dispatchDevice } from '../device';
import { Tensor } from '../tensor';
import { expect5d, fmt, triple, windowOut } from './shape_utils';
import type { Conv3dOptions } from './conv';

/** An eval-mode BatchNorm3d's running statistics and affine parameters (like `torch.nn.BatchNorm3d`). */
export interface FoldedBatchNorm {
  runningMean: Tensor;
  runningVar: Tensor;
  /** gamma (Co) or null for 1. */
  weight: Tensor | null;
  /** beta (Co) or null for 0. */
  bias: Tensor | null;
  eps: number;
}

/** A max pool window after the ReLU (PyTorch `MaxPool3d` semantics, floor mode). */
export interface BlockMaxPool {
  kernelSize: number | readonly number[];
  /** Default: kernelSize. */
  stride?: number | readonly number[];
  /** Default 0; at most half the kernel. */
  padding?: number | readonly number[];
}

/**
 * `maxPool3d(relu(batchNorm3d(conv3d(x, weight, bias), eval)))` (pool optional) for inference, the
 * BatchNorm folded into the convolution: x (N,Ci,D,H,W), weight (Co,Ci,kD,kH,kW) -> (N,Co,oD,oH,oW),
 * pooled when `pool` is given. The result has no gradient.
 * @throws when gradients are enabled and an input requires one (use the separate ops to train), or on
 *   bad shapes and options
 */
export function conv3dBatchNormReluInfer(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  bn: FoldedBatchNorm,
  options: Conv3dOptions = {},
  pool: BlockMaxPool | null = null,
): Tensor {
  const op = 'conv3dBatchNormReluInfer';
  const inputs = [x, weight, bias, bn.weight, bn.bias];
  if (isGradEnabled() && inputs.some((t) => t?.requiresGrad)) {
    throw new Error(`${op}: computes no gradient; call it under noGrad() or with inputs that need none`);
  }
  dispatchDevice(
    op,
    [x, weight, bias, bn.runningMean, bn.runningVar, bn.weight, bn.bias],
    ['input', 'weight', 'bias', 'running mean', 'running var', 'BatchNorm weight', 'BatchNorm bias'],
  );
  const xs = expect5d(op, 'input', x);
  const ws = expect5d(op, 'weight', weight);
  if (xs[1] !== ws[1])
    throw new Error(`${op}: input ${fmt(xs)} has ${xs[1]} channels but weight ${fmt(ws)} expects ${ws[1]}`);
  const stride = triple(op, 'stride', options.stride, 1, 1);
  const padding = triple(op, 'padding', options.padding, 0, 0);
  const dilation = triple(op, 'dilation', options.dilation, 1, 1);
  const ys: Shape5 = [xs[0], ws[0], 0, 0, 0];
  for (let a = 0; a < 3; a++) ys[2 + a] = windowOut(xs[2 + a], ws[2 + a], stride[a], padding[a], dilation[a]);
  let poolArgs: [Triple, Triple, Triple] | null = null;
  if (pool) {
    const k = triple(op, 'pool kernelSize', pool.kernelSize, 1, 1);
    const s = pool.stride === undefined ? k : triple(op, 'pool stride', pool.stride, 1, 1);
    const p = triple(op, 'pool padding', pool.padding, 0, 0);
    poolArgs = [k, s, p];
    for (let a = 0; a < 3; a++) ys[2 + a] = windowOut(ys[2 + a], k[a], s[a], p[a]);
  }
  const y = native.conv3dBnReluMaxPoolInfer(
    x.data,
    xs,
    weight.data,
    ws,
    bias ? bias.data : null,
    bn.runningMean.data,
    bn.runningVar.data,
    bn.weight ? bn.weight.data : null,
    bn.bias ? bn.bias.data : null,
    bn.eps,
    stride,
    padding,
    dilation,
    poolArgs ? poolArgs[0] : null,
    poolArgs ? poolArgs[1] : [1, 1, 1],
    poolArgs ? poolArgs[2] : [0, 0, 0],
  );
  return new Tensor(y, ys);
}
