// A safetensors checkpoint, or a run folder's best checkpoint, read back as a model and what it
// expects as input: the model spec from its "nodulab.model" metadata, the input size, spacing and
// window from the run's dataset spec. Shared by `nodulab export` and the checkpoint predictor.
import * as fs from 'fs';
import * as path from 'path';
import { Module, ModelSpec, createModel, loadCheckpoint, loadSafetensors, readModelSpec } from '@nodulab/nn';
import { DatasetSpec, preset, resolveSpec, validateSpec } from '@nodulab/data';
import { ModulePredictor } from './module_predictor';
import { describeModel } from './model_info';

/** Checkpoint metadata key a trainer may use for the dataset spec JSON (input size, spacing, window). */
export const DATA_SPEC_METADATA_KEY = 'nodulab.data_spec';
/** Checkpoint metadata key of the training config JSON (nodulab's runs write it; its data.spec is used too). */
export const CONFIG_METADATA_KEY = 'nodulab.config';

/**
 * The checkpoint file of `target`: a run folder means its checkpoints/best.safetensors (falling back to
 * last.safetensors), or its last one for `which` = 'last'; anything else is the checkpoint file itself.
 * Throws naming the folder when it holds no checkpoint.
 */
export function checkpointFile(target: string, which: 'best' | 'last' = 'best'): string {
  if (!fs.existsSync(target) || !fs.statSync(target).isDirectory()) return target;
  for (const name of which === 'best' ? ['best.safetensors', 'last.safetensors'] : ['last.safetensors']) {
    const candidate = path.join(target, 'checkpoints', name);
    if (fs.existsSync(candidate)) return candidate;
  }
  const wanted =
    which === 'best' ? 'checkpoints/best.safetensors or checkpoints/last.safetensors' : 'checkpoints/last.safetensors';
  throw new Error(`${target} is a folder without ${wanted} (not a nodulab run, or one without a completed epoch?)`);
}

/** Options of {@link loadModelCheckpoint}. */
export interface LoadModelOptions {
  /** Which model to build, given what the checkpoint records (default: the recorded spec; throws when none). */
  modelSpec?: (recorded: ModelSpec | null, file: string) => ModelSpec;
  /** The dataset spec giving input size, spacing and window (default: from the checkpoint, else the iid preset). */
  dataSpec?: DatasetSpec;
  /** For a run folder: its 'best' (default) or 'last' checkpoint. */
  which?: 'best' | 'last';
}

/** A checkpoint read back: the model with its weights (in eval mode) and what it expects as input. */
export interface ModelCheckpoint {
  file: string;
  model: Module;
  spec: ModelSpec;
  /** The checkpoint's string metadata. */
  metadata: Record<string, string>;
  /** Volume size (D, H, W), spacing (z, y, x) mm and HU window of the dataset the model was trained on. */
  inputSize: [number, number, number];
  spacing: [number, number, number];
  window: { center: number; width: number };
  /** The training config recorded in the checkpoint, if any. */
  trainingConfig: unknown;
}

function parseMetadataJson(file: string, metadata: Record<string, string>, key: string): unknown {
  const raw = metadata[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new Error(`${file}: metadata "${key}" is not valid JSON: ${(e as Error).message}`);
  }
}

/** The dataset spec a checkpoint records: "nodulab.data_spec", else its training config's data.spec, else null. */
function recordedDataSpec(file: string, metadata: Record<string, string>, config: unknown): DatasetSpec | null {
  const own = parseMetadataJson(file, metadata, DATA_SPEC_METADATA_KEY);
  if (own !== undefined) return validateSpec(own, `${file} metadata "${DATA_SPEC_METADATA_KEY}"`);
  const fromConfig = (config as { data?: { spec?: unknown } } | undefined)?.data?.spec;
  if (fromConfig && typeof fromConfig === 'object')
    return validateSpec(fromConfig, `${file} metadata "${CONFIG_METADATA_KEY}" data.spec`);
  return null;
}

/**
 * Loads the checkpoint of `target` (a .safetensors file or a run folder) into the model its metadata
 * names, in eval mode. Throws naming the file when it cannot be read, records no model, or its
 * weights do not fit the model.
 */
export function loadModelCheckpoint(target: string, options: LoadModelOptions = {}): ModelCheckpoint {
  const file = checkpointFile(target, options.which);
  const { metadata } = loadSafetensors(file);
  const recorded = readModelSpec(metadata);
  const spec = options.modelSpec ? options.modelSpec(recorded, file) : recorded;
  if (!spec) throw new Error(`${file} does not record its model kind (no "nodulab.model" metadata)`);
  const model = createModel(spec);
  try {
    loadCheckpoint(model, file);
  } catch (e) {
    throw new Error(`${(e as Error).message} (is the model ${JSON.stringify(spec)} the one that was trained?)`);
  }
  model.eval();
  const trainingConfig = parseMetadataJson(file, metadata, CONFIG_METADATA_KEY);
  const dataSpec = options.dataSpec ?? recordedDataSpec(file, metadata, trainingConfig) ?? preset('iid');
  const resolved = resolveSpec(dataSpec, 'train');
  return {
    file,
    model,
    spec,
    metadata,
    inputSize: [...resolved.shape],
    spacing: [...resolved.spacing],
    window: { ...resolved.window },
    trainingConfig,
  };
}

/** Whether a checkpoint's recorded training config trained its box head (the 'box' loss): then it localizes. */
export function trainedAsLocalizer(trainingConfig: unknown): boolean {
  return (trainingConfig as { loss?: unknown } | undefined)?.loss === 'box';
}

/**
 * A checkpoint (a .safetensors file or a run folder's best checkpoint) as an in-process predictor
 * whose info (task, classes, input size, window) is what `nodulab export` writes into the ONNX model.
 * A model trained with the box loss predicts boxes (task 'localization').
 */
export function loadCheckpointPredictor(target: string, options: LoadModelOptions = {}): ModulePredictor {
  const c = loadModelCheckpoint(target, options);
  const output = trainedAsLocalizer(c.trainingConfig) ? 'boxes' : 'logits';
  return new ModulePredictor(
    c.model,
    describeModel(c.model, { inputSize: c.inputSize, spacing: c.spacing, window: c.window, output }, c.file),
  );
}
