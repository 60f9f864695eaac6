// Dropout layer: zeroes elements with probability p in training mode (scaling the rest by 1/(1-p)).
import { Generator, Tensor, dropout } from '@nodulab/tensor';
import { defaultGenerator } from '../init';
import { Module } from '../module';

/** Like `torch.nn.Dropout`; identity in eval mode. Masks come from `generator` so runs repeat. */
export class Dropout extends Module {
  private readonly generator: Generator;

  constructor(
    readonly p = 0.5,
    generator?: Generator,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${p}`);
    this.generator = generator ?? defaultGenerator;
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }
}
