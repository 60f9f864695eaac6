// exportOnnx / saveOnnx: a nodulab model (NoduleNet3D, ResNet3D, UNet3D) as an ONNX model at opset 17 —
// named input "input" (N,C,D,H,W) with a dynamic batch "N", named outputs, BatchNorm folded into the
// convolutions by default, and nodulab metadata (version, kind, classes, input size, spacing, window, config hash).
import * as fs from 'fs';
import * as path from 'path';
import { noGrad, Tensor, writeFileAtomic } from '@nodulab/tensor';
import { isModel, Module, ModelSpec, TraceOutput } from '@nodulab/nn';
import { OnnxGraph } from './graph';
import { OnnxTracer } from './tracer';
import { foldBatchNorm } from './fold_batchnorm';
import { configHash, encodeMetadata, NodulabMetadata, Normalization, OnnxTask, OPSET } from './metadata';
import { serializeModel, ValueSpec } from './serialize';

/** Options of {@link exportOnnx}. */
export interface ExportOptions {
  /**
   * Which head to export: 'logits' (default: class logits, or per-voxel logits for UNet3D, plus
   * their softmax "probabilities"), 'embedding' (penultimate features) or 'projection' (contrastive head).
   */
  output?: TraceOutput;
  /**
   * Fold each BatchNorm3d into the preceding Conv (default true): w' = w·γ/√(σ²+ε), b' = (b−μ)·γ/√(σ²+ε)+β,
   * fewer nodes and faster inference. false keeps BatchNormalization nodes (weights as in the state dict).
   */
  foldBatchNorm?: boolean;
  /** Expected volume size (D, H, W) (default 32^3); the graph's spatial dims are fixed to it. */
  inputSize?: [number, number, number];
  /** Voxel spacing (z, y, x) in mm the model was trained at (default 1 mm). */
  spacing?: [number, number, number];
  /** Intensity window applied to raw HU input (default lung window center -600, width 1500); null: none. */
  window?: { center: number; width: number } | null;
  /** Class names (default: benign/malignant or background/nodule for 2 classes, else class_0...). */
  classNames?: string[];
  /** The training configuration; its hash goes into the metadata (see configHash). */
  trainingConfig?: unknown;
  /** The model's {kind, options}, recorded in the metadata when given. */
  modelSpec?: ModelSpec;
}

/** The encoded model and the metadata written into it. */
export interface ExportResult {
  bytes: Uint8Array;
  metadata: NodulabMetadata;
  /** How many BatchNorms were folded into convolutions. */
  foldedBatchNorms: number;
}

/** The version of nodulab doing the export. */
export function nodulabVersion(): string {
  const file = path.join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

function defaultClassNames(task: OnnxTask, k: number): string[] {
  if (task === 'embedding') return [];
  if (k === 2) return task === 'segmentation' ? ['background', 'nodule'] : ['benign', 'malignant'];
  return Array.from({ length: k }, (_, i) => `class_${i}`);
}

function checkTriple(name: string, v: unknown, integer: boolean): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && x > 0 && Number.isFinite(x) && (!integer || Number.isInteger(x)))) {
    throw new Error(`exportOnnx: ${name} must be 3 positive ${integer ? 'integers' : 'numbers'}, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1], v[2]];
}

/**
 * Exports `model` (in eval mode; its train/eval mode is restored afterwards) as ONNX bytes.
 * Runs one nodulab forward pass on a zero volume of the expected size to check the size and learn
 * the output shapes. Throws on an unknown model, a layer without an ONNX mapping, or a bad option.
 *
 * @example
 * const { bytes } = exportOnnx(model, { inputSize: [32, 32, 32], trainingConfig: config });
 */
export function exportOnnx(model: Module, options: ExportOptions = {}): ExportResult {
  if (!isModel(model)) {
    throw new Error(`exportOnnx: ${model?.constructor?.name ?? typeof model} is not a nodulab model (NoduleNet3D, ResNet3D, UNet3D)`);
  }
  const output = options.output ?? 'logits';
  if (!['logits', 'embedding', 'projection'].includes(output)) throw new Error(`exportOnnx: output must be logits, embedding or projection, got "${output}"`);
  const task: OnnxTask = output !== 'logits' ? 'embedding' : model.task;
  const inputSize = checkTriple('inputSize', options.inputSize ?? [32, 32, 32], true);
  const spacing = checkTriple('spacing', options.spacing ?? [1, 1, 1], false);
  const w = options.window === undefined ? { center: -600, width: 1500 } : options.window;
  if (w !== null && !(Number.isFinite(w.center) && w.width > 0 && Number.isFinite(w.width))) {
    throw new Error(`exportOnnx: window must have a finite center and a positive width, got ${JSON.stringify(w)}`);
  }
  const normalization: Normalization = w === null ? { type: 'none' } : { type: 'window', center: w.center, width: w.width };
  const classNames = options.classNames ?? defaultClassNames(task, model.numClasses);
  if (task !== 'embedding' && classNames.length !== model.numClasses) {
    throw new Error(`exportOnnx: ${classNames.length} class names for a model with ${model.numClasses} classes`);
  }

  const wasTraining = model.training;
  model.eval();
  let outShape: number[];
  try {
    // One reference forward: checks the input size against the model and gives the output shape.
    const x = Tensor.zeros([1, model.inChannels, ...inputSize]);
    outShape = noGrad(() => model.forwardTo(x, output)).shape.slice();
  } catch (e) {
    throw new Error(`exportOnnx: ${model.constructor.name} cannot run on input (1, ${model.inChannels}, ${inputSize.join(', ')}): ${(e as Error).message}`);
  } finally {
    model.train(wasTraining);
  }

  const graph = new OnnxGraph();
  const inputName = graph.reserve('input');
  let y = model.trace(new OnnxTracer(graph, model), inputName, output);
  const outputs: ValueSpec[] = [];
  const dims = (shape: number[]) => ['N', ...shape.slice(1)];
  if (task === 'embedding') {
    y = graph.addNode('Identity', [y], {}, output);
    outputs.push({ name: y, dims: dims(outShape) });
  } else {
    const logits = graph.addNode('Identity', [y], {}, 'logits');
    const probs = graph.addNode('Softmax', [logits], { axis: { int: 1 } }, 'probabilities');
    outputs.push({ name: logits, dims: dims(outShape) }, { name: probs, dims: dims(outShape) });
  }
  const foldedBatchNorms = options.foldBatchNorm === false ? 0 : foldBatchNorm(graph);

  const metadata: NodulabMetadata = {
    version: nodulabVersion(),
    modelKind: model.kind,
    task,
    classNames,
    inputName,
    outputNames: outputs.map((o) => o.name),
    inputChannels: model.inChannels,
    inputSize,
    spacing,
    normalization,
    configHash: configHash(options.trainingConfig),
    batchNorm: options.foldBatchNorm === false ? 'BatchNormalization' : 'folded',
    opset: OPSET,
    modelSpec: options.modelSpec ?? null,
  };
  const bytes = serializeModel(graph, {
    graphName: `${model.constructor.name}_${output}`,
    inputs: [{ name: inputName, dims: ['N', model.inChannels, ...inputSize] }],
    outputs,
    metadata: encodeMetadata(metadata),
    producerVersion: metadata.version,
    docString: `nodulab ${model.constructor.name} (${task}); input ${inputName}: (N, ${model.inChannels}, ${inputSize.join(', ')})`,
  });
  return { bytes, metadata, foldedBatchNorms };
}

/** Exports `model` to `file` (written atomically); returns what {@link exportOnnx} returns. */
export function saveOnnx(model: Module, file: string, options: ExportOptions = {}): ExportResult {
  const result = exportOnnx(model, options);
  writeFileAtomic(file, result.bytes);
  return result;
}
