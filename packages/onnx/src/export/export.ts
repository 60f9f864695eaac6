// exportOnnx / saveOnnx: a nodulab model (NoduleNet3D, ResNet3D, UNet3D) as an ONNX model at opset 17 —
// named input "input" (N,C,D,H,W) with a dynamic batch "N" (and dynamic D, H, W for a localizer), named outputs,
// BatchNorm folded into the convolutions by default, and nodulab metadata (version, kind, classes, input size,
// spacing, window, config hash).
import * as fs from 'fs';
import * as path from 'path';
import { noGrad, Tensor } from '@nodulab/tensor';
import { writeFileAtomic } from '@nodulab/platform';
import { isModel, Module, ModelSpec, TraceOutput } from '@nodulab/nn';
import { DescribeOptions, describeModel } from '@nodulab/eval';
import { OnnxGraph } from './graph';
import { OnnxTracer } from './tracer';
import { foldBatchNorm } from './fold_batchnorm';
import { configHash, encodeMetadata, NodulabMetadata, OPSET } from './metadata';
import { serializeModel, ValueSpec } from './serialize';

/**
 * Options of {@link exportOnnx}: which head to export ('logits' (default: class logits, or per-voxel
 * logits for UNet3D, plus their softmax "probabilities"), 'embedding', 'projection' or 'boxes'), the input size,
 * spacing, window and class names recorded in the metadata (see {@link DescribeOptions}), and more.
 */
export interface ExportOptions extends DescribeOptions {
  output?: TraceOutput;
  /**
   * Fold each BatchNorm3d into the preceding Conv (default true): w' = w·γ/√(σ²+ε), b' = (b−μ)·γ/√(σ²+ε)+β,
   * fewer nodes and faster inference. false keeps BatchNormalization nodes (weights as in the state dict).
   */
  foldBatchNorm?: boolean;
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

/**
 * Exports `model` (in eval mode; its train/eval mode is restored afterwards) as ONNX bytes.
 * Runs one nodulab forward pass on a zero volume of the expected size to check the size and learn
 * the output shapes. Throws on an unknown model, a layer without an ONNX mapping, or a bad option.
 *
 * @example
 * const { bytes } = exportOnnx(model, { inputSize: [32, 32, 32], trainingConfig: config });
 */
export function exportOnnx(model: Module, options: ExportOptions = {}): ExportResult {
  const info = describeModel(model, options, 'exportOnnx');
  const { task, inputSize } = info;
  if (!isModel(model)) throw new Error('exportOnnx: not a nodulab model'); // describeModel has checked it
  const output = options.output ?? 'logits';

  const wasTraining = model.training;
  model.eval();
  let outShape: number[];
  try {
    // One reference forward: checks the input size against the model and gives the output shape.
    const x = Tensor.zeros([1, model.inChannels, ...inputSize]);
    outShape = noGrad(() => model.forwardTo(x, output)).shape.slice();
  } catch (e) {
    throw new Error(
      `exportOnnx: ${model.constructor.name} cannot run on input (1, ${model.inChannels}, ${inputSize.join(', ')}): ${(e as Error).message}`,
    );
  } finally {
    model.train(wasTraining);
  }

  const graph = new OnnxGraph();
  const inputName = graph.reserve('input');
  let y = model.trace(new OnnxTracer(graph, model), inputName, output);
  const outputs: ValueSpec[] = [];
  const dims = (shape: number[]) => ['N', ...shape.slice(1)];
  if (task === 'embedding' || task === 'localization') {
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
    ...info,
    inputName,
    outputNames: outputs.map((o) => o.name),
    configHash: configHash(options.trainingConfig),
    batchNorm: options.foldBatchNorm === false ? 'BatchNormalization' : 'folded',
    opset: OPSET,
    modelSpec: options.modelSpec ?? null,
  };
  const bytes = serializeModel(graph, {
    graphName: `${model.constructor.name}_${output}`,
    // A localizer's graph takes any (D, H, W) its backbone does (its box head has no fixed grid); the others keep
    // the size they were exported at.
    inputs: [
      { name: inputName, dims: ['N', model.inChannels, ...(task === 'localization' ? ['D', 'H', 'W'] : inputSize)] },
    ],
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
