// 3-D convolutions on the native Conv3D kernels: conv3d (PyTorch Conv3d) and convTranspose3d
// (PyTorch ConvTranspose3d), with gradients for the input, the weight and the bias.
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { native, Shape5 } from '../binding';
import { Tensor } from '../tensor';
import { expect5d, fmt, triple, windowOut } from './shape_utils';

/** Options of {@link conv3d}: each a number (all three axes) or a (d, h, w) triple. */
export interface Conv3dOptions {
  /** Step between windows, >= 1. Default 1. */
  stride?: number | readonly number[];
  /** Zeros added on both sides of each axis, >= 0. Default 0. */
  padding?: number | readonly number[];
  /** Spacing between kernel taps, >= 1. Default 1. */
  dilation?: number | readonly number[];
}

/** Options of {@link convTranspose3d}. */
export interface ConvTranspose3dOptions extends Conv3dOptions {
  /** Extra size added on one side of each output axis, 0 <= outputPadding < stride. Default 0. */
  outputPadding?: number | readonly number[];
}

function checkBias(op: string, bias: Tensor | undefined | null, channels: number): void {
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== channels)) {
    throw new Error(`${op}: bias must have shape [${channels}], got ${fmt(bias.shape)}`);
  }
}

/** Adds b[c] to every element of channel c of y (N, C, ...) in place. */
function addBiasInPlace(y: Float32Array, shape: readonly number[], b: Float32Array): void {
  const [n, c] = shape;
  const inner = y.length / (n * c);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * inner;
      const v = b[ch];
      for (let j = 0; j < inner; j++) y[base + j] += v;
    }
}

/** Sum of g (N, C, ...) over every axis but C, accumulated in float64. */
function channelSums(g: Float32Array, shape: readonly number[]): Float32Array {
  const [n, c] = shape;
  const inner = g.length / (n * c);
  const out = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const base = (i * c + ch) * inner;
      for (let j = 0; j < inner; j++) s += g[base + j];
    }
    out[ch] = s;
  }
  return out;
}

/**
 * 3-D convolution (cross-correlation), like `torch.nn.functional.conv3d`.
 * @param x input (N, Ci, D, H, W)
 * @param weight filters (Co, Ci, kD, kH, kW)
 * @param bias optional (Co)
 * @param options stride, padding (zeros), dilation: numbers or (d, h, w) triples
 * @returns y (N, Co, oD, oH, oW), oD = floor((D + 2p - dilation(kD - 1) - 1) / stride) + 1
 * @throws when ranks, channel counts or options are wrong, or the kernel exceeds the padded input
 */
export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv3dOptions = {}): Tensor {
  dispatchDevice('conv3d', [x, weight, bias], ['input', 'weight', 'bias']);
  const op = 'conv3d';
  const xs = expect5d(op, 'input', x);
  const ws = expect5d(op, 'weight', weight);
  if (xs[1] !== ws[1]) {
    throw new Error(`${op}: input ${fmt(xs)} has ${xs[1]} channels but weight ${fmt(ws)} expects ${ws[1]}`);
  }
  checkBias(op, bias, ws[0]);
  const stride = triple(op, 'stride', options.stride, 1, 1);
  const padding = triple(op, 'padding', options.padding, 0, 0);
  const dilation = triple(op, 'dilation', options.dilation, 1, 1);
  const ys: Shape5 = [xs[0], ws[0], 0, 0, 0];
  for (let a = 0; a < 3; a++) {
    ys[2 + a] = windowOut(xs[2 + a], ws[2 + a], stride[a], padding[a], dilation[a]);
    if (ys[2 + a] < 1) {
      throw new Error(
        `${op}: kernel ${fmt(ws)} (dilation ${fmt(dilation)}) is larger than input ${fmt(xs)} padded by ${fmt(padding)}`,
      );
    }
  }
  const y = native.conv3d(x.data, xs, weight.data, ws, bias ? bias.data : null, stride, padding, dilation);
  const out = new Tensor(y, ys);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, op, inputs, (g, needs) => {
    const dx = needs[0]
      ? new Tensor(native.conv3dBackpropInput(g.data, ys, weight.data, ws, xs, stride, padding, dilation), xs)
      : null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[1] || (bias && needs[2])) {
      const r = native.conv3dBackpropFilter(x.data, xs, g.data, ys, ws, stride, padding, dilation, !!bias && needs[2]);
      dw = needs[1] ? new Tensor(r.dw, ws) : null;
      db = r.db ? new Tensor(r.db, [ws[0]]) : null;
    }
    return bias ? [dx, dw, db] : [dx, dw];
  });
}

/**
 * 3-D transposed convolution, like `torch.nn.functional.conv_transpose3d` (the gradient of conv3d
 * with respect to its input; upsampling in decoders).
 * @param x input (N, Ci, D, H, W)
 * @param weight filters in PyTorch's ConvTranspose3d layout (Ci, Co, kD, kH, kW)
 * @param bias optional (Co)
 * @param options stride, padding, outputPadding (< stride), dilation
 * @returns y (N, Co, oD, oH, oW), oD = (D - 1) stride - 2 padding + dilation (kD - 1) + outputPadding + 1
 * @throws when ranks, channel counts or options are wrong, or the output would be empty
 */
export function convTranspose3d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvTranspose3dOptions = {},
): Tensor {
  dispatchDevice('convTranspose3d', [x, weight, bias], ['input', 'weight', 'bias']);
  const op = 'convTranspose3d';
  const xs = expect5d(op, 'input', x);
  const ws = expect5d(op, 'weight', weight);
  if (xs[1] !== ws[0]) {
    throw new Error(
      `${op}: input ${fmt(xs)} has ${xs[1]} channels but weight ${fmt(ws)} (Ci, Co, kD, kH, kW) expects ${ws[0]}`,
    );
  }
  checkBias(op, bias, ws[1]);
  const stride = triple(op, 'stride', options.stride, 1, 1);
  const padding = triple(op, 'padding', options.padding, 0, 0);
  const dilation = triple(op, 'dilation', options.dilation, 1, 1);
  const outputPadding = triple(op, 'outputPadding', options.outputPadding, 0, 0);
  const ys: Shape5 = [xs[0], ws[1], 0, 0, 0];
  for (let a = 0; a < 3; a++) {
    if (outputPadding[a] >= stride[a]) {
      throw new Error(`${op}: outputPadding ${fmt(outputPadding)} must be smaller than stride ${fmt(stride)}`);
    }
    ys[2 + a] = (xs[2 + a] - 1) * stride[a] - 2 * padding[a] + dilation[a] * (ws[2 + a] - 1) + outputPadding[a] + 1;
    if (ys[2 + a] < 1) {
      throw new Error(
        `${op}: input ${fmt(xs)} with weight ${fmt(ws)} and padding ${fmt(padding)} gives an empty output`,
      );
    }
  }
  // As a convolution: conv input = our output ys, conv weight = weight (Co_conv = Ci, Ci_conv = Co), dy = x.
  const yData = native.conv3dBackpropInput(x.data, xs, weight.data, ws, ys, stride, padding, dilation);
  if (bias) addBiasInPlace(yData, ys, bias.data);
  const out = new Tensor(yData, ys);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, op, inputs, (g, needs) => {
    const dx = needs[0]
      ? new Tensor(native.conv3d(g.data, ys, weight.data, ws, null, stride, padding, dilation), xs)
      : null;
    const dw = needs[1]
      ? new Tensor(native.conv3dBackpropFilter(g.data, ys, x.data, xs, ws, stride, padding, dilation, false).dw, ws)
      : null;
    if (!bias) return [dx, dw];
    return [dx, dw, needs[2] ? new Tensor(channelSums(g.data, ys), [ws[1]]) : null];
  });
}
