// The run config: a typed, JSON-serializable description of one training run (model, loss, optimizer,
// schedule, epochs per stage, augmentation, data, seed, threads) with defaults, and a validator that
// lists every problem with its path (e.g. `optimizer.lr: must be a number > 0, got -1`).
import { AugmentConfig, DEFAULT_AUGMENT_CONFIG, DatasetSpec, loadSpec, openDataset, validateAugmentConfig, validateSpec } from '@nodulab/data';

/** The training objectives. */
export const LOSSES = ['ce', 'supcon', 'supcon-joint', 'simclr'] as const;
export type LossKind = (typeof LOSSES)[number];

/** The classifier models a run can train (UNet3D is a segmenter and is not trained here). */
export const TRAIN_MODEL_KINDS = ['nodulenet3d', 'resnet3d'] as const;
export type TrainModelKind = (typeof TRAIN_MODEL_KINDS)[number];

export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export const SCHEDULES = ['constant', 'cosine', 'step'] as const;
export const SELECT_METRICS = ['auroc', 'accuracy', 'balancedAccuracy', 'loss'] as const;
export type SelectMetric = (typeof SELECT_METRICS)[number];

/** The model and its constructor options (seeded from the run seed; `projectionHead` is set by the loss). */
export interface ModelConfig {
  kind: TrainModelKind;
  options: {
    /** NoduleNet3D: multiplies the widths 16/32/64 (e.g. 0.5 for a fast model). */
    widthMultiplier?: number;
    /** ResNet3D: stage widths and blocks. */
    widths?: [number, number, number, number];
    blocks?: [number, number, number, number];
    /** Output size of the projection head of the contrastive losses (default 128). */
    projectionDim?: number;
  };
}

/** An optimizer and its hyperparameters (PyTorch's names and defaults). */
export interface OptimizerConfig {
  name: (typeof OPTIMIZERS)[number];
  lr: number;
  weightDecay: number;
  /** SGD only. */
  momentum: number;
  nesterov: boolean;
  /** Adam / AdamW only. */
  betas: [number, number];
}

/** A learning-rate schedule stepped once per epoch. */
export interface ScheduleConfig {
  name: (typeof SCHEDULES)[number];
  /** Linear warm-up over the first epochs (0 = none). */
  warmupEpochs: number;
  /** cosine: the final rate. */
  etaMin: number;
  /** step: multiply by gamma every stepSize epochs. */
  stepSize: number;
  gamma: number;
}

/** The second stage of the two-stage losses (supcon, simclr). */
export interface ProbeConfig {
  /** 'linear': a linear classifier on the frozen encoder's embed() features; 'finetune': train everything with CE. */
  mode: 'linear' | 'finetune';
  epochs: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
}

/**
 * One split: samples 0..n-1 of the synthetic generator's `split`, or, with `path`, the first n samples
 * of a dataset folder written by `nodulab generate` (or a MedMNIST .npz, whose `split` is read).
 */
export interface SplitConfig {
  split: string;
  n: number;
  path?: string;
}

/** Where the data comes from. */
export interface DataConfig {
  /** A preset name, a spec JSON file, or an inline spec; resolved configs hold the spec itself. */
  spec: string | DatasetSpec;
  /** The dataset seed (which samples exist); independent of the run seed. */
  seed: number;
  /** Overrides the spec's volume shape (D, H, W) and spacing (z, y, x) mm, e.g. 16^3 at 2 mm for tests. */
  volume: { shape: [number, number, number]; spacing: [number, number, number] } | null;
  train: SplitConfig;
  val: SplitConfig;
}

/** Everything that determines a training run. Saved (resolved) as runs/<id>/config.json. */
export interface RunConfig {
  name: string;
  model: ModelConfig;
  loss: LossKind;
  /** Temperature of SupCon / NT-Xent. */
  temperature: number;
  /** supcon-joint: loss = CE + jointWeight * SupCon. */
  jointWeight: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  /** Epochs of ce and supcon-joint. */
  epochs: number;
  /** Epochs of contrastive pretraining (supcon, simclr). */
  pretrainEpochs: number;
  probe: ProbeConfig;
  /** The augmentation pipeline (@nodulab/data's Compose config); null = none (not allowed for contrastive losses). */
  augment: AugmentConfig | null;
  /** Cross-entropy class weights [benign, malignant], or null. */
  classWeights: [number, number] | null;
  labelSmoothing: number;
  /** Clip the gradient norm to this value, or null. */
  gradClip: number | null;
  /** The validation metric that picks the best checkpoint (in the classification stage). */
  select: SelectMetric;
  data: DataConfig;
  /** Seeds model init, data order and augmentation. */
  seed: number;
  /** Kernel threads (results are bit-identical for a given seed and thread count). */
  threads: number;
}

/** A partial config as a user writes it: every field optional, nested objects partial. */
export type RunConfigInput = DeepPartial<RunConfig>;
type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** An invalid run config: `problems` lists each as "path: message". */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid run config:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const DEFAULT_OPTIMIZER: OptimizerConfig = { name: 'adam', lr: 1e-3, weightDecay: 0, momentum: 0.9, nesterov: false, betas: [0.9, 0.999] };
const DEFAULT_SCHEDULE: ScheduleConfig = { name: 'cosine', warmupEpochs: 0, etaMin: 0, stepSize: 10, gamma: 0.1 };

/** The defaults every field falls back to (NoduleNet3D at half width, 32^3 shortcut-size data). */
export function defaultRunConfig(): RunConfig {
  return {
    name: 'run',
    model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
    loss: 'ce',
    temperature: 0.1,
    jointWeight: 1,
    batchSize: 32,
    optimizer: { ...DEFAULT_OPTIMIZER, betas: [0.9, 0.999] },
    schedule: { ...DEFAULT_SCHEDULE },
    epochs: 6,
    pretrainEpochs: 6,
    probe: { mode: 'linear', epochs: 3, optimizer: { ...DEFAULT_OPTIMIZER, lr: 1e-2, betas: [0.9, 0.999] }, schedule: { ...DEFAULT_SCHEDULE } },
    augment: JSON.parse(JSON.stringify(DEFAULT_AUGMENT_CONFIG)) as AugmentConfig,
    classWeights: null,
    labelSmoothing: 0,
    gradClip: null,
    select: 'auroc',
    data: { spec: 'shortcut-size', seed: 0, volume: null, train: { split: 'train', n: 512 }, val: { split: 'val', n: 256 } },
    seed: 0,
    threads: 2,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v));

/** Checks the keys of `obj` against `allowed`, reporting unknown ones. */
function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string, errors: string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) errors.push(`${path ? path + '.' : ''}${k}: unknown key (expected one of ${allowed.join(', ')})`);
}

/** A reader of one config object: takes the user's value or the default, checking it. */
class Reader {
  constructor(private readonly src: Record<string, unknown>, private readonly path: string, private readonly errors: string[]) {}

  private at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  number(key: string, dflt: number, check: { min?: number; max?: number; gt?: number; integer?: boolean } = {}): number {
    const v = this.src[key];
    if (v === undefined) return dflt;
    const ok = typeof v === 'number' && Number.isFinite(v)
      && (check.min === undefined || v >= check.min) && (check.max === undefined || v <= check.max)
      && (check.gt === undefined || v > check.gt) && (!check.integer || Number.isInteger(v));
    if (!ok) {
      const bounds = [check.gt !== undefined ? `> ${check.gt}` : '', check.min !== undefined ? `>= ${check.min}` : '', check.max !== undefined ? `<= ${check.max}` : ''].filter(Boolean).join(' and ');
      this.errors.push(`${this.at(key)}: must be ${check.integer ? 'an integer' : 'a number'}${bounds ? ' ' + bounds : ''}, got ${show(v)}`);
      return dflt;
    }
    return v as number;
  }

  choice<T extends string>(key: string, dflt: T, choices: readonly T[]): T {
    const v = this.src[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      this.errors.push(`${this.at(key)}: must be one of ${choices.join(', ')}, got ${show(v)}`);
      return dflt;
    }
    return v as T;
  }

  boolean(key: string, dflt: boolean): boolean {
    const v = this.src[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      this.errors.push(`${this.at(key)}: must be true or false, got ${show(v)}`);
      return dflt;
    }
    return v;
  }

  string(key: string, dflt: string): string {
    const v = this.src[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || v === '') {
      this.errors.push(`${this.at(key)}: must be a non-empty string, got ${show(v)}`);
      return dflt;
    }
    return v;
  }

  numbers(key: string, dflt: number[], length: number, check: (x: number) => boolean, what: string): number[] {
    const v = this.src[key];
    if (v === undefined) return dflt;
    if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && check(x))) {
      this.errors.push(`${this.at(key)}: must be an array of ${length} ${what}, got ${show(v)}`);
      return dflt;
    }
    return [...v];
  }

  /** A nested object (default {} when absent); null when the value is not an object. */
  object(key: string, nullable = false): Record<string, unknown> | null {
    const v = this.src[key];
    if (v === undefined) return {};
    if (v === null && nullable) return null;
    if (!isObject(v)) {
      this.errors.push(`${this.at(key)}: must be an object${nullable ? ' or null' : ''}, got ${show(v)}`);
      return {};
    }
    return v;
  }
}

function readOptimizer(src: Record<string, unknown>, path: string, dflt: OptimizerConfig, errors: string[]): OptimizerConfig {
  checkKeys(src, Object.keys(dflt), path, errors);
  const r = new Reader(src, path, errors);
  const betas = r.numbers('betas', dflt.betas, 2, (x) => x >= 0 && x < 1, 'numbers in [0, 1)');
  const out: OptimizerConfig = {
    name: r.choice('name', dflt.name, OPTIMIZERS),
    lr: r.number('lr', dflt.lr, { gt: 0 }),
    weightDecay: r.number('weightDecay', dflt.weightDecay, { min: 0 }),
    momentum: r.number('momentum', dflt.momentum, { min: 0, max: 1 }),
    nesterov: r.boolean('nesterov', dflt.nesterov),
    betas: [betas[0], betas[1]],
  };
  if (out.nesterov && out.name === 'sgd' && out.momentum <= 0) errors.push(`${path}.nesterov: needs momentum > 0`);
  return out;
}

function readSchedule(src: Record<string, unknown>, path: string, dflt: ScheduleConfig, errors: string[]): ScheduleConfig {
  checkKeys(src, Object.keys(dflt), path, errors);
  const r = new Reader(src, path, errors);
  return {
    name: r.choice('name', dflt.name, SCHEDULES),
    warmupEpochs: r.number('warmupEpochs', dflt.warmupEpochs, { min: 0, integer: true }),
    etaMin: r.number('etaMin', dflt.etaMin, { min: 0 }),
    stepSize: r.number('stepSize', dflt.stepSize, { min: 1, integer: true }),
    gamma: r.number('gamma', dflt.gamma, { min: 0 }),
  };
}

function readSplit(src: Record<string, unknown>, path: string, dflt: SplitConfig, errors: string[]): SplitConfig {
  checkKeys(src, ['split', 'n', 'path'], path, errors);
  const r = new Reader(src, path, errors);
  const split = r.string('split', dflt.split);
  if (src.path === undefined) return { split, n: r.number('n', dflt.n, { min: 1, integer: true }) };
  const file = r.string('path', '');
  if (!file) return { split, n: 1 };
  let available: number;
  try {
    available = openDataset(file, { split }).n;
  } catch (e) {
    errors.push(`${path}.path: ${(e as Error).message}`);
    return { split, n: 1, path: file };
  }
  const n = r.number('n', available, { min: 1, integer: true });
  if (n > available) errors.push(`${path}.n: ${n} is more than the ${available} samples of ${file}`);
  return { split, n, path: file };
}

function readSpec(v: unknown, errors: string[]): DatasetSpec | null {
  try {
    if (typeof v === 'string') return loadSpec(v);
    return validateSpec(JSON.parse(JSON.stringify(v)), 'data.spec');
  } catch (e) {
    errors.push(`data.spec: ${(e as Error).message.replace(/\n\s*-?\s*/g, ' ')}`);
    return null;
  }
}

/**
 * Fills every default into a user's (partial, parsed-JSON) config and validates it. Throws a
 * ConfigError listing every problem. The result is self-contained: `data.spec` holds the spec itself
 * (a preset or file read here), `model.options.projectionHead` follows the loss. Idempotent.
 */
export function resolveRunConfig(input: unknown): RunConfig {
  const d = defaultRunConfig();
  const errors: string[] = [];
  if (!isObject(input)) throw new ConfigError([`config: must be a JSON object, got ${show(input)}`]);
  checkKeys(input, Object.keys(d), '', errors);
  const r = new Reader(input, '', errors);

  const modelSrc = r.object('model')!;
  checkKeys(modelSrc, ['kind', 'options'], 'model', errors);
  const mr = new Reader(modelSrc, 'model', errors);
  const kind = mr.choice('kind', d.model.kind, TRAIN_MODEL_KINDS);
  const optSrc = mr.object('options')!;
  const allowedOpts = kind === 'nodulenet3d' ? ['widthMultiplier', 'projectionDim', 'projectionHead'] : ['widths', 'blocks', 'projectionDim', 'projectionHead'];
  checkKeys(optSrc, allowedOpts, 'model.options', errors);
  const or = new Reader(optSrc, 'model.options', errors);
  const options: ModelConfig['options'] = {};
  if (kind === 'nodulenet3d') {
    options.widthMultiplier = or.number('widthMultiplier', d.model.options.widthMultiplier!, { gt: 0, max: 8 });
  } else {
    const w = or.numbers('widths', [16, 32, 64, 128], 4, (x) => Number.isInteger(x) && x > 0, 'positive integers');
    const b = or.numbers('blocks', [1, 1, 1, 1], 4, (x) => Number.isInteger(x) && x > 0, 'positive integers');
    options.widths = w as ModelConfig['options']['widths'];
    options.blocks = b as ModelConfig['options']['blocks'];
  }
  options.projectionDim = or.number('projectionDim', 128, { min: 1, integer: true });

  const loss = r.choice('loss', d.loss, LOSSES);
  const probeSrc = r.object('probe')!;
  checkKeys(probeSrc, ['mode', 'epochs', 'optimizer', 'schedule'], 'probe', errors);
  const pr = new Reader(probeSrc, 'probe', errors);

  let augment: AugmentConfig | null = d.augment;
  if (input.augment === null) augment = null;
  else if (input.augment !== undefined) {
    try {
      augment = validateAugmentConfig(JSON.parse(JSON.stringify(input.augment)));
    } catch (e) {
      errors.push((e as Error).message.replace(/\n\s*/g, ' '));
    }
  }
  if (augment === null && (loss === 'supcon' || loss === 'supcon-joint' || loss === 'simclr')) {
    errors.push(`augment: the ${loss} loss compares two augmented views and needs an augmentation pipeline, got null`);
  }

  let classWeights: [number, number] | null = null;
  if (input.classWeights !== undefined && input.classWeights !== null) {
    const w = r.numbers('classWeights', [1, 1], 2, (x) => x >= 0, 'non-negative numbers');
    if (w[0] + w[1] <= 0 && errors.every((e) => !e.startsWith('classWeights'))) errors.push('classWeights: at least one weight must be > 0');
    classWeights = [w[0], w[1]];
  }
  const gradClip = input.gradClip === null || input.gradClip === undefined ? null : r.number('gradClip', 1, { gt: 0 });

  const dataSrc = r.object('data')!;
  checkKeys(dataSrc, ['spec', 'seed', 'volume', 'train', 'val'], 'data', errors);
  const dr = new Reader(dataSrc, 'data', errors);
  let spec = readSpec(dataSrc.spec ?? d.data.spec, errors);
  let volume: DataConfig['volume'] = null;
  const volSrc = dataSrc.volume === undefined ? null : dr.object('volume', true);
  if (volSrc) {
    checkKeys(volSrc, ['shape', 'spacing'], 'data.volume', errors);
    const vr = new Reader(volSrc, 'data.volume', errors);
    const shape = vr.numbers('shape', spec?.volume?.shape ?? [32, 32, 32], 3, (x) => Number.isInteger(x) && x >= 8 && x <= 256, 'integers in [8, 256]');
    const spacing = vr.numbers('spacing', spec?.volume?.spacing ?? [1, 1, 1], 3, (x) => x > 0, 'positive numbers (mm)');
    volume = { shape: shape as [number, number, number], spacing: spacing as [number, number, number] };
    if (spec) spec = readSpec({ ...spec, volume }, errors);
  }
  const train = readSplit(dr.object('train')!, 'data.train', d.data.train, errors);
  const val = readSplit(dr.object('val')!, 'data.val', d.data.val, errors);

  const cfg: RunConfig = {
    name: r.string('name', d.name),
    model: { kind, options: { ...options, ...(loss === 'ce' ? {} : { projectionHead: true }) } as ModelConfig['options'] },
    loss,
    temperature: r.number('temperature', d.temperature, { gt: 0, max: 100 }),
    jointWeight: r.number('jointWeight', d.jointWeight, { min: 0 }),
    batchSize: r.number('batchSize', d.batchSize, { min: 2, max: 4096, integer: true }),
    optimizer: readOptimizer(r.object('optimizer')!, 'optimizer', d.optimizer, errors),
    schedule: readSchedule(r.object('schedule')!, 'schedule', d.schedule, errors),
    epochs: r.number('epochs', d.epochs, { min: 1, max: 100000, integer: true }),
    pretrainEpochs: r.number('pretrainEpochs', d.pretrainEpochs, { min: 1, max: 100000, integer: true }),
    probe: {
      mode: pr.choice('mode', d.probe.mode, ['linear', 'finetune'] as const),
      epochs: pr.number('epochs', d.probe.epochs, { min: 1, max: 100000, integer: true }),
      optimizer: readOptimizer(pr.object('optimizer')!, 'probe.optimizer', d.probe.optimizer, errors),
      schedule: readSchedule(pr.object('schedule')!, 'probe.schedule', d.probe.schedule, errors),
    },
    augment,
    classWeights,
    labelSmoothing: r.number('labelSmoothing', d.labelSmoothing, { min: 0, max: 1 }),
    gradClip,
    select: r.choice('select', d.select, SELECT_METRICS),
    data: { spec: spec ?? 'invalid', seed: dr.number('seed', d.data.seed, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }), volume, train, val },
    seed: r.number('seed', d.seed, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }),
    threads: r.number('threads', d.threads, { min: 1, max: 256, integer: true }),
  };
  if (cfg.data.train.split === cfg.data.val.split && cfg.data.train.path === cfg.data.val.path) errors.push(`data.val.split: must differ from data.train.split ("${cfg.data.train.split}"), or validation would reuse training samples`);
  if (cfg.batchSize > cfg.data.train.n) errors.push(`batchSize: ${cfg.batchSize} is larger than data.train.n (${cfg.data.train.n})`);
  if (spec?.volume?.shape) {
    const s = spec.volume.shape;
    const min = kind === 'resnet3d' ? 8 : 4;
    if (s.some((x) => x < min)) errors.push(`data.spec.volume.shape: ${kind} needs D, H, W >= ${min}, got (${s.join(', ')})`);
  }
  if (errors.length > 0) throw new ConfigError(errors);
  return cfg;
}

/** Whether the loss trains in two stages (contrastive pretraining, then probe or fine-tuning). */
export function isTwoStage(loss: LossKind): boolean {
  return loss === 'supcon' || loss === 'simclr';
}
