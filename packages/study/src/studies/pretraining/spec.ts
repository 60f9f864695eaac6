// The pretraining-robustness study's spec: which initialisations (scratch, supervised on the composition
// source task, SimCLR, MoCo v2, supervised followed by SimCLR or MoCo), how each is trained on the graded
// target (linear probe, full fine-tuning), at which label fractions, seeds, distortions and severities. A zod
// schema of the input (every field optional), its defaults and --quick size, and `resolvePretrainingSpec`,
// which names every problem by path (StudySpecError).
import { z } from 'zod';
import { distortionNames, schema } from '@nodulab/data';
import { ConfigError, RunConfigInput, resolveRunConfig } from '@nodulab/train';
import { StudySpecError } from '../../framework/study';
import { deepMerge } from '../../kit/merge';
import { seedsField } from '../../kit/seeds_field';

/** The initialisations of the target model. */
export const INITS = ['scratch', 'supervised', 'simclr', 'moco', 'supervised+simclr', 'supervised+moco'] as const;
export type InitKind = (typeof INITS)[number];
/** A pretrained initialisation: every one but scratch. */
export type PretrainedInit = Exclude<InitKind, 'scratch'>;
/** How the target model is trained from its initialisation. */
export const MODES = ['linear', 'finetune'] as const;
export type TrainMode = (typeof MODES)[number];

/** A pretraining-robustness study, resolved (written as spec.json in the study folder). */
export interface PretrainingSpec {
  description: string;
  inits: InitKind[];
  modes: TrainMode[];
  /** Fractions of the target training set with labels, each in (0, 1], ascending; the largest is the reference. */
  labelFractions: number[];
  seeds: number[];
  volume: { shape: [number, number, number]; spacing: [number, number, number] };
  /** Source-task ('composition') training samples of every pretraining, and its validation samples. */
  sourceN: number;
  /** Target ('grade') training samples at fraction 1, validation and test samples (per seed, own data draw). */
  targetN: number;
  valN: number;
  testN: number;
  /** Distortions (@nodulab/data's registry) and severities (1..5) of the robustness test. */
  distortions: string[];
  severities: number[];
  /**
   * Whether each seed pretrains its own encoders (run seed = the seed), so the CIs over seeds include
   * pretraining variance; false: one set of encoders (run seed 0) shared by every seed.
   */
  pretrainPerSeed: boolean;
  /**
   * Run-config overrides shared by every run (model, optimizer, schedule, batch size, MoCo queue), merged over
   * the study's defaults: `epochs` of the target models, `pretrainEpochs` of every pretraining (supervised included).
   */
  config: RunConfigInput;
  threads: number;
}

/** The run-config defaults every run starts from (a spec's `config` is merged over them). */
export const DEFAULT_RUN_CONFIG: RunConfigInput = {
  model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
  batchSize: 32,
  epochs: 4,
  pretrainEpochs: 3,
  optimizer: { name: 'adam', lr: 3e-3 },
  schedule: { name: 'cosine' },
  // The linear-probe arm: a softmax regression fitted to convergence on the frozen encoder's embeddings.
  probe: { mode: 'linear', weightDecays: [1e-3, 1e-2, 1e-1, 1] },
  moco: { queueSize: 512 },
  select: 'accuracy',
} as RunConfigInput;

/** What the study compares, in one paragraph (the spec's default description). */
const DESCRIPTION =
  'Scratch vs supervised pretraining on a composition source task vs contrastive self-supervision (SimCLR, ' +
  'MoCo v2), alone or after supervised pretraining; each then probed or fine-tuned on the nodule grade 1-5, ' +
  'tested in distribution, on a scanner-shifted second dataset and under distortions; representations ' +
  '(CKA, PCA) and Grad-CAM on the main nodule vs satellite micronodules.';

/** Keys of `config` the study sets itself. */
const STUDY_CONFIG_KEYS = ['loss', 'seed', 'data', 'name', 'threads', 'init'];

const { isPlainObject, mustBe, number, oneOf, parseOrThrow, refineWith, show, strict, vector } = schema;
const count = (min: number, max = 1_000_000) => number({ int: true, in: [min, max] });
const distinct =
  <T>(what: string) =>
  (xs: T[], problem: schema.Problem) => {
    if (new Set(xs).size !== xs.length) problem([], `${what} must be distinct, got ${show(xs)}`);
  };

const fields = strict(
  {
    $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
    description: z.string({ error: mustBe('a string') }).default(DESCRIPTION),
    inits: refineWith(
      z.array(oneOf(INITS), { error: mustBe('a non-empty array of initialisations') }).min(1),
      (inits, problem) => {
        distinct<string>('initialisations')(inits, problem);
        if (!inits.includes('scratch')) problem([], 'must include "scratch", the reference of every effect');
      },
    )
      .prefault([...INITS])
      .describe('the initialisations compared (scratch is the reference)'),
    modes: refineWith(z.array(oneOf(MODES), { error: mustBe('a non-empty array of modes') }).min(1), (m, problem) => {
      distinct<string>('modes')(m, problem);
      if (!m.includes('finetune')) problem([], 'must include "finetune"');
    })
      .prefault([...MODES])
      .describe('linear: a probe on the frozen encoder; finetune: everything (scratch is fine-tuned only)'),
    labelFractions: refineWith(
      z.array(number({ gt: 0, max: 1 }, 'a fraction in (0, 1]'), { error: mustBe('a non-empty array') }).min(1),
      distinct<number>('label fractions'),
    )
      .prefault([0.01, 0.1, 1])
      .describe('fractions of targetN with labels; the largest is the reference'),
    seeds: seedsField('a count (seeds 0..n-1) or the seeds').prefault(3),
    pretrainPerSeed: schema
      .boolean()
      .default(true)
      .describe('each seed pretrains its own encoders (false: one set, run seed 0, shared by every seed)'),
    volume: strict({
      shape: vector(3, { int: true, in: [8, 256] }, 'integers in [8, 256]'),
      spacing: vector(3, { in: [0.1, 10] }, 'numbers in [0.1, 10] mm'),
    })
      .prefault({ shape: [20, 20, 20], spacing: [1.2, 1.2, 1.2] })
      .describe('the volume shape (D, H, W) and spacing (z, y, x) mm of source and target data'),
    sourceN: count(2).default(512).describe('source-task training samples of every pretraining'),
    targetN: count(2).default(2048).describe('target training samples at label fraction 1'),
    valN: count(1).default(64),
    testN: count(2).default(64),
    distortions: refineWith(
      z.array(oneOf(distortionNames() as [string, ...string[]]), { error: mustBe('a non-empty array') }).min(1),
      distinct<string>('distortions'),
    )
      .prefault(distortionNames())
      .describe('the distortions of the robustness test'),
    severities: refineWith(
      z.array(number({ int: true, in: [1, 5] }, 'an integer 1..5'), { error: mustBe('a non-empty array') }).min(1),
      distinct<number>('severities'),
    ).prefault([1, 2, 3, 4, 5]),
    config: refineWith(z.record(z.string(), z.unknown(), { error: mustBe('an object') }), (c, problem) => {
      for (const k of STUDY_CONFIG_KEYS)
        if (c[k] !== undefined) problem([k], 'set by the study (use inits, modes, seeds, volume, threads)');
    })
      .default({})
      .describe('run-config overrides of every run, merged over the study defaults')
      .meta({ $ref: 'run-config.schema.json' }),
    threads: count(1, 256).default(2),
  },
  { type: 'a JSON object' },
);

/** The schema of the spec input (every field optional); parses to the resolved {@link PretrainingSpec}. */
export const PretrainingSpecSchema = fields.transform((s, ctx): PretrainingSpec => {
  const problem: schema.Problem = (path, message) => ctx.addIssue({ code: 'custom', path, message, input: s });
  const spec: PretrainingSpec = {
    description: s.description,
    inits: INITS.filter((i) => s.inits.includes(i)),
    modes: MODES.filter((m) => s.modes.includes(m)),
    labelFractions: [...s.labelFractions].sort((a, b) => a - b),
    seeds: s.seeds,
    volume: { shape: [...s.volume.shape] as never, spacing: [...s.volume.spacing] as never },
    sourceN: s.sourceN,
    targetN: s.targetN,
    valN: s.valN,
    testN: s.testN,
    distortions: s.distortions,
    severities: [...s.severities].sort((a, b) => a - b),
    pretrainPerSeed: s.pretrainPerSeed,
    config: deepMerge(DEFAULT_RUN_CONFIG as Record<string, unknown>, s.config) as RunConfigInput,
    threads: s.threads,
  };
  s.labelFractions.forEach((f, i) => {
    const n = Math.round(f * s.targetN);
    if (n < 2) problem(['labelFractions', i], `${f} of targetN ${s.targetN} is ${n} samples; a run needs at least 2`);
  });
  // Every run config the study implies must resolve: a bad override is named under config.
  const merged = spec.config as Record<string, unknown>;
  try {
    resolveRunConfig(deepMerge(merged, { loss: 'ce', seed: 0, threads: spec.threads }));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) problem(['config'], p.replace(/^config\.?/, ''));
  }
  return spec;
});

/** The built-in spec input (as a user would write it; the defaults of every field). */
export function defaultPretrainingInput(): Record<string, unknown> {
  return {
    description: DESCRIPTION,
    inits: [...INITS],
    modes: [...MODES],
    labelFractions: [0.01, 0.1, 1],
    seeds: 3,
    pretrainPerSeed: true,
    volume: { shape: [20, 20, 20], spacing: [1.2, 1.2, 1.2] },
    sourceN: 512,
    targetN: 2048,
    valN: 64,
    testN: 64,
    distortions: distortionNames(),
    severities: [1, 2, 3, 4, 5],
    config: JSON.parse(JSON.stringify(DEFAULT_RUN_CONFIG)) as Record<string, unknown>,
    threads: 2,
  };
}

/** --quick: toy size (16^3 at 2 mm, quarter width, 64 target samples), 3 inits, 2 seeds, 3 distortions. */
export function quickPretrainingInput(input: Record<string, unknown>): Record<string, unknown> {
  const config = isPlainObject(input.config) ? input.config : {};
  return {
    ...input,
    inits: ['scratch', 'supervised', 'simclr'],
    labelFractions: [0.25, 1],
    seeds: 2,
    volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
    sourceN: 96,
    targetN: 64,
    valN: 32,
    testN: 32,
    distortions: ['gaussian-noise', 'gaussian-blur', 'motion-ghosting'],
    severities: [1, 3, 5],
    config: deepMerge(config, {
      model: { options: { widthMultiplier: 0.25 } },
      batchSize: 16,
      epochs: 2,
      pretrainEpochs: 2,
      moco: { queueSize: 64 },
    }),
  };
}

/** The resolved spec of `input`; throws StudySpecError naming every problem by path. Idempotent. */
export function resolvePretrainingSpec(input: unknown): PretrainingSpec {
  return parseOrThrow(PretrainingSpecSchema, input ?? {}, (problems) => new StudySpecError(problems), {
    root: 'spec',
  });
}

/** The reference label fraction: the largest. */
export const fullFraction = (spec: Pick<PretrainingSpec, 'labelFractions'>): number =>
  spec.labelFractions[spec.labelFractions.length - 1];

/** The pretraining run seed of study seed `seed`: itself when each seed pretrains, else 0 (shared). */
export function pretrainSeed(spec: Pick<PretrainingSpec, 'pretrainPerSeed'>, seed: number): number {
  return spec.pretrainPerSeed ? seed : 0;
}
