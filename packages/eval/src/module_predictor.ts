// ModulePredictor: a model running in-process (eval mode, no graph) behind the Predictor interface;
// nodulab's models run off the event loop's thread (a ForwardWorker the predictor owns, or the forward pass
// it is given, e.g. a training run's step thread), so predict() never blocks the event loop.
import { Tensor, noGrad } from '@nodulab/tensor';
import { yieldToEventLoop } from '@nodulab/platform';
import { type AsyncForward, ForwardWorker, isModel, Module } from '@nodulab/nn';
import type { ModelInfo } from './model_info';
import type { Predictor } from './predictor';

/** Options of {@link ModulePredictor}. */
export interface ModulePredictorOptions {
  /**
   * Runs a nodulab model's forward pass off the event loop's thread, bit-identical to `forwardTo` (e.g. a
   * training run's step thread, which serves it on a replica sharing the model's memory). Default: the model's
   * shared {@link ForwardWorker} (`ForwardWorker.of(model)`), started by the first prediction and stopped by
   * `release()`.
   */
  forward?: AsyncForward;
}

/** An in-process model as a {@link Predictor}: `predict(x)` is `model.forward(x)` in eval mode. */
export class ModulePredictor implements Predictor {
  /** The worker of the default forward pass, once used. */
  private worker: ForwardWorker | null = null;

  /** @param model a module whose forward gives logits @param info what it predicts and takes */
  constructor(
    readonly model: Module,
    readonly info: ModelInfo,
    private readonly options: ModulePredictorOptions = {},
  ) {}

  /**
   * Logits of x: (N,C,D,H,W) in network units (the box head's (N, 6) boxes for a 'localization' model).
   * A nodulab model (NoduleNet3D, ResNet3D, UNet3D) runs on a worker thread (see
   * {@link ModulePredictorOptions.forward}; bit-identical to `forward`); any other module runs here and yields
   * to the event loop after the batch.
   */
  async predict(x: Tensor): Promise<Tensor> {
    this.model.eval();
    const boxes = this.info.task === 'localization';
    if (isModel(this.model)) {
      const model = this.model;
      const forward = this.options.forward ?? ((v, o) => (this.worker ??= ForwardWorker.of(model)).forward(v, o));
      return forward(x, boxes ? 'boxes' : 'logits');
    }
    if (boxes)
      throw new Error(`ModulePredictor: ${this.model.constructor.name} is not a nodulab model with a box head`);
    const y = noGrad(() => this.model.forward(x));
    await yieldToEventLoop();
    return y;
  }

  /** Stops the thread of the default forward pass, if it ran one; the weights stay in JS memory. */
  async release(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.close();
  }
}
