// The hard-samples study's spec: its zod schema (every problem named by path), the default input and the --quick
// input. The localization data (the `localize` preset at the study's volume), the supervision settings, the dense
// and pruned populations (models per population, sparsities, fine-tuning), how HTL samples are chosen and
// up-weighted, and the run config every model shares.
import { z } from 'zod';
import { DatasetSpec, preset, schema } from '@nodulab/data';
import type { AugmentConfig } from '@nodulab/data';
import { LossKind, RunConfig, RunConfigInput, resolveRunConfig } from '@nodulab/train';
import { StudySpecError } from '../../framework/study';
import { deepMerge } from '../../kit/merge';
import { seedsField } from '../../kit/seeds_field';

/**
 * How the localizers learn their boxes: 'supervised' from every true box; 'semi' from the true boxes of a labelled
 * fraction and a teacher's pseudo-boxes on the rest; 'weak' from image-level labels only, via boxes of thresholded
 * Grad-CAM maps of the dense classifiers.
 */
export const SETTINGS = ['supervised', 'semi', 'weak'] as const;
export type Setting = (typeof SETTINGS)[number];

/** A hard-samples study, resolved (the framework writes it as spec.json). */
export interface HardSamplesSpec {
  name: 'hard-samples';
  description: string;
  /** One data draw per seed (data seed 1000 + seed); every paired difference is over these. */
  seeds: number[];
  volume: { shape: [number, number, number]; spacing: [number, number, number] };
  /** Training samples (the pool HTL samples are found in), validation and test samples. */
  n: number;
  valN: number;
  testN: number;
  /** Models per population (dense, and pruned at each sparsity); PIE needs at least 3. */
  models: number;
  sparsities: number[];
  /**
   * Where a pruned model comes from: 'dense' prunes dense model k one-shot and fine-tunes it (fineTuneEpochs at
   * fineTuneLrScale); 'scratch' trains it independently, from its own initialisation (model seed models + k), with
   * gradual magnitude pruning (Zhu & Gupta: from 0 after 20% of the dense epochs to the sparsity at 80%), the dense
   * models' epochs and learning rate, as Hooker et al. built their populations.
   */
  pruneFrom: 'dense' | 'scratch';
  /** Epochs of fine-tuning after the one-shot prune of each dense model (pruneFrom 'dense'). */
  fineTuneEpochs: number;
  /**
   * The fine-tuning learning rate as a fraction of the dense model's. Pruned models are fine-tuned at a reduced
   * rate, as is usual when retraining after pruning: PIE compares pruned models with dense ones of about the same
   * accuracy. At the full rate (3e-3, Adam restarted) one epoch took classifiers that had converged under a cosine
   * schedule to chance balanced accuracy on validation, even at 30% sparsity, while at a tenth a 30%-pruned one
   * kept its dense accuracy (0.887 vs 0.821).
   */
  fineTuneLrScale: number;
  /** The settings run, in this order (each with its own populations, HTL samples and arms). */
  settings: Setting[];
  /** Epochs of the localizers trained from scratch (dense models, arms; the semi teacher × 1/labeledFraction). */
  localizerEpochs: number;
  /** 'semi': the fraction of training samples whose true box is known (a seeded draw). */
  labeledFraction: number;
  /** 'weak': a box is the largest region where the mean Grad-CAM is at least this fraction of its peak. */
  camThreshold: number;
  /** HTL = the top fraction of training samples by HTL score. */
  htlFraction: number;
  /** The loss weight of an up-weighted sample (the others keep 1). */
  upweight: number;
  /** Hard-example mining: the fraction of each batch with the highest loss that trains. */
  miningFraction: number;
  /**
   * The malignancy classifiers (PIE, and the weak setting's Grad-CAM boxes): their training set size, at least `n`
   * (its first `n` samples are the HTL pool, the generator being deterministic per sample index), and their
   * run-config overrides over `config`.
   */
  classifier: { n: number; config: RunConfigInput };
  /**
   * The training augmentation of every model (null: none; `classifier.config.augment` overrides it for the
   * classifiers). Localizers need box-preserving steps (flip, rot90, intensity, noise): their boxes move with
   * the volume.
   */
  augment: AugmentConfig | null;
  /** Run-config overrides shared by every model (loss, seed, data, name and threads are set per model). */
  config: RunConfigInput;
  threads: number;
}

/**
 * The study's augmentation: random flips on every axis, a random 90-degree rotation in the axial plane and an
 * intensity jitter. These move voxels exactly (no resampling), so a localizer's box moves with its volume, and they
 * keep the malignancy label's evidence: at 2 mm the malignant margins' spicules are 1-1.4 voxels wide, and the
 * standard pipeline's affine step (trilinear resampling, ±10° and ±10% scale) blurs them while its added noise (std
 * up to 0.03) exceeds the scanner's own (0.007-0.017 in window units). With the standard pipeline a classifier's
 * training loss stayed at 0.66 after 12 epochs and its AUROC on its own training set at 0.70; with this one, 0.53
 * and 0.86.
 */
export const EXACT_AUGMENT: AugmentConfig = {
  steps: [
    { op: 'flip', axes: [0, 1, 2], p: 0.5 },
    { op: 'rot90', planes: 'axial', p: 1 },
    { op: 'intensity', scale: [0.9, 1.1], shift: [-0.05, 0.05], p: 1 },
  ],
};

const DESCRIPTION =
  'Hard-to-learn (HTL) nodules found by pruning: samples where magnitude-pruned models (one-shot + fine-tune) ' +
  'disagree with dense ones, in classification (PIE) and localization (1 − IoU of mean boxes); retraining ' +
  'the localizer with HTL samples up-weighted against the baseline, random samples up-weighted and hard-example ' +
  'mining under the same budget; and who the HTL samples are (factor subgroups).';

/** The run-config overrides every model shares by default: NoduleNet3D at half width, Adam 3e-3, batch 32. */
const DEFAULT_CONFIG: Record<string, unknown> = {
  model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
  batchSize: 32,
  epochs: 5,
  optimizer: { name: 'adam', lr: 3e-3 },
};

const FORBIDDEN_CONFIG_KEYS = ['loss', 'seed', 'data', 'name', 'threads'];
const { mustBe, number, oneOf, parseOrThrow, refineWith, show, strict } = schema;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const count = (min: number, max = 1_000_000) => number({ int: true, in: [min, max] });
const fraction = (phrase: string, c: schema.NumberCheck) => number(c, phrase);

/** Run-config overrides (checked whole when resolve builds a model's run config); the study's own keys are refused. */
const runConfigOverrides = refineWith(
  z.record(z.string(), z.unknown(), { error: mustBe('an object') }),
  (c, problem) => {
    for (const k of FORBIDDEN_CONFIG_KEYS)
      if (c[k] !== undefined) problem([k], 'set by the study (use seeds, volume, n, threads)');
  },
).meta({ $ref: 'run-config.schema.json' });

const distinct =
  <T>(what: string) =>
  (v: T[], problem: schema.Problem) => {
    if (new Set(v).size !== v.length) problem([], `must be distinct ${what}, got ${show(v)}`);
  };

const fields = strict(
  {
    $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
    name: z.literal('hard-samples', { error: mustBe('"hard-samples"') }).default('hard-samples'),
    description: z.string({ error: mustBe('a string') }).default(DESCRIPTION),
    seeds: seedsField('a count (seeds 0..n-1) or the seeds; seed s draws its data with data seed 1000 + s').prefault(3),
    volume: strict({
      shape: schema.triple({ int: true, in: [8, 256] }),
      spacing: schema.triple({ gt: 0, max: 20 }),
    }).prefault({ shape: [24, 24, 24], spacing: [2, 2, 2] }),
    n: count(8).default(256).describe('training samples: the pool HTL samples are found in'),
    valN: count(1).default(64),
    testN: count(1).default(128),
    models: number({ int: true, in: [3, 100] }, 'an integer >= 3 (PIE takes the modal class of >= 3 models)')
      .default(3)
      .describe('models per population (dense, and pruned at each sparsity)'),
    sparsities: refineWith(
      z.array(fraction('a sparsity in (0, 1)', { gt: 0, lt: 1 }), { error: mustBe('a non-empty array') }).min(1, {
        error: 'must not be empty',
      }),
      distinct('sparsities'),
    ).default([0.3, 0.5, 0.7, 0.9]),
    pruneFrom: oneOf(['dense', 'scratch'])
      .default('dense')
      .describe("pruned models fine-tuned from the dense ones ('dense') or trained independently with gradual pruning"),
    fineTuneEpochs: count(1, 1000).default(1),
    fineTuneLrScale: fraction('a number in (0, 1]', { gt: 0, max: 1 })
      .default(0.1)
      .describe("the pruned models' fine-tuning learning rate as a fraction of the dense model's"),
    settings: refineWith(
      z.array(oneOf(SETTINGS), { error: mustBe('a non-empty array of settings') }).min(1, {
        error: 'must not be empty',
      }),
      distinct('settings'),
    ).default([...SETTINGS]),
    localizerEpochs: count(1, 1000).default(9),
    labeledFraction: fraction('a number in (0, 1)', { gt: 0, lt: 1 }).default(0.25),
    camThreshold: fraction('a number in (0, 1]', { gt: 0, max: 1 }).default(0.5),
    htlFraction: fraction('a number in (0, 1]', { gt: 0, max: 1 }).default(0.1),
    upweight: number({ gt: 0 }).default(3),
    miningFraction: fraction('a number in (0, 1]', { gt: 0, max: 1 }).default(0.5),
    classifier: strict({
      n: count(8).optional().describe('classifier training samples, >= n (default 512, or n when larger)'),
      config: runConfigOverrides.default({ epochs: 12 }),
    }).prefault({}),
    augment: z
      .record(z.string(), z.unknown(), { error: mustBe('an augmentation config or null') })
      .nullable()
      .default(() => clone(EXACT_AUGMENT) as unknown as Record<string, unknown>)
      .describe('the training augmentation of every model (checked as part of each run config)'),
    config: runConfigOverrides
      .default(() => clone(DEFAULT_CONFIG))
      .describe('run-config overrides shared by every model'),
    threads: count(1, 256).default(2),
  },
  { type: 'a JSON object' },
);

/** The dataset every model of the study trains on: the `localize` preset at the study's volume. */
export function datasetSpecOf(spec: Pick<HardSamplesSpec, 'volume'>): DatasetSpec {
  return { ...preset('localize'), name: 'localize', volume: clone(spec.volume) };
}

/**
 * The run config of one model: spec.config with spec.augment, then `localizerEpochs` for a localizer or
 * spec.classifier.config for a classifier, then `extra`; trained on `sizes.train` samples of the seed's training
 * split (data seed 1000 + seed) and validated on `sizes.val`. Throws a ConfigError when invalid.
 */
export function runConfigOf(
  spec: HardSamplesSpec,
  seed: number,
  loss: LossKind,
  name: string,
  modelSeed: number,
  sizes: { train: number; val: number },
  extra: Record<string, unknown> = {},
): RunConfig {
  const own = loss === 'box' ? { epochs: spec.localizerEpochs } : (spec.classifier.config as Record<string, unknown>);
  const base = deepMerge(spec.config as Record<string, unknown>, { augment: spec.augment });
  return resolveRunConfig({
    ...deepMerge(deepMerge(base, own), extra),
    name,
    loss,
    seed: modelSeed,
    threads: spec.threads,
    data: {
      spec: datasetSpecOf(spec),
      seed: 1000 + seed,
      train: { split: 'train', n: sizes.train },
      val: { split: 'val', n: sizes.val },
    },
  });
}

/** How many training and validation samples the semi teacher sees (their labelled fraction, at least 1 each). */
export function semiSizes(s: Pick<HardSamplesSpec, 'labeledFraction' | 'n' | 'valN'>): [number, number] {
  const known = (n: number) => Math.max(1, Math.round(s.labeledFraction * n));
  return [known(s.n), known(s.valN)];
}

/** The checks between fields, and every run config the study implies (a classifier's and a localizer's). */
function check(s: HardSamplesSpec, problem: schema.Problem): void {
  if (s.classifier.n < s.n) problem(['classifier', 'n'], `must be an integer >= n (${s.n}), got ${s.classifier.n}`);
  const runs: [string[], LossKind, number, number][] = [
    [['classifier', 'config'], 'ce', s.classifier.n, s.valN],
    [['config'], 'box', s.n, s.valN],
  ];
  // The semi teacher trains on the labelled fraction of the training and validation sets.
  if (s.settings.includes('semi')) runs.push([['labeledFraction'], 'box', ...semiSizes(s)]);
  for (const [path, loss, n, valN] of runs) {
    try {
      runConfigOf(s, s.seeds[0], loss, 'check', 0, { train: n, val: valN });
    } catch (e) {
      for (const p of (e as { problems?: string[] }).problems ?? [(e as Error).message])
        problem(p.startsWith('augment') ? ['augment'] : path, `run config: ${p}`);
    }
  }
}

/** The schema of the spec as a user writes it (every field optional); parses to the resolved HardSamplesSpec. */
export const HardSamplesSpecSchema = fields.transform((p, ctx): HardSamplesSpec => {
  const { $schema: _, ...rest } = p;
  const spec: HardSamplesSpec = {
    ...rest,
    classifier: { n: p.classifier.n ?? Math.max(512, p.n), config: p.classifier.config as RunConfigInput },
    augment: p.augment as AugmentConfig | null,
    config: p.config as RunConfigInput,
  };
  check(spec, (path, message) => ctx.addIssue({ code: 'custom', path, message, input: p }));
  return spec;
});

/** The resolved spec of a user's input; throws StudySpecError naming every problem by path. Idempotent. */
export function resolveHardSamplesSpec(input: unknown): HardSamplesSpec {
  return parseOrThrow(HardSamplesSpecSchema, input, (problems) => new StudySpecError(problems), { root: 'spec' });
}

/**
 * The default study, as a user would write it: 24^3 volumes at 2 mm (the 48 mm field of view of the `localize`
 * preset's 48^3 at 1 mm, at an eighth of the voxels), 3 seeds, 3 models per population. Malignancy is slow to learn
 * from a nodule anywhere in the volume: a classifier on the 256-sample pool for 5 epochs stays near chance
 * (validation AUROC ~0.58), so the classifiers train on 512 samples for 12 epochs (cosine-decayed learning rate),
 * paid for by 9 localizer epochs instead of 12. Every model trains with {@link EXACT_AUGMENT}: see there.
 */
export function defaultHardSamplesInput(): Record<string, unknown> {
  return clone(resolveHardSamplesSpec({})) as unknown as Record<string, unknown>;
}

/**
 * --quick: the whole pipeline at toy size (16^3 at 3 mm, 1 seed, sparsities 0.5 and 0.9 only, a quarter-width
 * model, 2 epochs, 3 for localizers, classifiers on the 64-sample pool).
 */
export function quickHardSamplesInput(input: Record<string, unknown>): Record<string, unknown> {
  const config = (input.config as Record<string, unknown> | undefined) ?? DEFAULT_CONFIG;
  return {
    ...input,
    seeds: [0],
    sparsities: [0.5, 0.9],
    volume: { shape: [16, 16, 16], spacing: [3, 3, 3] },
    n: 64,
    valN: 16,
    testN: 32,
    localizerEpochs: 3,
    classifier: { n: 64, config: {} },
    config: deepMerge(config, {
      model: { options: { widthMultiplier: 0.25 } },
      batchSize: 16,
      epochs: 2,
    }),
  };
}
