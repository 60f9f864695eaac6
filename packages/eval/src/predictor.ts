// Predictor: anything that turns a batch of volumes x: (N,C,D,H,W) into logits — a model running
// in-process (ModulePredictor, e.g. from a checkpoint) or an exported ONNX model (@nodulab/onnx).
import { Tensor } from '@nodulab/tensor';
import type { ModelInfo } from './model_info';
import { InputUnits, VolumeInput, prepareBatch } from './input';

/**
 * A model that predicts, whatever runs it. Evaluation code ({@link evaluate}) only ever sees this.
 *
 * @example
 * const logits = await predictor.predict(prepareInput(volumesInHU, predictor.info, 'HU'));
 * const p = classProbabilities(logits);
 */
export interface Predictor {
  /** Task, class names, expected input and intensity normalization. */
  readonly info: ModelInfo;
  /**
   * Logits of a batch x: (N,C,D,H,W) already in network units (see {@link prepareInput}):
   * (N,K) for classification, (N,K,D,H,W) for segmentation, (N,E) for embedding models.
   * Never blocks the event loop for more than one batch.
   */
  predict(x: Tensor): Promise<Tensor>;
  /** Frees what the predictor holds (an onnxruntime session); it cannot be used afterwards. */
  release(): Promise<void>;
}

/**
 * The network input x: (N,C,D,H,W) for `info` from one volume or a batch (see {@link VolumeInput}):
 * checked against the model's channels and size, and normalized with its window when `units` is 'HU'.
 * The same function prepares input for every predictor, so a checkpoint and its ONNX export see the
 * same values.
 */
export function prepareInput(input: VolumeInput | readonly VolumeInput[], info: ModelInfo, units: InputUnits): Tensor {
  const { data, n } = prepareBatch(input, info, units);
  return new Tensor(data, [n, info.inputChannels, ...info.inputSize]);
}
