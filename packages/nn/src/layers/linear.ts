// Linear layer: y = x W^T + b on (N, in) -> (N, out), PyTorch's layout and default initialization.
import { Generator, Tensor, linear } from '@nodulab/tensor';
import { defaultGenerator, kaimingUniform_, uniform_ } from '../init';
import { Module } from '../module';
import { checkPositiveInt } from '../check';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Initialization randomness (default: the shared default generator). */
  generator?: Generator;
}

/** Fully connected layer, like `torch.nn.Linear`: x (N,in) -> (N,out); weight (out,in), bias (out). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    checkPositiveInt('Linear', 'inFeatures', inFeatures);
    checkPositiveInt('Linear', 'outFeatures', outFeatures);
    const g = options.generator ?? defaultGenerator;
    this.weight = this.registerParameter('weight', Tensor.zeros([outFeatures, inFeatures]));
    this.bias = this.registerParameter('bias', options.bias === false ? null : Tensor.zeros([outFeatures]));
    kaimingUniform_(this.weight, { a: Math.sqrt(5) }, g);
    if (this.bias) uniform_(this.bias, -1 / Math.sqrt(inFeatures), 1 / Math.sqrt(inFeatures), g);
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
