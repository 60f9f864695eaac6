// ModulePredictor: a model running in-process (eval mode, no graph) behind the Predictor interface.
import { Tensor, noGrad, yieldToEventLoop } from '@nodulab/tensor';
import type { Module } from '@nodulab/nn';
import type { ModelInfo } from './model_info';
import type { Predictor } from './predictor';

/** An in-process model as a {@link Predictor}: `predict(x)` is `model.forward(x)` in eval mode. */
export class ModulePredictor implements Predictor {
  /** @param model a module whose forward gives logits @param info what it predicts and takes */
  constructor(
    readonly model: Module,
    readonly info: ModelInfo,
  ) {}

  /** Logits of x: (N,C,D,H,W) in network units; yields to the event loop after the batch. */
  async predict(x: Tensor): Promise<Tensor> {
    this.model.eval();
    const y = noGrad(() => this.model.forward(x));
    await yieldToEventLoop();
    return y;
  }

  /** Nothing to free: the weights live in JS memory. */
  async release(): Promise<void> {}
}
