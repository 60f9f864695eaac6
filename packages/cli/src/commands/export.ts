// `nodulab export`: a safetensors checkpoint -> an ONNX model (opset 17) with nodulab metadata. The
// model kind/options come from the checkpoint's "nodulab.model" metadata or from --model flags.
import * as fs from 'fs';
import * as path from 'path';
import { createModel, loadCheckpoint, loadSafetensors, MODEL_KINDS, ModelSpec, readModelSpec, checkModelKind } from '@nodulab/nn';
import { loadSpec, resolveSpec } from '@nodulab/data';
import { saveOnnx } from '@nodulab/onnx';
import { parseArgs, UsageError } from '../args';
import type { Command } from '../command';

/** Checkpoint metadata key a trainer may use for the training config JSON (hashed into the model). */
const CONFIG_METADATA_KEY = 'nodulab.config';
/** Checkpoint metadata key a trainer may use for the dataset spec JSON (input size, spacing, window). */
const DATA_SPEC_METADATA_KEY = 'nodulab.data_spec';

const OPTIONS = {
  checkpoint: { type: 'string', description: 'a run folder (its checkpoints/best.safetensors) or a safetensors checkpoint' },
  out: { type: 'string', description: 'output .onnx file' },
  model: { type: 'string', description: `model kind when the checkpoint does not record it (${MODEL_KINDS.join(', ')})` },
  'model-options': { type: 'string', description: 'constructor options as JSON, e.g. {"widthMultiplier":0.5}' },
  head: { type: 'string', description: 'what the graph outputs', choices: ['logits', 'embedding', 'projection'], default: 'logits' },
  bn: { type: 'string', description: 'BatchNorm: folded into Conv, or kept as BatchNormalization', choices: ['fold', 'keep'], default: 'fold' },
  spec: { type: 'string', description: 'dataset preset or spec file giving input size, spacing and window (default: checkpoint metadata, else iid)' },
  'class-names': { type: 'string', description: 'comma-separated class names' },
  config: { type: 'string', description: 'training config JSON file to hash into the metadata (default: checkpoint metadata)' },
} as const;

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

function modelSpec(o: Record<string, unknown>, metadata: Record<string, string>, file: string): ModelSpec {
  const recorded = readModelSpec(metadata);
  const flagOptions = o['model-options'] !== undefined ? parseJson('--model-options', o['model-options'] as string) : undefined;
  if (flagOptions !== undefined && (flagOptions === null || typeof flagOptions !== 'object' || Array.isArray(flagOptions))) {
    throw new UsageError('--model-options must be a JSON object');
  }
  if (o.model === undefined) {
    if (!recorded) throw new UsageError(`${file} does not record its model kind; pass --model <${MODEL_KINDS.join('|')}> (and --model-options if not the defaults)`);
    return flagOptions ? ({ kind: recorded.kind, options: flagOptions } as ModelSpec) : recorded;
  }
  let kind;
  try {
    kind = checkModelKind(o.model as string);
  } catch (e) {
    throw new UsageError(`--model: ${(e as Error).message}`);
  }
  const options = flagOptions ?? (recorded?.kind === kind ? recorded.options : {});
  return { kind, options } as ModelSpec;
}

/** A run folder means its best checkpoint (else its last); anything else is the checkpoint file itself. */
function checkpointFile(target: string): string {
  if (!fs.existsSync(target) || !fs.statSync(target).isDirectory()) return target;
  for (const name of ['best.safetensors', 'last.safetensors']) {
    const candidate = path.join(target, 'checkpoints', name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${target} is a folder without checkpoints/best.safetensors or checkpoints/last.safetensors (not a nodulab run?)`);
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export a checkpoint to ONNX (opset 17, dynamic batch, nodulab metadata) for onnxruntime.',
  options: OPTIONS,
  async run(argv) {
    const { options: o, positionals } = parseArgs(argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!o.checkpoint) throw new UsageError('--checkpoint is required');
    if (!o.out) throw new UsageError('--out is required');
    const file = checkpointFile(o.checkpoint as string);
    const { metadata } = loadSafetensors(file);
    const spec = modelSpec(o, metadata, file);
    const model = createModel(spec);
    try {
      loadCheckpoint(model, file);
    } catch (e) {
      throw new Error(`${(e as Error).message} (is the model ${JSON.stringify(spec)} the one that was trained?)`);
    }
    let dataSpec = undefined;
    if (o.spec !== undefined) dataSpec = loadSpec(o.spec as string);
    else if (metadata[DATA_SPEC_METADATA_KEY]) dataSpec = parseJson(`${file} metadata "${DATA_SPEC_METADATA_KEY}"`, metadata[DATA_SPEC_METADATA_KEY]);
    const resolved = resolveSpec(dataSpec ? (dataSpec as ReturnType<typeof loadSpec>) : loadSpec('iid'), 'train');
    let config: unknown;
    if (o.config !== undefined) {
      let text: string;
      try {
        text = fs.readFileSync(o.config as string, 'utf8');
      } catch (e) {
        throw new Error(`cannot read --config ${o.config}: ${(e as Error).message}`);
      }
      config = parseJson(`--config ${o.config}`, text);
    } else if (metadata[CONFIG_METADATA_KEY] !== undefined) {
      config = parseJson(`${file} metadata "${CONFIG_METADATA_KEY}"`, metadata[CONFIG_METADATA_KEY]);
    }
    const classNames = o['class-names'] !== undefined ? (o['class-names'] as string).split(',').map((s) => s.trim()) : undefined;
    const { metadata: m, foldedBatchNorms } = saveOnnx(model, o.out as string, {
      output: o.head as 'logits' | 'embedding' | 'projection',
      foldBatchNorm: o.bn === 'fold',
      inputSize: resolved.shape,
      spacing: resolved.spacing,
      window: resolved.window,
      classNames,
      trainingConfig: config,
      modelSpec: spec,
    });
    process.stdout.write(
      `wrote ${o.out}: ${m.modelKind} ${m.task}, opset ${m.opset}, input ${m.inputName} (N, ${m.inputChannels}, ${m.inputSize.join(', ')}), ` +
      `outputs ${m.outputNames.join(', ')}, BatchNorm ${m.batchNorm}${foldedBatchNorms ? ` (${foldedBatchNorms})` : ''}, config ${m.configHash}\n`,
    );
    return 0;
  },
};
