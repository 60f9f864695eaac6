// The run config: a typed, JSON-serializable description of one training run (model, loss, optimizer,
// schedule, epochs per stage, augmentation, data, seed, threads) with defaults, and its zod schema,
// whose errors name each problem's path (e.g. `optimizer.lr: must be a number > 0, got -1`).
import { z } from 'zod';
import {
  AugmentConfig,
  AugmentConfigSchema,
  DEFAULT_AUGMENT_CONFIG,
  DatasetSpec,
  SpecRefSchema,
  VolumeOverrideSchema,
  openDataset,
  schema,
  specFromRef,
  specProblems,
} from '@nodulab/data';

/** The training objectives. */
export const LOSSES = ['ce', 'supcon', 'supcon-joint', 'simclr', 'moco'] as const;
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

/** MoCo v2 (He et al. 2020; Chen et al. 2020): the momentum encoder, the queue of negatives and the temperature. */
export interface MocoConfig {
  /** m in θk ← m·θk + (1 − m)·θq, applied before each step's keys. */
  momentum: number;
  /** Keys in the queue of negatives (K); at least the batch size. */
  queueSize: number;
  /** tau of the InfoNCE loss. */
  temperature: number;
}

/** The second stage of the two-stage losses (supcon, simclr, moco). */
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

/**
 * Initialisation from a pretrained run (like loading a torchvision backbone's weights): the encoder of
 * `checkpoint` is copied into the new model, whose classifier head (and projection head) start fresh.
 */
export interface InitConfig {
  /** A checkpoint file of another run, e.g. runs/pretrain/checkpoints/last.safetensors. */
  checkpoint: string;
  /** What is copied: the encoder (everything but the heads). */
  part: 'encoder';
  /**
   * With loss 'ce': 'finetune' trains every parameter (full fine-tuning); 'linear' trains the head on the frozen
   * encoder (a linear probe). Other losses pretrain from the copied encoder, and their probe.mode applies.
   */
  mode: 'finetune' | 'linear';
}

/** Everything that determines a training run. Saved (resolved) as runs/<id>/config.json. */
export interface RunConfig {
  name: string;
  model: ModelConfig;
  loss: LossKind;
  /** Temperature of SupCon / NT-Xent. */
  temperature: number;
  /** The moco loss's momentum encoder, queue and temperature. */
  moco: MocoConfig;
  /** supcon-joint: loss = CE + jointWeight * SupCon. */
  jointWeight: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  /** Epochs of ce and supcon-joint. */
  epochs: number;
  /** Epochs of contrastive pretraining (supcon, simclr, moco). */
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
  /** Start from a pretrained encoder, or null for a random initialisation (scratch). */
  init: InitConfig | null;
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

const DEFAULT_OPTIMIZER: OptimizerConfig = {
  name: 'adam',
  lr: 1e-3,
  weightDecay: 0,
  momentum: 0.9,
  nesterov: false,
  betas: [0.9, 0.999],
};
const DEFAULT_SCHEDULE: ScheduleConfig = { name: 'cosine', warmupEpochs: 0, etaMin: 0, stepSize: 10, gamma: 0.1 };

/** The defaults every field falls back to (NoduleNet3D at half width, 32^3 shortcut-size data). */
export function defaultRunConfig(): RunConfig {
  return {
    name: 'run',
    model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
    loss: 'ce',
    temperature: 0.1,
    moco: { momentum: 0.999, queueSize: 4096, temperature: 0.2 },
    jointWeight: 1,
    batchSize: 32,
    optimizer: { ...DEFAULT_OPTIMIZER, betas: [0.9, 0.999] },
    schedule: { ...DEFAULT_SCHEDULE },
    epochs: 6,
    pretrainEpochs: 6,
    probe: {
      mode: 'linear',
      epochs: 3,
      optimizer: { ...DEFAULT_OPTIMIZER, lr: 1e-2, betas: [0.9, 0.999] },
      schedule: { ...DEFAULT_SCHEDULE },
    },
    augment: JSON.parse(JSON.stringify(DEFAULT_AUGMENT_CONFIG)) as AugmentConfig,
    classWeights: null,
    labelSmoothing: 0,
    gradClip: null,
    select: 'auroc',
    init: null,
    data: {
      spec: 'shortcut-size',
      seed: 0,
      volume: null,
      train: { split: 'train', n: 512 },
      val: { split: 'val', n: 256 },
    },
    seed: 0,
    threads: 2,
  };
}

const { boolean, nonEmptyString, number, oneOf, parseOrThrow, refineWith, strict, vector } = schema;
const D = defaultRunConfig();
const count = (min: number) => number({ int: true, min, max: 100000 });
const seedNumber = () => number({ int: true, min: 0, max: Number.MAX_SAFE_INTEGER });

/** An optimizer with the defaults `d` (`nesterov` needs SGD momentum > 0). */
function optimizerSchema(d: OptimizerConfig) {
  return refineWith(
    strict({
      name: oneOf(OPTIMIZERS).default(d.name),
      lr: number({ gt: 0 }).default(d.lr),
      weightDecay: number({ min: 0 }).default(d.weightDecay),
      momentum: number({ min: 0, max: 1 }).default(d.momentum),
      nesterov: boolean().default(d.nesterov),
      betas: vector(2, { min: 0, lt: 1 }, 'numbers in [0, 1)').default((): [number, number] => [
        d.betas[0],
        d.betas[1],
      ]),
    }),
    (o, problem) => {
      if (o.nesterov && o.name === 'sgd' && o.momentum <= 0) problem(['nesterov'], 'needs momentum > 0');
    },
  ).prefault({});
}

function scheduleSchema(d: ScheduleConfig) {
  return strict({
    name: oneOf(SCHEDULES).default(d.name),
    warmupEpochs: number({ int: true, min: 0 }).default(d.warmupEpochs),
    etaMin: number({ min: 0 }).default(d.etaMin),
    stepSize: number({ int: true, min: 1 }).default(d.stepSize),
    gamma: number({ min: 0 }).default(d.gamma),
  }).prefault({});
}

const OPTIONS_OF: Record<TrainModelKind, string[]> = {
  nodulenet3d: ['widthMultiplier'],
  resnet3d: ['widths', 'blocks'],
};

/** The model: its kind and that kind's options, defaults filled (`projectionHead` is set from the loss). */
const modelSchema = refineWith(
  strict({
    kind: oneOf(TRAIN_MODEL_KINDS).default(D.model.kind),
    options: strict({
      widthMultiplier: number({ gt: 0, max: 8 }).optional().describe('nodulenet3d: multiplies the widths 16/32/64'),
      widths: vector(4, { int: true, min: 1 }, 'positive integers').optional().describe('resnet3d: stage widths'),
      blocks: vector(4, { int: true, min: 1 }, 'positive integers').optional().describe('resnet3d: blocks per stage'),
      projectionDim: number({ int: true, min: 1 })
        .default(128)
        .describe('output size of the contrastive projection head'),
      projectionHead: z.boolean().optional().describe('set from the loss'),
    }).prefault({}),
  }),
  (m, problem) => {
    const allowed = [...OPTIONS_OF[m.kind], 'projectionDim', 'projectionHead'];
    for (const k of Object.values(OPTIONS_OF).flat()) {
      if (!allowed.includes(k) && m.options[k as keyof typeof m.options] !== undefined)
        problem(['options', k], `unknown key (expected one of ${allowed.join(', ')})`);
    }
  },
)
  .prefault({})
  .transform(({ kind, options: o }): ModelConfig => ({
    kind,
    options:
      kind === 'nodulenet3d'
        ? { widthMultiplier: o.widthMultiplier ?? D.model.options.widthMultiplier, projectionDim: o.projectionDim }
        : { widths: o.widths ?? [16, 32, 64, 128], blocks: o.blocks ?? [1, 1, 1, 1], projectionDim: o.projectionDim },
  }));

/** One split; with `path`, `n` defaults to (and may not exceed) the samples of that dataset folder or .npz. */
function splitSchema(d: SplitConfig) {
  return strict({
    split: nonEmptyString().default(d.split),
    n: number({ int: true, min: 1 }).optional(),
    path: nonEmptyString().optional(),
  })
    .prefault({})
    .transform(({ split, n, path }, ctx): SplitConfig => {
      if (path === undefined) return { split, n: n ?? d.n };
      let available: number;
      try {
        available = openDataset(path, { split }).n;
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['path'], message: (e as Error).message, input: path });
        return z.NEVER;
      }
      if (n !== undefined && n > available)
        ctx.addIssue({
          code: 'custom',
          path: ['n'],
          message: `${n} is more than the ${available} samples of ${path}`,
          input: n,
        });
      return { split, n: n ?? available, path };
    });
}

/** Where the data comes from; a volume override is written into the spec (its missing parts from the spec). */
const dataSchema = strict({
  spec: SpecRefSchema.prefault(D.data.spec as string),
  seed: seedNumber().default(D.data.seed),
  volume: VolumeOverrideSchema.nullable().default(null),
  train: splitSchema(D.data.train),
  val: splitSchema(D.data.val),
})
  .prefault({})
  .transform(({ spec, volume: v, ...rest }, ctx): DataConfig => {
    if (v === null) return { spec, volume: null, ...rest };
    const volume = {
      shape: v.shape ?? spec.volume?.shape ?? [32, 32, 32],
      spacing: v.spacing ?? spec.volume?.spacing ?? [1, 1, 1],
    };
    try {
      return { spec: specFromRef({ ...spec, volume }, 'data.spec'), volume, ...rest };
    } catch (e) {
      for (const message of specProblems(e)) ctx.addIssue({ code: 'custom', path: ['spec'], message, input: spec });
      return z.NEVER;
    }
  });

/**
 * Checks between fields: contrastive losses need augmentation, splits differ, a batch fits the training set and the
 * model fits the volume.
 */
function checkRun(c: RunConfig, problem: schema.Problem): void {
  if (c.augment === null && c.loss !== 'ce')
    problem(
      ['augment'],
      `the ${c.loss} loss compares two augmented views and needs an augmentation pipeline, got null`,
    );
  const { train, val, spec } = c.data;
  if (train.split === val.split && train.path === val.path)
    problem(
      ['data', 'val', 'split'],
      `must differ from data.train.split ("${train.split}"), or validation would reuse training samples`,
    );
  if (c.batchSize > train.n) problem(['batchSize'], `${c.batchSize} is larger than data.train.n (${train.n})`);
  if (c.loss === 'moco' && c.moco.queueSize < c.batchSize)
    problem(
      ['moco', 'queueSize'],
      `${c.moco.queueSize} is smaller than batchSize (${c.batchSize}): a step's keys must fit`,
    );
  if (c.init?.mode === 'linear' && c.loss !== 'ce')
    problem(
      ['init', 'mode'],
      `'linear' applies to the ce loss; the ${c.loss} loss sets its second stage with probe.mode`,
    );
  const shape = (spec as DatasetSpec).volume?.shape;
  const min = c.model.kind === 'resnet3d' ? 8 : 4;
  if (shape?.some((x) => x < min))
    problem(['data', 'spec', 'volume', 'shape'], `${c.model.kind} needs D, H, W >= ${min}, got (${shape.join(', ')})`);
}

/** The schema of a run config as a user writes it (every field optional); parses to the resolved RunConfig. */
export const RunConfigSchema = refineWith(
  strict(
    {
      $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
      name: nonEmptyString().default(D.name),
      model: modelSchema,
      loss: oneOf(LOSSES).default(D.loss),
      temperature: number({ gt: 0, max: 100 }).default(D.temperature).describe('temperature of SupCon / NT-Xent'),
      moco: strict({
        momentum: number({ min: 0, max: 1 }).default(D.moco.momentum).describe('m in θk ← m·θk + (1 − m)·θq'),
        queueSize: number({ int: true, min: 1, max: 1_000_000 })
          .default(D.moco.queueSize)
          .describe('keys in the queue of negatives'),
        temperature: number({ gt: 0, max: 100 }).default(D.moco.temperature).describe('temperature of InfoNCE'),
      })
        .prefault({})
        .describe('the moco loss: momentum encoder, queue of negatives, temperature'),
      jointWeight: number({ min: 0 }).default(D.jointWeight).describe('supcon-joint: loss = CE + jointWeight * SupCon'),
      batchSize: number({ int: true, min: 2, max: 4096 }).default(D.batchSize),
      optimizer: optimizerSchema(D.optimizer),
      schedule: scheduleSchema(D.schedule),
      epochs: count(1).default(D.epochs).describe('epochs of ce and supcon-joint'),
      pretrainEpochs: count(1)
        .default(D.pretrainEpochs)
        .describe('epochs of contrastive pretraining (supcon, simclr, moco)'),
      probe: strict({
        mode: oneOf(['linear', 'finetune']).default(D.probe.mode),
        epochs: count(1).default(D.probe.epochs),
        optimizer: optimizerSchema(D.probe.optimizer),
        schedule: scheduleSchema(D.probe.schedule),
      })
        .prefault({})
        .describe('the second stage of supcon, simclr and moco'),
      augment: AugmentConfigSchema.nullable()
        .default(() => JSON.parse(JSON.stringify(D.augment)))
        .describe('the augmentation pipeline, or null for none'),
      classWeights: refineWith(vector(2, { min: 0 }, 'non-negative numbers'), (w, problem) => {
        if (w[0] + w[1] <= 0) problem([], 'at least one weight must be > 0');
      })
        .nullable()
        .default(null)
        .describe('cross-entropy class weights [benign, malignant]'),
      labelSmoothing: number({ min: 0, max: 1 }).default(D.labelSmoothing),
      gradClip: number({ gt: 0 }).nullable().default(null).describe('clip the gradient norm to this value'),
      select: oneOf(SELECT_METRICS).default(D.select).describe('the validation metric that picks the best checkpoint'),
      data: dataSchema,
      init: strict({
        checkpoint: nonEmptyString().describe('a checkpoint of a pretrained run'),
        part: oneOf(['encoder']).default('encoder').describe('what is copied: the encoder (all but the heads)'),
        mode: oneOf(['finetune', 'linear'])
          .default('finetune')
          .describe("loss ce: 'finetune' trains everything, 'linear' only the head on the frozen encoder"),
      })
        .nullable()
        .default(null)
        .describe('start from the encoder of a pretrained checkpoint (null: random initialisation)'),
      seed: seedNumber().default(D.seed),
      threads: number({ int: true, min: 1, max: 256 }).default(D.threads),
    },
    { type: 'a JSON object' },
  ).transform(({ $schema: _, ...c }): RunConfig => ({
    ...c,
    model: {
      kind: c.model.kind,
      options: { ...c.model.options, ...(c.loss === 'ce' ? {} : { projectionHead: true }) },
    },
  })),
  checkRun,
);

/**
 * Fills every default into a user's (partial, parsed-JSON) config and validates it. Throws a
 * ConfigError listing every problem. The result is self-contained: `data.spec` holds the spec itself
 * (a preset or file read here), `model.options.projectionHead` follows the loss. Idempotent.
 */
export function resolveRunConfig(input: unknown): RunConfig {
  return parseOrThrow(RunConfigSchema, input, (problems) => new ConfigError(problems), { root: 'config' });
}

/** Whether the loss trains in two stages (contrastive pretraining, then probe or fine-tuning). */
export function isTwoStage(loss: LossKind): boolean {
  return loss === 'supcon' || loss === 'simclr' || loss === 'moco';
}
