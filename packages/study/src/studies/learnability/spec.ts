// The learnability study's spec: which losses, class separations and training budgets to sweep, the
// volumes, sample counts and run config (the loss-generalization study's built-in budget by default), the
// shortcut whose learning speed is raced against the core feature's, and the targets the claims test.
// A zod schema whose every problem is named by path; resolve() throws StudySpecError.
import { z } from 'zod';
import { DEFAULT_SEPARATION, FACTOR_NAMES, FactorName, SpecError, schema, validateSpec } from '@nodulab/data';
import { ConfigError, LossKind, RunConfigInput } from '@nodulab/train';
import { StudySpecError } from '../../framework/study';
import { deepMerge } from '../../kit/merge';
import { lossGeneralization } from '../loss_generalization/study';
import { coreSpec, runConfigFor, shortcutOnlySpec } from './configs';
import type { LearnabilitySpec, RaceShortcut } from './results';
import { seedsField } from '../../kit/seeds_field';

/** The losses the sweep trains (one-stage: the budget scales epochs; two-stage: pretraining epochs). */
export const LEARNABILITY_LOSSES = ['ce', 'supcon', 'supcon-joint', 'simclr', 'moco'] as const;

/**
 * The loss-generalization study's built-in volumes, sample counts, run config and threads: the budget this
 * study calibrates, so its defaults come from there (one source). Resolved once, on first use.
 */
type Budget = Pick<LearnabilitySpec, 'volume' | 'n' | 'valN' | 'testN' | 'config' | 'threads'>;
let lgBudget: Budget | null = null;
function lossGeneralizationBudget(): Budget {
  if (!lgBudget) {
    const lg = lossGeneralization.resolve(lossGeneralization.defaultInput());
    if (!lg.volume) throw new Error('learnability: the loss-generalization study sets no volume');
    const { volume, threads, config } = lg;
    lgBudget = { volume, n: lg.train.n, valN: lg.train.valN, testN: lg.testSets[0].n, config, threads };
  }
  return JSON.parse(JSON.stringify(lgBudget)) as Budget;
}
const fromBudget =
  <K extends keyof Budget>(k: K) =>
  (): Budget[K] =>
    lossGeneralizationBudget()[k];

const DEFAULT_TARGETS: Partial<Record<LossKind, number>> = { ce: 0.95, supcon: 0.9, simclr: 0.8 };
const FORBIDDEN_CONFIG_KEYS = ['loss', 'seed', 'data', 'name', 'threads'];
const { mustBe, nonEmptyString, number, oneOf, parseOrThrow, refineWith, show, strict, tuple, vector } = schema;
const upTo = (min: number, max = 1_000_000) => number({ int: true, in: [min, max] });

/** A list of distinct numbers within `check`. */
const distinctNumbers = (check: schema.NumberCheck, what: string) =>
  refineWith(
    z.array(number(check), { error: mustBe(`a non-empty array of ${what}`) }).min(1, { error: 'must not be empty' }),
    (v, problem) => {
      if (new Set(v).size !== v.length) problem([], `must be distinct, got ${show(v)}`);
    },
  );

const uniformRange = strict(
  { uniform: tuple([number(), number()], 'an array [low, high] of numbers') },
  { type: 'a uniform range {"uniform": [low, high]}' },
);

const shortcutSchema = refineWith(
  strict(
    {
      factor: z.enum(FACTOR_NAMES as [FactorName, ...FactorName[]], { error: mustBe('a factor name (e.g. diameter)') }),
      distributions: tuple([uniformRange, uniformRange], '[side-0 range, side-1 range]'),
    },
    { type: 'an object {"factor", "distributions"}' },
  ),
  (s, problem) => {
    const [[a0, a1], [b0, b1]] = s.distributions.map((d) => d.uniform);
    if (!(a0 <= a1)) problem(['distributions', 0, 'uniform'], `low must not exceed high, got ${show([a0, a1])}`);
    if (!(b0 <= b1)) problem(['distributions', 1, 'uniform'], `low must not exceed high, got ${show([b0, b1])}`);
    if (!(a1 < b0))
      problem(['distributions'], `the side-0 range must lie below the side-1 range, got ${show([a1, b0])} at the gap`);
  },
);

/** Run-config overrides (checked whole when the sweep's run configs resolve); the study's own keys are refused. */
const runConfigOverrides = refineWith(
  z.record(z.string(), z.unknown(), { error: mustBe('an object') }),
  (c, problem) => {
    for (const k of FORBIDDEN_CONFIG_KEYS)
      if (c[k] !== undefined)
        problem([k], 'set by the study (use losses, seeds, separations, budgets, volume, threads)');
  },
).meta({ $ref: 'run-config.schema.json' });

const fields = strict(
  {
    $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
    name: nonEmptyString().default('learnability'),
    description: z
      .string({ error: mustBe('a string') })
      .default(
        'Balanced accuracy on iid data (no shortcut) against the class separation of the core feature and against ' +
          'the training budget, a curve per loss; and how fast a shortcut (diameter) is learned next to the core feature.',
      ),
    losses: refineWith(
      z.array(oneOf(LEARNABILITY_LOSSES), { error: mustBe('a non-empty array of losses') }).min(1),
      (l, problem) => {
        if (new Set(l).size !== l.length) problem([], `must be distinct, got ${show(l)}`);
      },
    )
      .prefault(['ce', 'supcon', 'simclr'])
      .describe('the losses swept'),
    seeds: seedsField('a count (seeds 0..n-1) or the seeds; each seed draws its own data').prefault([0]),
    separations: distinctNumbers({ in: [0, 1.5] }, 'separations in [0, 1.5]')
      .prefault([0.5, 1, 1.25, 1.5])
      .describe('class separations of the core feature, each trained at the full budget'),
    budgets: distinctNumbers({ gt: 0, max: 1 }, 'fractions in (0, 1]')
      .prefault([0.25, 0.5, 1])
      .describe('fractions of the full budget, trained at `separation`'),
    separation: number({ in: [0, 1.5] })
      .default(DEFAULT_SEPARATION)
      .describe('the separation of the budget sweep, the targets and the race'),
    volume: strict({
      shape: vector(3, { int: true, in: [8, 256] }, 'integers in [8, 256]').default(() => fromBudget('volume')().shape),
      spacing: vector(3, { in: [0.1, 10] }, 'numbers in [0.1, 10] mm').default(() => fromBudget('volume')().spacing),
    }).prefault({}),
    n: upTo(2).default(fromBudget('n')).describe("training samples per run (default: loss-generalization's)"),
    valN: upTo(2).default(fromBudget('valN')).describe("validation samples per run (default: loss-generalization's)"),
    testN: upTo(2)
      .default(fromBudget('testN'))
      .describe("iid test samples per (separation, seed) (default: loss-generalization's per test set)"),
    shortcut: shortcutSchema
      .prefault({ factor: 'diameter', distributions: [{ uniform: [5, 9] }, { uniform: [11, 16] }] })
      .describe('the shortcut of the race'),
    race: strict({
      auroc: number({ gt: 0, max: 1 })
        .default(0.9)
        .describe('the validation AUROC whose first epoch the race compares'),
      sesoiEpochs: number({ gt: 0 }).default(1).describe('the smallest difference in epochs that matters'),
    }).prefault({}),
    targets: z
      .partialRecord(oneOf(LEARNABILITY_LOSSES), number({ in: [0, 1] }), {
        error: mustBe('an object mapping losses to balanced accuracies'),
      })
      .optional()
      .describe('per loss, the balanced accuracy it must reach (default ce 0.95, supcon 0.90, simclr 0.80)'),
    targetSesoi: number({ gt: 0, lt: 1 })
      .default(0.02)
      .describe('the smallest difference from a target that matters, in balanced accuracy'),
    config: runConfigOverrides
      .prefault(() => fromBudget('config')() as Record<string, unknown>)
      .describe("run-config overrides shared by every run (default: the loss-generalization study's)"),
    threads: upTo(1, 256).default(fromBudget('threads')),
  },
  { type: 'a JSON object' },
);
type Parsed = z.output<typeof fields>;

/** Checks between fields and every run config and dataset spec the sweep implies. */
function resolveFields(s: Parsed, problem: schema.Problem): LearnabilitySpec {
  const targets: Partial<Record<LossKind, number>> = {};
  if (s.targets === undefined) {
    for (const l of s.losses) if (DEFAULT_TARGETS[l] !== undefined) targets[l] = DEFAULT_TARGETS[l];
  } else
    for (const [l, t] of Object.entries(s.targets) as [LossKind, number][]) {
      if (!(s.losses as LossKind[]).includes(l))
        problem(['targets', l], `"${l}" is not one of the losses (${s.losses.join(', ')})`);
      targets[l] = t;
    }
  const spec: LearnabilitySpec = {
    name: s.name,
    description: s.description,
    losses: s.losses,
    seeds: s.seeds,
    separations: s.separations,
    budgets: s.budgets,
    separation: s.separation,
    volume: { shape: s.volume.shape, spacing: s.volume.spacing },
    n: s.n,
    valN: s.valN,
    testN: s.testN,
    shortcut: s.shortcut as RaceShortcut,
    race: s.race,
    targets,
    targetSesoi: s.targetSesoi,
    config: s.config as RunConfigInput,
    threads: s.threads,
  };
  const problemsOf = (e: unknown): string[] =>
    e instanceof ConfigError ? e.problems : e instanceof SpecError ? e.errors : [(e as Error).message];
  try {
    validateSpec(shortcutOnlySpec(spec), 'the shortcut-only data');
  } catch (e) {
    for (const p of problemsOf(e)) problem(['shortcut'], p);
  }
  // Every loss's run config at the smallest budget (the fewest epochs) and at the full one.
  spec.losses.forEach((loss, i) => {
    for (const budget of [Math.min(...spec.budgets), 1])
      try {
        runConfigFor(spec, loss, spec.seeds[0], coreSpec(spec, spec.separation), budget);
      } catch (e) {
        for (const p of problemsOf(e)) problem(['losses', i], `"${loss}" run config: ${p}`);
        break;
      }
  });
  return spec;
}

/** The schema of a learnability spec as a user writes it (every field optional); parses to LearnabilitySpec. */
export const LearnabilitySpecSchema = fields.transform((s, ctx) =>
  resolveFields(s, (path, message) => ctx.addIssue({ code: 'custom', path, message, input: s })),
);

/** The resolved spec of `input`; throws StudySpecError naming every problem by path. Idempotent. */
export function resolveLearnabilitySpec(input: unknown): LearnabilitySpec {
  return parseOrThrow(LearnabilitySpecSchema, input, (problems) => new StudySpecError(problems), {
    root: 'learnability',
  });
}

/** The built-in sweep as a user would write it: every default (the loss-generalization study's budget). */
export function defaultLearnabilityInput(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(resolveLearnabilitySpec({}))) as Record<string, unknown>;
}

/** --quick: the sweep at toy size (16^3 at 2 mm, 256 samples, two separations and budgets, 2 epochs per stage). */
export function quickLearnabilityInput(input: Record<string, unknown>): Record<string, unknown> {
  // The quick overrides go over the input's run config, or over the default one when it gives none.
  const config = schema.isPlainObject(input.config)
    ? input.config
    : (fromBudget('config')() as Record<string, unknown>);
  return deepMerge(
    { ...input, config },
    {
      separations: [0.5, 1.5],
      budgets: [0.5, 1],
      volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
      n: 256,
      valN: 64,
      testN: 64,
      config: { model: { options: { widthMultiplier: 0.25 } }, epochs: 2, pretrainEpochs: 2, probe: { epochs: 2 } },
    },
  );
}
