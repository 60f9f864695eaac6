// Activation layers wrapping the elementwise ops: ReLU, LeakyReLU, Sigmoid.
import { Tensor, leakyRelu, relu, sigmoid } from '@nodulab/tensor';
import { Module } from '../module';

/** max(x, 0), like `torch.nn.ReLU`. */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x for x > 0, else negativeSlope * x, like `torch.nn.LeakyReLU` (default slope 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (!Number.isFinite(negativeSlope))
      throw new Error(`LeakyReLU: negativeSlope must be finite, got ${negativeSlope}`);
  }

  override forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

/** 1 / (1 + exp(-x)), like `torch.nn.Sigmoid`. */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}
