// ModulePredictor: a model running in-process (eval mode, no graph) behind the Predictor interface;
// nodulab's models run on a worker thread (Model.forwardAsync), so predict() never blocks the event loop.
import { Tensor, noGrad } from '@nodulab/tensor';
import { yieldToEventLoop } from '@nodulab/platform';
import { isModel, Module } from '@nodulab/nn';
import type { ModelInfo } from './model_info';
import type { Predictor } from './predictor';

/** An in-process model as a {@link Predictor}: `predict(x)` is `model.forward(x)` in eval mode. */
export class ModulePredictor implements Predictor {
  /** @param model a module whose forward gives logits @param info what it predicts and takes */
  constructor(
    readonly model: Module,
    readonly info: ModelInfo,
  ) {}

  /**
   * Logits of x: (N,C,D,H,W) in network units (the box head's (N, 6) boxes for a 'localization' model).
   * A nodulab model (NoduleNet3D, ResNet3D, UNet3D) runs on its worker thread (`forwardAsync`, bit-identical
   * to `forward`); any other module runs here and yields to the event loop after the batch.
   */
  async predict(x: Tensor): Promise<Tensor> {
    this.model.eval();
    const boxes = this.info.task === 'localization';
    if (isModel(this.model)) return this.model.forwardAsync(x, boxes ? 'boxes' : 'logits');
    if (boxes)
      throw new Error(`ModulePredictor: ${this.model.constructor.name} is not a nodulab model with a box head`);
    const y = noGrad(() => this.model.forward(x));
    await yieldToEventLoop();
    return y;
  }

  /** Stops the model's worker thread, if it has one; the weights stay in JS memory. */
  async release(): Promise<void> {
    if (isModel(this.model)) await this.model.closeWorker();
  }
}
