// Softmax and log-softmax over the class axis of a 2-D (N, C) tensor, on the native kernels
// (max-shifted, so large logits are safe; a NaN in a row makes that row NaN), with gradients.
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { native } from '../binding';
import { Tensor } from '../tensor';
import { fmt } from './shape_utils';

/** Checks that x is a non-empty (N, C) tensor and dim names its class axis; returns [N, C]. */
function rowsCols(op: string, x: Tensor, dim: number): [number, number] {
  if (x.ndim !== 2)
    throw new Error(`${op}: x must be 2-D (N, C), got shape ${fmt(x.shape)}; only 2-D input is supported`);
  if (dim !== -1 && dim !== 1) throw new Error(`${op}: dim must be -1 or 1 (the class axis of (N, C)), got ${dim}`);
  if (x.shape[0] === 0 || x.shape[1] === 0) throw new Error(`${op}: x of shape ${fmt(x.shape)} is empty`);
  return [x.shape[0], x.shape[1]];
}

/**
 * softmax(x)_ij = exp(x_ij) / sum_k exp(x_ik) along the class axis of x: (N, C), like
 * `torch.softmax(x, dim)`. Only dim = -1 or 1 of a 2-D tensor is supported.
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  dispatchDevice('softmax', [x]);
  const [rows, cols] = rowsCols('softmax', x, dim);
  const y = native.softmax(x.data, rows, cols);
  const out = new Tensor(y, x.shape);
  return record(out, 'softmax', [x], (g) => [new Tensor(native.softmaxGrad(y, g.data, rows, cols), x.shape)]);
}

/**
 * log_softmax(x)_ij = x_ij - log sum_k exp(x_ik) along the class axis of x: (N, C), like
 * `torch.log_softmax(x, dim)`; computed directly (never log(softmax)), so it stays finite for large logits.
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  dispatchDevice('logSoftmax', [x]);
  const [rows, cols] = rowsCols('logSoftmax', x, dim);
  const y = native.logSoftmax(x.data, rows, cols);
  const out = new Tensor(y, x.shape);
  return record(out, 'logSoftmax', [x], (g) => [new Tensor(native.logSoftmaxGrad(y, g.data, rows, cols), x.shape)]);
}
