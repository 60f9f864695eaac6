// `nodulab export`: a safetensors checkpoint -> an ONNX model (opset 17) with nodulab metadata. The
// model kind/options come from the checkpoint's "nodulab.model" metadata or from --model flags; the
// input size, spacing and window from the checkpoint's dataset spec (as the checkpoint predictor reads it).
import * as fs from 'fs';
import { checkJsonDepth, lockOutput } from '@nodulab/platform';
import { MODEL_KINDS, ModelSpec, checkModelKind } from '@nodulab/nn';
import { loadSpec } from '@nodulab/data';
import { loadModelCheckpoint, trainedAsLocalizer } from '@nodulab/eval';
import { saveOnnx } from '@nodulab/onnx';
import { type ParsedOptions, UsageError } from '../args';
import type { Command } from '../command';

const OPTIONS = {
  checkpoint: {
    type: 'string',
    description: 'a run folder (its checkpoints/best.safetensors) or a safetensors checkpoint',
  },
  out: { type: 'string', description: 'output .onnx file' },
  model: {
    type: 'string',
    description: `model kind when the checkpoint does not record it (${MODEL_KINDS.join(', ')})`,
  },
  'model-options': { type: 'string', description: 'constructor options as JSON, e.g. {"widthMultiplier":0.5}' },
  head: {
    type: 'string',
    description: 'what the graph outputs (default: logits; boxes for a model trained with the box loss)',
    choices: ['logits', 'embedding', 'projection', 'boxes'],
  },
  bn: {
    type: 'string',
    description: 'BatchNorm: folded into Conv, or kept as BatchNormalization',
    choices: ['fold', 'keep'],
    default: 'fold',
  },
  spec: {
    type: 'string',
    description:
      'dataset preset or spec file giving input size, spacing and window (default: checkpoint metadata, else iid)',
  },
  'class-names': { type: 'string', description: 'comma-separated class names' },
  config: {
    type: 'string',
    description: 'training config JSON file to hash into the metadata (default: checkpoint metadata)',
  },
} as const;

function parseJson(what: string, text: string): unknown {
  try {
    checkJsonDepth(text, what);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

function modelSpec(o: Record<string, unknown>, recorded: ModelSpec | null, file: string): ModelSpec {
  const flagOptions =
    o['model-options'] !== undefined ? parseJson('--model-options', o['model-options'] as string) : undefined;
  if (
    flagOptions !== undefined &&
    (flagOptions === null || typeof flagOptions !== 'object' || Array.isArray(flagOptions))
  ) {
    throw new UsageError('--model-options must be a JSON object');
  }
  if (o.model === undefined) {
    if (!recorded)
      throw new UsageError(
        `${file} does not record its model kind; pass --model <${MODEL_KINDS.join('|')}> (and --model-options if not the defaults)`,
      );
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

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export a checkpoint to ONNX (opset 17, dynamic batch, nodulab metadata) for onnxruntime.',
  options: OPTIONS,
  async run(o) {
    if (!o.checkpoint) throw new UsageError('--checkpoint is required');
    if (!o.out) throw new UsageError('--out is required');
    const lock = lockOutput(o.out as string); // one writer per output file
    try {
      return exportLocked(o);
    } finally {
      lock.release();
    }
  },
};

/** Exports with the output file locked. */
function exportLocked(o: ParsedOptions): number {
  const c = loadModelCheckpoint(o.checkpoint as string, {
    modelSpec: (recorded, file) => modelSpec(o, recorded, file),
    dataSpec: o.spec !== undefined ? loadSpec(o.spec as string) : undefined,
  });
  let config = c.trainingConfig;
  if (o.config !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(o.config as string, 'utf8');
    } catch (e) {
      throw new Error(`cannot read --config ${o.config}: ${(e as Error).message}`);
    }
    config = parseJson(`--config ${o.config}`, text);
  }
  const classNames =
    o['class-names'] !== undefined ? (o['class-names'] as string).split(',').map((s) => s.trim()) : undefined;
  const { metadata: m, foldedBatchNorms } = saveOnnx(c.model, o.out as string, {
    output: (o.head ?? (trainedAsLocalizer(c.trainingConfig) ? 'boxes' : 'logits')) as
      'logits' | 'embedding' | 'projection' | 'boxes',
    foldBatchNorm: o.bn === 'fold',
    inputSize: c.inputSize,
    spacing: c.spacing,
    window: c.window,
    classNames,
    trainingConfig: config,
    modelSpec: c.spec,
  });
  process.stdout.write(
    `wrote ${o.out}: ${m.modelKind} ${m.task}, opset ${m.opset}, input ${m.inputName} (N, ${m.inputChannels}, ${m.inputSize.join(', ')}), ` +
      `outputs ${m.outputNames.join(', ')}, BatchNorm ${m.batchNorm}${foldedBatchNorms ? ` (${foldedBatchNorms})` : ''}, config ${m.configHash}\n`,
  );
  return 0;
}
