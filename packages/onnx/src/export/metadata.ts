// The nodulab metadata an exported model carries in ModelProto.metadata_props (string key -> value;
// JSON for structured values), its parsing and validation, and the training-config hash.
import { checkJsonDepth, configHash } from '@nodulab/platform';
import type { ModelInfo, Normalization, Task } from '@nodulab/eval';

/** The ONNX opset the exporter targets (onnxruntime 1.23 supports 7..23; 17 keeps older runtimes happy). */
export const OPSET = 17;
/** ONNX IR version 8 (opset 17 needs >= 8). */
export const IR_VERSION = 8;

/** What a model predicts: per-volume classes, an embedding vector, or per-voxel classes. */
export type OnnxTask = Task;
export type { Normalization };

/**
 * The nodulab metadata of an exported model: its {@link ModelInfo} (kind, task, class names, input
 * channels and size, spacing, normalization; the batch dimension "N" is dynamic) and the rest.
 */
export interface NodulabMetadata extends ModelInfo {
  /** Version of nodulab that exported the model. */
  version: string;
  /** Name of the graph input and of the graph outputs, in order. */
  inputName: string;
  outputNames: string[];
  /** "sha256:<hex>" of the training config (see {@link configHash}), or "none". */
  configHash: string;
  /** 'folded' (into the Conv weights) or 'BatchNormalization' (kept as nodes). */
  batchNorm: 'folded' | 'BatchNormalization';
  opset: number;
  /** The model's constructor options as JSON ({kind, options}), when known. */
  modelSpec: unknown;
}

const KEYS: Record<keyof NodulabMetadata, string> = {
  version: 'nodulab.version',
  modelKind: 'nodulab.model_kind',
  task: 'nodulab.task',
  classNames: 'nodulab.class_names',
  inputName: 'nodulab.input_name',
  outputNames: 'nodulab.output_names',
  inputChannels: 'nodulab.input_channels',
  inputSize: 'nodulab.input_size',
  spacing: 'nodulab.spacing',
  normalization: 'nodulab.normalization',
  configHash: 'nodulab.config_hash',
  batchNorm: 'nodulab.batchnorm',
  opset: 'nodulab.opset',
  modelSpec: 'nodulab.model_spec',
};
const STRING_FIELDS = new Set<keyof NodulabMetadata>([
  'version',
  'modelKind',
  'task',
  'inputName',
  'configHash',
  'batchNorm',
]);

/** The metadata as ONNX metadata_props entries (strings; structured values as JSON). */
export function encodeMetadata(m: NodulabMetadata): { key: string; value: string }[] {
  return (Object.keys(KEYS) as (keyof NodulabMetadata)[]).map((k) => ({
    key: KEYS[k],
    value: STRING_FIELDS.has(k) ? String(m[k]) : JSON.stringify(m[k]),
  }));
}

function isNumbers(v: unknown, n: number, positive: boolean): v is number[] {
  return (
    Array.isArray(v) &&
    v.length === n &&
    v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))
  );
}

/** Parses and validates metadata_props; throws naming the file and the missing or bad key. */
export function decodeMetadata(
  props: readonly { key?: string | null; value?: string | null }[],
  file: string,
): NodulabMetadata {
  const map = new Map(props.map((p) => [p.key ?? '', p.value ?? '']));
  if (![...map.keys()].some((k) => k.startsWith('nodulab.'))) {
    throw new Error(
      `${file}: an ONNX model without nodulab metadata (no "nodulab.*" metadata_props); export it with nodulab (\`nodulab export\`)`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(KEYS) as [keyof NodulabMetadata, string][]) {
    const raw = map.get(key);
    if (raw === undefined) throw new Error(`${file}: nodulab metadata is missing "${key}"`);
    if (STRING_FIELDS.has(field)) out[field] = raw;
    else {
      checkJsonDepth(raw, `${file}: nodulab metadata "${key}"`);
      try {
        out[field] = JSON.parse(raw);
      } catch {
        throw new Error(`${file}: nodulab metadata "${key}" is not valid JSON: ${raw.slice(0, 80)}`);
      }
    }
  }
  const m = out as unknown as NodulabMetadata;
  const bad = (key: string, why: string): never => {
    throw new Error(`${file}: nodulab metadata "${key}" ${why}`);
  };
  if (!['classification', 'embedding', 'segmentation', 'localization'].includes(m.task))
    bad(KEYS.task, `must be classification, embedding, segmentation or localization, got "${m.task}"`);
  if (!Array.isArray(m.classNames) || !m.classNames.every((c) => typeof c === 'string'))
    bad(KEYS.classNames, 'must be a list of strings');
  if (!Array.isArray(m.outputNames) || m.outputNames.length === 0 || !m.outputNames.every((c) => typeof c === 'string'))
    bad(KEYS.outputNames, 'must be a non-empty list of names');
  if (!Number.isInteger(m.inputChannels) || m.inputChannels < 1)
    bad(KEYS.inputChannels, `must be a positive integer, got ${JSON.stringify(m.inputChannels)}`);
  if (!isNumbers(m.inputSize, 3, true) || !m.inputSize.every(Number.isInteger))
    bad(KEYS.inputSize, `must be 3 positive integers (D, H, W), got ${JSON.stringify(m.inputSize)}`);
  if (!isNumbers(m.spacing, 3, true))
    bad(KEYS.spacing, `must be 3 positive numbers (z, y, x), got ${JSON.stringify(m.spacing)}`);
  const n = m.normalization as Normalization;
  if (!n || (n.type !== 'none' && !(n.type === 'window' && Number.isFinite(n.center) && n.width > 0))) {
    bad(
      KEYS.normalization,
      `must be {"type":"window","center":c,"width":w>0} or {"type":"none"}, got ${JSON.stringify(n)}`,
    );
  }
  return m;
}

/** The training-config hash (see @nodulab/tensor's configHash), stamped on exported models. */
export { configHash };
