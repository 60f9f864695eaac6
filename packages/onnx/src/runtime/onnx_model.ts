// OnnxModel: a nodulab ONNX model loaded once into onnxruntime-node — validated on load (a file, ONNX,
// with nodulab metadata) — and async, typed predictions: class probabilities, embeddings or masks, for
// volumes of the model's size or scans of any size, spacing and orientation (predictVolume).
import * as fs from 'fs';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { type InputLimits, readVolume } from '@nodulab/data';
import { Tensor } from '@nodulab/tensor';
import {
  argmaxClasses,
  classProbabilities,
  GriddedVolume,
  InputUnits,
  isGriddedVolume,
  predictVolume,
  prepareBatch,
  SlidingWindowOptions,
  VolumeGeometry,
  VolumeInput,
} from '@nodulab/eval';
import { decodeMetadata, NodulabMetadata } from '../export/metadata';
import { validateGraph } from './validate_graph';

/** Options of {@link OnnxModel.load}. */
export interface LoadOptions {
  /** Threads onnxruntime uses inside one operator (default: onnxruntime's choice). */
  intraOpNumThreads?: number;
}

/** Options of {@link OnnxModel.predict}. */
export interface PredictOptions {
  /** 'HU' (default: the model's normalization is applied) or 'normalized' (input already in network units). */
  units?: InputUnits;
  /** Volumes per onnxruntime call (default 32). */
  batchSize?: number;
}

/**
 * Options of {@link OnnxModel.predictVolume}: units, the sliding window of segmentation models, the volume's
 * name in errors and the bound on its resampled grid.
 */
export interface PredictVolumeOptions extends SlidingWindowOptions {
  /** 'HU' (default: the model's normalization is applied) or 'normalized'. */
  units?: InputUnits;
  /** The volume's name in errors, e.g. its file. */
  name?: string;
  /** maxVoxels bounds the resampled grid (@nodulab/data's `inputLimits`: these, else `NODULAB_MAX_VOXELS`). */
  limits?: Partial<InputLimits>;
  /** For a DICOM folder holding several series: which one (its index or SeriesInstanceUID). */
  series?: string | number;
}

/** Per-volume class logits and softmax probabilities, and the most probable class. */
export interface ClassificationPrediction {
  task: 'classification';
  classNames: string[];
  logits: Float32Array[];
  probabilities: Float32Array[];
  predicted: number[];
  /** For a volume with geometry ({@link OnnxModel.predictVolume}): what was done to fit the model. */
  geometry?: VolumeGeometry;
}

/** Per-volume embedding vectors. */
export interface EmbeddingPrediction {
  task: 'embedding';
  embeddings: Float32Array[];
  geometry?: VolumeGeometry;
}

/**
 * Per-volume boxes of a localizer: centre (z, y, x) and size (d, h, w), each divided by the model's input size
 * (D, H, W), as its box head gives them.
 */
export interface LocalizationPrediction {
  task: 'localization';
  boxes: Float32Array[];
  geometry?: VolumeGeometry;
}

/**
 * Per-volume class logits and probabilities per voxel (K, D, H, W) and the argmax mask (D, H, W) of
 * `shape`. For a volume with geometry, `shape` and the mask are the volume's own grid, logits and
 * probabilities the model grid (`geometry.resampledShape`).
 */
export interface SegmentationPrediction {
  task: 'segmentation';
  classNames: string[];
  shape: [number, number, number];
  logits: Float32Array[];
  probabilities: Float32Array[];
  masks: Uint8Array[];
  geometry?: VolumeGeometry;
}

export type Prediction =
  ClassificationPrediction | EmbeddingPrediction | SegmentationPrediction | LocalizationPrediction;

/** A raw output of the graph. */
export interface RawOutput {
  data: Float32Array;
  dims: number[];
}

function split(data: Float32Array, n: number): Float32Array[] {
  const per = data.length / n;
  return Array.from({ length: n }, (_, k) => data.slice(k * per, (k + 1) * per));
}

/**
 * A nodulab-exported ONNX model running in onnxruntime-node.
 *
 * @example
 * const model = await OnnxModel.load('model.onnx');
 * const p = await model.predict(volumeInHU);           // Float32Array (D*H*W) or { data, shape }
 * if (p.task === 'classification') console.log(p.probabilities[0]);
 */
export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly metadata: NodulabMetadata,
    readonly file: string,
  ) {}

  /**
   * Loads and validates `file`: it must be a readable file holding an ONNX model with nodulab's
   * metadata and matching input/outputs, whose graph passes {@link validateGraph} (known operators,
   * attributes in range, weights of the shapes the metadata implies) before onnxruntime sees it.
   * Every failure is an Error naming the file and the reason.
   */
  static async load(file: string, options: LoadOptions = {}): Promise<OnnxModel> {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (e) {
      throw new Error(`OnnxModel.load(${file}): cannot read the model: ${(e as Error).message}`);
    }
    if (!stat.isFile()) throw new Error(`OnnxModel.load(${file}): not a file`);
    return OnnxModel.fromBytes(fs.readFileSync(file), file, options);
  }

  /** Like {@link load} for model bytes already in memory; `name` appears in errors. */
  static async fromBytes(bytes: Uint8Array, name = 'model', options: LoadOptions = {}): Promise<OnnxModel> {
    const where = `OnnxModel.load(${name})`;
    if (bytes.length === 0) throw new Error(`${where}: the file is empty`);
    let proto: onnx.ModelProto;
    try {
      proto = onnx.ModelProto.decode(bytes);
    } catch (e) {
      throw new Error(`${where}: not an ONNX model (protobuf decoding failed: ${(e as Error).message})`);
    }
    const g = proto.graph;
    if (!g || !g.node?.length || !g.input?.length || !g.output?.length || !proto.opsetImport?.length) {
      throw new Error(`${where}: not an ONNX model (no graph with nodes, inputs and outputs)`);
    }
    const metadata = decodeMetadata(proto.metadataProps ?? [], name);
    const inputs = g.input.map((v) => v.name);
    const outputs = g.output.map((v) => v.name);
    if (!inputs.includes(metadata.inputName))
      throw new Error(`${where}: the graph has no input "${metadata.inputName}" (inputs: ${inputs.join(', ')})`);
    const missing = metadata.outputNames.filter((o) => !outputs.includes(o));
    if (missing.length)
      throw new Error(`${where}: the graph lacks the outputs ${missing.join(', ')} named in its metadata`);
    // onnxruntime trusts the graph (strides of 0 crash the process with SIGFPE): check it first.
    validateGraph(proto, metadata, where);
    let session: ort.InferenceSession;
    try {
      const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
      if (options.intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
      session = await ort.InferenceSession.create(bytes, sessionOptions);
    } catch (e) {
      throw new Error(`${where}: onnxruntime cannot load the model: ${(e as Error).message}`);
    }
    return new OnnxModel(session, metadata, name);
  }

  /** 'classification', 'embedding', 'segmentation' or 'localization'. */
  get task(): NodulabMetadata['task'] {
    return this.metadata.task;
  }

  /**
   * Runs the graph on a prepared batch x: (n, C, D, H, W), already in network units; resolves to
   * every output by name. Most callers want {@link predict}.
   */
  async run(x: Float32Array, n: number): Promise<Record<string, RawOutput>> {
    const m = this.metadata;
    const dims = [n, m.inputChannels, ...m.inputSize];
    if (!Number.isInteger(n) || n < 1 || x.length !== dims.reduce((a, b) => a * b, 1)) {
      throw new Error(`OnnxModel.run: ${x.length} values do not fill a batch (${dims.join(', ')})`);
    }
    const results = await this.session.run({ [m.inputName]: new ort.Tensor('float32', x, dims) });
    const out: Record<string, RawOutput> = {};
    for (const name of m.outputNames) {
      const t = results[name];
      out[name] = { data: t.data as Float32Array, dims: t.dims.map(Number) };
    }
    return out;
  }

  /**
   * Predicts for one volume or a batch (see {@link VolumeInput}); raw HU input is normalized with
   * the model's window unless `units: 'normalized'`. Resolves to a result typed by the model's task.
   * Rejects, naming the input, on a wrong channel count or volume size. One volume with a `spacing`
   * (e.g. `readNifti(file)`) goes through {@link predictVolume} instead: any size, spacing, orientation.
   */
  async predict(
    input: VolumeInput | GriddedVolume | readonly VolumeInput[],
    options: PredictOptions & PredictVolumeOptions = {},
  ): Promise<Prediction> {
    if (isGriddedVolume(input) && !(input instanceof Tensor)) return this.predictVolume(input, options);
    const { data, n } = prepareBatch(input, this.metadata, options.units ?? 'HU');
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`predict: batchSize must be a positive integer, got ${batchSize}`);
    const per = data.length / n;
    const outputs: Record<string, Float32Array[]> = {};
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const res = await this.run(data.subarray(start * per, (start + count) * per), count);
      for (const [name, o] of Object.entries(res)) (outputs[name] ??= []).push(...split(o.data, count));
    }
    const m = this.metadata;
    const first = m.outputNames[0];
    if (m.task === 'embedding') return { task: 'embedding', embeddings: outputs[first] };
    if (m.task === 'localization') return { task: 'localization', boxes: outputs[first] };
    // Probabilities from the logits through @nodulab/eval, as for every other predictor.
    const logits = outputs[first];
    const voxels = m.task === 'segmentation' ? m.inputSize[0] * m.inputSize[1] * m.inputSize[2] : 1;
    const k = logits[0].length / voxels;
    const dims = m.task === 'segmentation' ? [1, k, ...m.inputSize] : [1, k];
    const probabilities = logits.map((l) => classProbabilities(new Tensor(l, dims)).data);
    if (m.task === 'classification') {
      const predicted = probabilities.map((p) => p.indexOf(Math.max(...p)));
      return { task: 'classification', classNames: m.classNames, logits, probabilities, predicted };
    }
    return {
      task: 'segmentation',
      classNames: m.classNames,
      shape: [...m.inputSize],
      logits,
      probabilities,
      masks: probabilities.map((p) => argmaxClasses(p, k, voxels)),
    };
  }

  /**
   * Predicts for one scan of any size, spacing and orientation — in memory (e.g. `readNifti(file)`), or a path:
   * a NIfTI file or a DICOM series folder (`options.series` picks one of several), read by @nodulab/data's
   * `readVolume` within `options.limits` — reoriented to
   * RAS from its affine, resampled (trilinear) to the model's spacing, then a centred crop / pad
   * (classification, embedding) or sliding windows with Gaussian blending (segmentation, whose mask is
   * resampled back, nearest, to the scan's grid). `geometry` reports each step. See @nodulab/eval's
   * `predictVolume`.
   */
  async predictVolume(volume: GriddedVolume | string, options: PredictVolumeOptions = {}): Promise<Prediction> {
    if (typeof volume === 'string') {
      const { series, limits } = options;
      const read = readVolume(volume, { ...limits, ...(series !== undefined ? { series } : {}) });
      return this.predictVolume(read, { name: volume, ...options });
    }
    const m = this.metadata;
    const first = m.outputNames[0];
    const run = async (x: Tensor) => {
      const out = (await this.run(x.data, x.shape[0]))[first];
      return new Tensor(out.data, out.dims);
    };
    const p = await predictVolume(run, m, volume, options);
    const geometry = p.geometry;
    if (p.task === 'embedding') return { task: 'embedding', embeddings: [p.logits], geometry };
    if (p.task === 'localization') return { task: 'localization', boxes: [p.logits], geometry };
    const probabilities = p.probabilities as Float32Array;
    if (p.task === 'classification') {
      const predicted = [probabilities.indexOf(Math.max(...probabilities))];
      return {
        task: 'classification',
        classNames: m.classNames,
        logits: [p.logits],
        probabilities: [probabilities],
        predicted,
        geometry,
      };
    }
    return {
      task: 'segmentation',
      classNames: m.classNames,
      shape: geometry.originalShape,
      logits: [p.logits],
      probabilities: [probabilities],
      masks: [p.mask as Uint8Array],
      geometry,
    };
  }

  /** Frees onnxruntime's resources; the model cannot be used afterwards. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
