// Elementwise activations (relu, leakyRelu, sigmoid) on the native kernels, with gradients.
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { native } from '../binding';
import { Tensor } from '../tensor';

/** max(x, 0); NaN propagates. */
export function relu(x: Tensor): Tensor {
  dispatchDevice('relu', [x]);
  const out = new Tensor(native.relu(x.data), x.shape);
  return record(out, 'relu', [x], (g) => [new Tensor(native.reluGrad(x.data, g.data), x.shape)]);
}

/** x where x > 0, else negativeSlope * x (PyTorch default slope 0.01). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  dispatchDevice('leakyRelu', [x]);
  const out = new Tensor(native.leakyRelu(x.data, negativeSlope), x.shape);
  return record(out, 'leakyRelu', [x], (g) => [
    new Tensor(native.leakyReluGrad(x.data, g.data, negativeSlope), x.shape),
  ]);
}

/** 1 / (1 + exp(-x)). */
export function sigmoid(x: Tensor): Tensor {
  dispatchDevice('sigmoid', [x]);
  const y = native.sigmoid(x.data);
  const out = new Tensor(y, x.shape);
  return record(out, 'sigmoid', [x], (g) => [new Tensor(native.sigmoidGrad(y, g.data), x.shape)]);
}
