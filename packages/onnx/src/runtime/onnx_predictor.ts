// OnnxPredictor: an exported ONNX model running in onnxruntime-node behind @nodulab/eval's Predictor,
// and openPredictor(path): an .onnx file or a checkpoint / run folder as a Predictor.
import { Tensor } from '@nodulab/tensor';
import { LoadModelOptions, loadCheckpointPredictor, Predictor } from '@nodulab/eval';
import { LoadOptions, OnnxModel } from './onnx_model';
import type { NodulabMetadata } from '../export/metadata';

/** An {@link OnnxModel} as a {@link Predictor}: `predict(x)` gives the graph's logits output. */
export class OnnxPredictor implements Predictor {
  constructor(readonly model: OnnxModel) {}

  /** Loads and validates an exported model (see {@link OnnxModel.load}). */
  static async load(file: string, options: LoadOptions = {}): Promise<OnnxPredictor> {
    return new OnnxPredictor(await OnnxModel.load(file, options));
  }

  /** The model's metadata, a superset of the predictor info. */
  get info(): NodulabMetadata {
    return this.model.metadata;
  }

  /** Logits (N,K) or (N,K,D,H,W) (embedding models: the embedding) of x: (N,C,D,H,W) in network units. */
  async predict(x: Tensor): Promise<Tensor> {
    const out = (await this.model.run(x.data, x.shape[0]))[this.info.outputNames[0]];
    return new Tensor(out.data, out.dims);
  }

  async release(): Promise<void> {
    await this.model.release();
  }
}

/**
 * A Predictor for `target`: a .onnx file runs in onnxruntime-node; anything else is a safetensors
 * checkpoint or a run folder (its best checkpoint) running in-process.
 */
export async function openPredictor(target: string, options: LoadModelOptions & LoadOptions = {}): Promise<Predictor> {
  if (/\.onnx$/i.test(target)) return OnnxPredictor.load(target, options);
  return loadCheckpointPredictor(target, options);
}
