// The run config: a typed, JSON-serializable description of one training run (model, loss, optimizer,
// schedule, epochs per stage, augmentation, data, per-sample weights, pruning, seed, threads) with defaults, and
// its zod schema,
// whose errors name each problem's path (e.g. `optimizer.lr: must be a number > 0, got -1`).
import { z } from 'zod';
import {
  AugmentConfig,
  AugmentConfigSchema,
  DEFAULT_AUGMENT_CONFIG,
  checkBoxPreserving,
  DatasetSpec,
  SpecRefSchema,
  VolumeOverrideSchema,
  openDataset,
  schema,
  specFromRef,
  specProblems,
} from '@nodulab/data';

/**
 * The training objectives: 'dice-ce' (Dice + per-voxel cross-entropy) trains segmenters, 'box' (smooth-L1 + GIoU)
 * trains a box head for localization, the rest classifiers.
 */
export const LOSSES = ['ce', 'supcon', 'supcon-joint', 'simclr', 'moco', 'dice-ce', 'box'] as const;
export type LossKind = (typeof LOSSES)[number];

/** The models a run can train: the classifiers NoduleNet3D and ResNet3D, and the segmenter UNet3D. */
export const TRAIN_MODEL_KINDS = ['nodulenet3d', 'resnet3d', 'unet3d'] as const;
export type TrainModelKind = (typeof TRAIN_MODEL_KINDS)[number];

/** Whether a model kind segments (one class per voxel) rather than classifies. */
export function isSegmenter(kind: TrainModelKind): boolean {
  return kind === 'unet3d';
}

export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export const SCHEDULES = ['constant', 'cosine', 'step'] as const;
/**
 * Validation metrics that can pick the best checkpoint: classification ones, 'dice' (segmentation), 'meanIoU'
 * (localization) or the loss.
 */
export const SELECT_METRICS = ['auroc', 'accuracy', 'balancedAccuracy', 'dice', 'meanIoU', 'loss'] as const;
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
    /** UNet3D: channels of the first level (doubled per level down) and number of 2x downsamplings. */
    baseChannels?: number;
    levels?: number;
    /** UNet3D: dropout probability after the bottleneck (0: none). */
    dropout?: number;
    /** Set from the loss: a projection head for the contrastive losses, a box head for 'box'. */
    projectionHead?: boolean;
    boxHead?: boolean;
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

/** The modes of the second stage of supcon, simclr and moco (and how ce fits a probe in init.mode 'linear'). */
export const PROBE_MODES = ['linear', 'linear-sgd', 'finetune'] as const;
export type ProbeMode = (typeof PROBE_MODES)[number];

/**
 * The second stage of the two-stage losses (supcon, simclr, moco), and the probe of ce in init.mode 'linear'.
 * - 'linear' (the linear-evaluation protocol): a logistic regression on the frozen encoder's embed()
 *   features of the un-augmented training set, standardised (like BatchNorm without affine before the
 *   head) and fitted to convergence (full batch, Newton's method), its L2 penalty chosen among
 *   `weightDecays` by validation cross-entropy, then folded into the model's linear head; binary for a
 *   two-class target, multinomial (softmax) for K classes;
 * - 'linear-sgd': the linear head trained on frozen features of augmented batches for `epochs` with
 *   `optimizer` and `schedule`;
 * - 'finetune': everything trained with CE for `epochs` with `optimizer` and `schedule`.
 */
export interface ProbeConfig {
  mode: ProbeMode;
  /** 'linear': the L2 penalties (weight decay, on standardised features) tried. */
  weightDecays: number[];
  /** 'linear-sgd' and 'finetune': epochs, optimizer and schedule. */
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
  /**
   * Joint training on several datasets: further specs (resolved configs hold the specs) whose train and
   * val splits (n samples each, dataset seed `seed + k` for the k-th) follow those of `spec`, each item
   * with its own spec's target mask. null: `spec` alone.
   */
  joint: (string | DatasetSpec)[] | null;
}

/**
 * Magnitude pruning during a run ('ce' and 'box' only): 'oneshot' prunes to `sparsity` before the first step (start
 * from a trained model with `init` to prune + fine-tune); 'gradual' follows Zhu & Gupta's polynomial from 0 after
 * `beginEpoch` epochs to `sparsity` after `endEpoch` epochs, pruning every `frequency` steps. Masks stay fixed
 * through the optimizer steps and are saved in every checkpoint.
 */
export interface PruneConfig {
  sparsity: number;
  scope: 'global' | 'layer';
  schedule: 'oneshot' | 'gradual';
  beginEpoch: number;
  endEpoch: number;
  frequency: number;
}

/**
 * Initialisation from a pretrained run (like loading a torchvision backbone's weights): the encoder of
 * `checkpoint` is copied into the new model, whose classifier head (and projection head) start fresh.
 */
export interface InitConfig {
  /** A checkpoint file of another run (e.g. runs/pretrain/checkpoints/last.safetensors), or a run folder (its best,
   * else last, checkpoint). */
  checkpoint: string;
  /**
   * What is copied: 'encoder' (everything but the heads, whatever the source's classes or heads), or 'all' (the
   * whole model with its pruning masks, e.g. a dense model to prune and fine-tune).
   */
  part: 'encoder' | 'all';
  /**
   * With loss 'ce': 'finetune' trains every parameter (full fine-tuning); 'linear' fits the head on the frozen
   * encoder (a linear probe: fitted to convergence when probe.mode is 'linear', the default, else trained by
   * steps for `epochs`). Other losses pretrain from the copied encoder, and their probe.mode applies.
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
  /** dice-ce: loss = CE (mean over voxels) + diceWeight * soft Dice loss of the target class. */
  diceWeight: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  /** Epochs of ce and supcon-joint. */
  epochs: number;
  /** Epochs of contrastive pretraining (supcon, simclr, moco). */
  pretrainEpochs: number;
  probe: ProbeConfig;
  /**
   * The augmentation pipeline (@nodulab/data's Compose config); null = none (not allowed for contrastive losses).
   * The box loss takes only flip, rot90, intensity and noise steps, and moves each training box with its volume.
   */
  augment: AugmentConfig | null;
  /** Cross-entropy class weights [benign, malignant], or null. */
  classWeights: [number, number] | null;
  labelSmoothing: number;
  /** Clip the gradient norm to this value, or null. */
  gradClip: number | null;
  /**
   * One weight per training sample (data.train.n of them) multiplying its loss ('ce' and 'box'), e.g. hard
   * samples up-weighted; null = all 1.
   */
  sampleWeights: number[] | null;
  /**
   * Loss-based hard-example mining ('ce' and 'box'): only this fraction of each batch, the samples with the
   * highest loss, trains (at least one); null = every sample.
   */
  hardMining: number | null;
  /** Magnitude pruning during the run, or null. */
  prune: PruneConfig | null;
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
    diceWeight: 1,
    batchSize: 32,
    optimizer: { ...DEFAULT_OPTIMIZER, betas: [0.9, 0.999] },
    schedule: { ...DEFAULT_SCHEDULE },
    epochs: 6,
    pretrainEpochs: 6,
    probe: {
      mode: 'linear',
      weightDecays: [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1],
      epochs: 3,
      optimizer: { ...DEFAULT_OPTIMIZER, lr: 1e-2, betas: [0.9, 0.999] },
      schedule: { ...DEFAULT_SCHEDULE },
    },
    augment: JSON.parse(JSON.stringify(DEFAULT_AUGMENT_CONFIG)) as AugmentConfig,
    classWeights: null,
    labelSmoothing: 0,
    gradClip: null,
    sampleWeights: null,
    hardMining: null,
    prune: null,
    select: 'auroc',
    init: null,
    data: {
      spec: 'shortcut-size',
      seed: 0,
      volume: null,
      train: { split: 'train', n: 512 },
      val: { split: 'val', n: 256 },
      joint: null,
    },
    seed: 0,
    threads: 2,
  };
}

const { boolean, mustBe, nonEmptyString, number, oneOf, parseOrThrow, refineWith, strict, vector } = schema;
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
  unet3d: ['baseChannels', 'levels', 'dropout'],
};

/** The model: its kind and that kind's options, defaults filled (`projectionHead` is set from the loss). */
const modelSchema = refineWith(
  strict({
    kind: oneOf(TRAIN_MODEL_KINDS).default(D.model.kind),
    options: strict({
      widthMultiplier: number({ gt: 0, max: 8 }).optional().describe('nodulenet3d: multiplies the widths 16/32/64'),
      widths: vector(4, { int: true, min: 1 }, 'positive integers').optional().describe('resnet3d: stage widths'),
      blocks: vector(4, { int: true, min: 1 }, 'positive integers').optional().describe('resnet3d: blocks per stage'),
      baseChannels: number({ int: true, min: 1, max: 256 })
        .optional()
        .describe('unet3d: channels of the first level, doubled per level down (default 8)'),
      levels: number({ int: true, min: 1, max: 5 })
        .optional()
        .describe('unet3d: number of 2x downsamplings (default 2)'),
      dropout: number({ min: 0, lt: 1 })
        .optional()
        .describe(
          'unet3d: dropout probability after the bottleneck (default 0); masks derive from (seed, step, layer)',
        ),
      projectionDim: number({ int: true, min: 1 })
        .default(128)
        .describe('output size of the contrastive projection head'),
      projectionHead: z.boolean().optional().describe('set from the loss'),
      boxHead: z.boolean().optional().describe('set from the loss'),
    }).prefault({}),
  }),
  (m, problem) => {
    const allowed = [...OPTIONS_OF[m.kind], 'projectionDim', 'projectionHead', 'boxHead'];
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
        : kind === 'resnet3d'
          ? { widths: o.widths ?? [16, 32, 64, 128], blocks: o.blocks ?? [1, 1, 1, 1], projectionDim: o.projectionDim }
          : { baseChannels: o.baseChannels ?? 8, levels: o.levels ?? 2, dropout: o.dropout ?? 0 },
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
  joint: z
    .array(SpecRefSchema, { error: schema.mustBe('an array of dataset specs') })
    .nullable()
    .default(null)
    .describe('further dataset specs trained jointly with data.spec (their train/val splits, n each)'),
})
  .prefault({})
  .transform(({ spec, volume: v, joint, ...rest }, ctx): DataConfig => {
    if (v === null) return { spec, volume: null, ...rest, joint };
    const override = (s: DatasetSpec, path: (string | number)[]): DatasetSpec => {
      const volume = {
        shape: v.shape ?? s.volume?.shape ?? [32, 32, 32],
        spacing: v.spacing ?? s.volume?.spacing ?? [1, 1, 1],
      };
      try {
        return specFromRef({ ...s, volume }, `data.${path.join('.')}`);
      } catch (e) {
        for (const message of specProblems(e)) ctx.addIssue({ code: 'custom', path, message, input: s });
        return s;
      }
    };
    const volume = {
      shape: v.shape ?? spec.volume?.shape ?? [32, 32, 32],
      spacing: v.spacing ?? spec.volume?.spacing ?? [1, 1, 1],
    };
    return {
      spec: override(spec, ['spec']),
      volume,
      ...rest,
      joint: joint === null ? null : joint.map((s, k) => override(s, ['joint', k])),
    };
  });

/** Training samples per epoch: data.train.n, times the number of datasets when training jointly. */
export function trainingSetSize(c: RunConfig): number {
  return c.data.train.n * (1 + (c.data.joint?.length ?? 0));
}

/**
 * Checks between fields: contrastive losses need augmentation, splits differ, a batch fits the training set and the
 * model fits the volume.
 */
function checkRun(c: RunConfig, problem: schema.Problem): void {
  const segments = isSegmenter(c.model.kind);
  if (segments !== (c.loss === 'dice-ce'))
    problem(
      ['loss'],
      segments
        ? `${c.model.kind} is a segmentation model and trains with the dice-ce loss, got ${c.loss}`
        : `dice-ce trains segmentation models (unet3d), but model.kind is ${c.model.kind}`,
    );
  const classMetric = c.select !== 'loss' && c.select !== 'dice' && c.select !== 'meanIoU';
  if (segments ? classMetric : c.select === 'dice')
    problem(
      ['select'],
      segments
        ? `a segmentation model is selected by dice or loss, got ${c.select}`
        : `dice selects segmentation models; ${c.model.kind} is a classifier`,
    );
  if (c.augment === null && c.loss !== 'ce' && c.loss !== 'dice-ce' && c.loss !== 'box')
    problem(
      ['augment'],
      `the ${c.loss} loss compares two augmented views and needs an augmentation pipeline, got null`,
    );
  const { train, val, spec, joint } = c.data;
  if (joint !== null) {
    if (joint.length === 0) problem(['data', 'joint'], 'must name at least one spec (or be null)');
    if (train.path !== undefined || val.path !== undefined)
      problem(['data', 'joint'], 'joint training generates its data; data.train.path and data.val.path must be unset');
    const shape = (s: DatasetSpec) => (s.volume?.shape ?? [32, 32, 32]).join(', ');
    joint.forEach((s, k) => {
      if (shape(s as DatasetSpec) !== shape(spec as DatasetSpec))
        problem(
          ['data', 'joint', k],
          `${(s as DatasetSpec).name} makes (${shape(s as DatasetSpec)}) volumes, data.spec (${shape(spec as DatasetSpec)}); ` +
            'set data.volume to give all one shape',
        );
    });
  }
  if (train.split === val.split && train.path === val.path)
    problem(
      ['data', 'val', 'split'],
      `must differ from data.train.split ("${train.split}"), or validation would reuse training samples`,
    );
  if (c.batchSize > trainingSetSize(c))
    problem(
      ['batchSize'],
      joint === null
        ? `${c.batchSize} is larger than data.train.n (${train.n})`
        : `${c.batchSize} is larger than the joint training set (${trainingSetSize(c)})`,
    );
  if (c.loss === 'moco' && c.moco.queueSize < c.batchSize)
    problem(
      ['moco', 'queueSize'],
      `${c.moco.queueSize} is smaller than batchSize (${c.batchSize}): a step's keys must fit`,
    );
  const localizes = c.loss === 'box';
  if (localizes && c.augment !== null) {
    try {
      checkBoxPreserving(c.augment, 'the box loss moves each box with its volume');
    } catch (e) {
      problem(['augment'], (e as Error).message);
    }
  }
  if ((c.select === 'meanIoU') !== localizes && c.select !== 'loss')
    problem(['select'], `"${c.select}" does not fit the ${c.loss} loss (box: meanIoU or loss; others: not meanIoU)`);
  const single = c.loss === 'ce' || localizes;
  if (c.sampleWeights !== null) {
    if (!single) problem(['sampleWeights'], `only the ce and box losses take per-sample weights, not ${c.loss}`);
    if (c.sampleWeights.length !== trainingSetSize(c))
      problem(
        ['sampleWeights'],
        c.data.joint === null
          ? `${c.sampleWeights.length} weights for data.train.n = ${train.n} samples`
          : `${c.sampleWeights.length} weights for a joint training set of ${trainingSetSize(c)} samples`,
      );
    if (!c.sampleWeights.some((w) => w > 0)) problem(['sampleWeights'], 'at least one weight must be > 0');
  }
  if (c.hardMining !== null && !single) problem(['hardMining'], `only the ce and box losses mine, not ${c.loss}`);
  if (c.prune !== null) {
    if (!single) problem(['prune'], `only the ce and box losses prune during training, not ${c.loss}`);
    if (c.prune.schedule === 'gradual' && !(c.prune.beginEpoch < c.prune.endEpoch && c.prune.endEpoch <= c.epochs))
      problem(
        ['prune', 'endEpoch'],
        `gradual pruning needs beginEpoch < endEpoch <= epochs, got ${c.prune.beginEpoch}, ${c.prune.endEpoch}, ${c.epochs}`,
      );
  }
  if (c.init?.mode === 'linear' && c.loss !== 'ce')
    problem(
      ['init', 'mode'],
      `'linear' applies to the ce loss; the ${c.loss} loss sets its second stage with probe.mode`,
    );
  const shape = (spec as DatasetSpec).volume?.shape;
  const min = c.model.kind === 'resnet3d' ? 8 : 4;
  if (shape?.some((x) => x < min))
    problem(['data', 'spec', 'volume', 'shape'], `${c.model.kind} needs D, H, W >= ${min}, got (${shape.join(', ')})`);
  if (segments) {
    const levels = c.model.options.levels ?? 2;
    const f = 2 ** levels;
    const dims = shape ?? [32, 32, 32];
    if (dims.some((x) => x % f !== 0))
      problem(
        ['data', 'spec', 'volume', 'shape'],
        `unet3d with ${levels} levels needs D, H, W divisible by 2^${levels} = ${f}, got (${dims.join(', ')})`,
      );
  }
}

/** The schema of a run config as a user writes it (every field optional); parses to the resolved RunConfig. */
export const RunConfigSchema = refineWith(
  strict(
    {
      $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
      name: nonEmptyString().default(D.name),
      model: modelSchema,
      loss: oneOf(LOSSES).optional().describe('default: ce for classifiers, dice-ce for unet3d'),
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
      diceWeight: number({ min: 0 }).default(D.diceWeight).describe('dice-ce: loss = CE + diceWeight * Dice'),
      batchSize: number({ int: true, min: 2, max: 4096 }).default(D.batchSize),
      optimizer: optimizerSchema(D.optimizer),
      schedule: scheduleSchema(D.schedule),
      epochs: count(1).default(D.epochs).describe('epochs of ce and supcon-joint'),
      pretrainEpochs: count(1)
        .default(D.pretrainEpochs)
        .describe('epochs of contrastive pretraining (supcon, simclr, moco)'),
      probe: strict({
        mode: oneOf(PROBE_MODES)
          .default(D.probe.mode)
          .describe(
            'linear: logistic regression (binary, or softmax for K classes) fitted to convergence on the frozen, ' +
              'standardised embeddings; ' +
              'linear-sgd: the linear head trained by steps on frozen embeddings; finetune: everything trained with CE',
          ),
        weightDecays: z
          .array(number({ gt: 0 }), { error: mustBe('an array of numbers > 0') })
          .min(1, { error: 'must list at least one weight decay' })
          .default(() => [...D.probe.weightDecays])
          .describe("'linear': the L2 penalties tried on standardised features (chosen by validation loss)"),
        epochs: count(1).default(D.probe.epochs).describe("'linear-sgd' and 'finetune': epochs"),
        optimizer: optimizerSchema(D.probe.optimizer),
        schedule: scheduleSchema(D.probe.schedule),
      })
        .prefault({})
        .describe("the second stage of supcon, simclr and moco; with ce in init.mode 'linear', how the head is fitted"),
      augment: AugmentConfigSchema.nullable()
        .optional()
        .describe(
          'the augmentation pipeline, or null for none (default: the standard pipeline; none for box, which takes only flip, rot90, intensity and noise steps and moves each box with its volume)',
        ),
      classWeights: refineWith(vector(2, { min: 0 }, 'non-negative numbers'), (w, problem) => {
        if (w[0] + w[1] <= 0) problem([], 'at least one weight must be > 0');
      })
        .nullable()
        .default(null)
        .describe('cross-entropy class weights [benign, malignant]'),
      labelSmoothing: number({ min: 0, max: 1 }).default(D.labelSmoothing),
      gradClip: number({ gt: 0 }).nullable().default(null).describe('clip the gradient norm to this value'),
      sampleWeights: z
        .array(number({ min: 0 }))
        .nullable()
        .default(null)
        .describe('one loss weight per training sample (ce, box)'),
      hardMining: number({ gt: 0, max: 1 })
        .nullable()
        .default(null)
        .describe('train on this fraction of each batch with the highest loss (ce, box)'),
      prune: strict({
        sparsity: number({ min: 0, lt: 1 }),
        scope: oneOf(['global', 'layer']).default('global'),
        schedule: oneOf(['oneshot', 'gradual']).default('oneshot'),
        beginEpoch: number({ int: true, min: 0 }).default(0),
        endEpoch: number({ int: true, min: 1 }).default(1),
        frequency: number({ int: true, min: 1 }).default(1),
      })
        .nullable()
        .default(null)
        .describe('magnitude pruning: one-shot before the first step, or gradual (Zhu & Gupta)'),
      select: oneOf(SELECT_METRICS)
        .optional()
        .describe(
          'the validation metric that picks the best checkpoint (default: auroc for classifiers, dice for unet3d, meanIoU for box)',
        ),
      data: dataSchema,
      init: strict({
        checkpoint: nonEmptyString().describe('a checkpoint of a pretrained run, or a run folder'),
        part: oneOf(['encoder', 'all'])
          .default('encoder')
          .describe("what is copied: 'encoder' (all but the heads) or 'all' (the whole model with its pruning masks)"),
        mode: oneOf(['finetune', 'linear'])
          .default('finetune')
          .describe(
            "loss ce: 'finetune' trains everything, 'linear' only the head on the frozen encoder (fitted when probe.mode is 'linear')",
          ),
      })
        .nullable()
        .default(null)
        .describe('start from a pretrained checkpoint: its encoder or the whole model (null: random initialisation)'),
      seed: seedNumber().default(D.seed),
      threads: number({ int: true, min: 1, max: 256 }).default(D.threads),
    },
    { type: 'a JSON object' },
  ).transform(({ $schema: _, ...c }): RunConfig => {
    const segments = isSegmenter(c.model.kind);
    const loss = c.loss ?? (segments ? 'dice-ce' : D.loss);
    const heads =
      loss === 'ce' || loss === 'dice-ce' ? {} : loss === 'box' ? { boxHead: true } : { projectionHead: true };
    const resolved: RunConfig = {
      ...c,
      loss,
      augment: c.augment !== undefined ? c.augment : loss === 'box' ? null : JSON.parse(JSON.stringify(D.augment)),
      select: c.select ?? (segments ? 'dice' : loss === 'box' ? 'meanIoU' : D.select),
      model: { kind: c.model.kind, options: { ...c.model.options, ...heads } },
    };
    // One key order (the defaults'), whether loss and select were given or filled in: saved configs compare as text.
    return Object.fromEntries(Object.keys(D).map((k) => [k, resolved[k as keyof RunConfig]])) as unknown as RunConfig;
  }),
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

/** Whether the loss trains a localizer (a box head) rather than a classifier. */
export function isLocalization(loss: LossKind): boolean {
  return loss === 'box';
}

/** Whether the loss trains in two stages (contrastive pretraining, then probe or fine-tuning). */
export function isTwoStage(loss: LossKind): boolean {
  return loss === 'supcon' || loss === 'simclr' || loss === 'moco';
}
