// The study spec: a typed, JSON-serializable description of a study (losses, seeds, training
// distribution, test sets, analyses), its defaults, and its zod schema, whose errors name each path.
import { z } from 'zod';
import { StudySpecError } from '../../framework/study';
import { deepMerge } from '../../kit/merge';
export { StudySpecError };
import {
  DatasetSpec,
  FACTOR_NAMES,
  FactorName,
  SpecRefSchema,
  VolumeOverrideSchema,
  loadSpec,
  schema,
} from '@nodulab/data';
import { LOSSES, LossKind, RunConfig, RunConfigInput, resolveRunConfig } from '@nodulab/train';
import { seedsField } from '../../kit/seeds_field';

/** One loss a study compares: a display name, the objective, and run-config overrides for it alone. */
export interface StudyLoss {
  name: string;
  loss: LossKind;
  config: RunConfigInput;
}

/** A test set: samples 0..n-1 of `split` of a dataset spec. */
export interface TestSetSpec {
  name: string;
  /** A preset name, a spec JSON file, "train" (the training spec), or an inline spec; resolved: the spec itself. */
  spec: string | DatasetSpec;
  split: string;
  n: number;
}

/** A factor (or a group changed together) whose effect the counterfactual analysis measures. */
export interface AnalysedFactor {
  name: string;
  factors: FactorName[];
}

/** A probe target: a factor of the generator, or "label". */
export type ProbeTarget = FactorName | 'label';

/** Which features each model uses. */
export interface AnalysisSpec {
  /** The test set analysed (by name). */
  testSet: string;
  /** Samples of that test set analysed (the first n). */
  n: number;
  /** Counterfactual factors. */
  factors: AnalysedFactor[];
  /** Linear-probe targets. */
  probeTargets: ProbeTarget[];
  /** Fraction of the analysed samples held out to score the probes. */
  probeHoldout: number;
  /** Volumes whose Grad-CAM saliency is measured (the first n of the analysed samples). */
  gradcamN: number;
}

/**
 * The iid control arm: every (loss, seed) also trained on the training spec with every shortcut
 * decorrelated from the label (rho 0.5) and tested on that spec's own "test" split. The control
 * passes when every loss's mean balanced accuracy there reaches `minBalancedAccuracy`: the core
 * feature is learnable without the shortcut, so a model that uses the shortcut chose it.
 */
export interface ControlSpec {
  enabled: boolean;
  minBalancedAccuracy: number;
  /** Control test samples. */
  n: number;
}

/** Which test sets the Findings compare, and what counts as a negligible effect. */
export interface FindingsSpec {
  /** The in-distribution test set (premise: the shortcut is used when accuracy drops from it to the shifts). */
  inDistribution: string;
  /** The shifted test sets on which the losses' accuracies are compared (the first is the primary one). */
  shifts: string[];
  /**
   * The loss pair [a, b] every primary claim is judged on (effects a − b), so that the features claim and the shift
   * claim are about the same models; null with a single loss (only the premise is judged).
   */
  pair: [string, string] | null;
  /** Smallest effect of interest, in balanced accuracy and in flip rate: within ±sesoi is "not reproduced". */
  sesoi: number;
}

/** A study, resolved: every field explicit, every dataset spec inline. Saved as runs/<id>/study.json. */
export interface StudySpec {
  name: string;
  description: string;
  losses: StudyLoss[];
  seeds: number[];
  train: { spec: DatasetSpec; rho: number | null; n: number; valN: number };
  /** Overrides the volume shape and spacing of every dataset spec, or null. */
  volume: { shape: [number, number, number]; spacing: [number, number, number] } | null;
  testSets: TestSetSpec[];
  /** Run-config overrides shared by every loss (not loss, seed, data, name, threads: the study sets those). */
  config: RunConfigInput;
  analysis: AnalysisSpec;
  control: ControlSpec;
  findings: FindingsSpec;
  threads: number;
}

/** An invalid study spec: `problems` lists each as "path: message". */

/** The default counterfactual factors: the label's core feature and the three shortcut candidates. */
export const DEFAULT_ANALYSED_FACTORS: AnalysedFactor[] = [
  { name: 'margin', factors: ['lobulation', 'spiculationCount'] },
  { name: 'diameter', factors: ['diameter'] },
  { name: 'attenuation', factors: ['attenuation'] },
  { name: 'noise', factors: ['noiseStd'] },
];

const DEFAULT_PROBE_TARGETS: ProbeTarget[] = [
  'label',
  'lobulation',
  'spiculationCount',
  'diameter',
  'attenuation',
  'noiseStd',
];
const FORBIDDEN_CONFIG_KEYS = ['loss', 'seed', 'data', 'name', 'threads'];
const { mustBe, nonEmptyString, number, oneOf, parseOrThrow, refineWith, show, strict } = schema;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const NAME = /^[A-Za-z0-9._-]+$/;
const upTo = (min: number, max = 1_000_000) => number({ int: true, in: [min, max] });

/** Run-config overrides (checked whole when the study's run configs resolve); the study's own keys are refused. */
const runConfigOverrides = refineWith(
  z.record(z.string(), z.unknown(), { error: mustBe('an object') }),
  (c, problem) => {
    for (const k of FORBIDDEN_CONFIG_KEYS)
      if (c[k] !== undefined) problem([k], 'set by the study (use losses, seeds, train, testSets, volume, threads)');
  },
).meta({ $ref: 'run-config.schema.json' });

const lossSchema = z
  .union(
    [
      oneOf(LOSSES),
      strict({ name: nonEmptyString().optional(), loss: oneOf(LOSSES), config: runConfigOverrides.default({}) }),
    ],
    { error: mustBe(`one of ${LOSSES.join(', ')} or {name, loss, config}`) },
  )
  .transform((l): StudyLoss =>
    typeof l === 'string'
      ? { name: l, loss: l, config: {} }
      : { name: l.name ?? l.loss, loss: l.loss, config: l.config as RunConfigInput },
  );

const FACTOR_PHRASE = 'a factor name (e.g. diameter, lobulation, noiseStd)';
const factorName = z
  .enum(FACTOR_NAMES as [FactorName, ...FactorName[]], { error: mustBe(FACTOR_PHRASE) })
  .refine((f) => f !== 'hasNodule', {
    error: 'hasNodule cannot be changed counterfactually (the nodule mask would vanish)',
  });
const analysedFactor = z
  .union(
    [
      factorName,
      strict({
        name: nonEmptyString().optional(),
        factors: z.array(factorName, { error: mustBe('a non-empty array of factor names') }).min(1),
      }),
    ],
    { error: mustBe(`${FACTOR_PHRASE} or {name, factors}`) },
  )
  .transform((f): AnalysedFactor =>
    typeof f === 'string' ? { name: f, factors: [f] } : { name: f.name ?? f.factors.join('+'), factors: f.factors },
  );

const testSet = strict(
  {
    name: nonEmptyString().optional(),
    spec: z
      .union([z.literal('train'), SpecRefSchema])
      .optional()
      .describe('"train" (the training spec, default), a preset, a spec file or an inline spec'),
    split: nonEmptyString().default('test'),
    n: upTo(1).optional().describe('samples (default testN)'),
  },
  { type: 'an object {name, spec, split, n?}' },
);

const studyFields = strict(
  {
    $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
    name: nonEmptyString()
      .regex(NAME, {
        error: (i) => `must use only letters, digits, '.', '_' and '-' (it names folders), got ${show(i.input)}`,
      })
      .default('study'),
    description: z.string({ error: mustBe('a string') }).default(''),
    losses: z
      .array(lossSchema, { error: mustBe('a non-empty array') })
      .min(1)
      .prefault(['ce', 'supcon', 'simclr'])
      .describe('the losses compared: a loss name or {name, loss, config}'),
    seeds: seedsField('a count (seeds 0..n-1) or the seeds').prefault(3),
    train: strict({
      spec: SpecRefSchema.optional().describe('the training spec (default shortcut-size at rho 0.9)'),
      rho: number({ in: [0, 1] }, 'a number in [0, 1] or null')
        .nullable()
        .optional()
        .describe("every shortcut's rho; null: as the spec says"),
      n: upTo(2).default(512),
      valN: upTo(1).default(256),
    }).prefault({}),
    volume: VolumeOverrideSchema.nullable().default(null),
    testSets: z
      .array(testSet, { error: mustBe('a non-empty array of {name, spec, split, n?}') })
      .min(1)
      .optional()
      .describe('default: in-distribution, rho0.5, rho0.0 and scanner-shift'),
    testN: upTo(1).default(256).describe('samples per test set unless it gives n'),
    config: runConfigOverrides.default({}).describe('run-config overrides shared by every loss'),
    analysis: strict({
      testSet: nonEmptyString().optional().describe('the test set analysed (default rho0.5, else the first)'),
      n: upTo(4).optional(),
      factors: z
        .array(analysedFactor, { error: mustBe('an array') })
        .optional()
        .describe('counterfactual factors'),
      probeTargets: z
        .array(
          z.enum(['label', ...FACTOR_NAMES], {
            error: mustBe(`"label" or a factor name (${FACTOR_NAMES.slice(0, 4).join(', ')}, ...)`),
          }),
          { error: mustBe('an array') },
        )
        .optional(),
      probeHoldout: number({ gt: 0, lt: 1 }, 'a number in (0, 1)').default(0.3),
      gradcamN: upTo(0).optional(),
    }).prefault({}),
    control: strict({
      enabled: schema.boolean().default(true).describe('also train every loss and seed on the iid control'),
      minBalancedAccuracy: number({ in: [0, 1] })
        .default(0.8)
        .describe("the control passes when every loss's mean balanced accuracy reaches this"),
      n: upTo(1).optional().describe('control test samples (default testN)'),
    }).prefault({}),
    findings: strict({
      inDistribution: nonEmptyString().optional().describe('the in-distribution test set (default in-distribution)'),
      shifts: z
        .array(nonEmptyString(), { error: mustBe('an array of test set names') })
        .optional()
        .describe('the shifted test sets compared (default rho0.0 and scanner-shift)'),
      pair: z
        .tuple([nonEmptyString(), nonEmptyString()], { error: mustBe('two loss names') })
        .optional()
        .describe('the loss pair [a, b] the claims compare, a − b (default ce and simclr, else the first two losses)'),
      sesoi: number({ gt: 0, lt: 1 }, 'a number in (0, 1)')
        .default(0.05)
        .describe('smallest effect of interest in balanced accuracy and flip rate: within ±sesoi is no effect'),
    }).prefault({}),
    threads: upTo(1, 256).default(2),
  },
  { type: 'a JSON object' },
);
type ParsedStudy = z.output<typeof studyFields>;

/** The schema of a study spec as a user writes it (every field optional); parses to the resolved StudySpec. */
export const StudySpecSchema = studyFields.transform((s, ctx) =>
  resolveStudy(s, (path, message) => ctx.addIssue({ code: 'custom', path, message, input: s })),
);

/** The training spec with every shortcut's rho set to `rho` (null: as the spec says) and the volume override. */
export function trainingDatasetSpec(spec: DatasetSpec, rho: number | null, volume: StudySpec['volume']): DatasetSpec {
  const out = clone(spec);
  if (rho !== null) out.shortcuts = (out.shortcuts ?? []).map((s) => ({ ...s, rho }));
  if (volume) out.volume = clone(volume);
  return out;
}

/**
 * The control arm's training spec: the training spec with every shortcut at rho 0.5 in every split
 * (the shortcut factor independent of the label) and the volume override.
 */
export function controlDatasetSpec(study: Pick<StudySpec, 'train' | 'volume'>): DatasetSpec {
  const out = trainingDatasetSpec(study.train.spec, 0.5, study.volume);
  out.name = `${out.name}+control`;
  if (out.splits)
    for (const split of Object.values(out.splits))
      if (split.rho) split.rho = Object.fromEntries(Object.keys(split.rho).map((f) => [f, 0.5]));
  return out;
}

/**
 * The dataset seed of study seed `seed`: the seed itself. Seed s trains on the training and
 * validation splits of dataset seed s and is tested on the test splits of dataset seed s, so each
 * seed draws its own data and the CIs over seeds cover the data draw as well as training.
 */
export function datasetSeedOf(seed: number): number {
  return seed;
}

/** A study arm: trained on the training spec (with its shortcuts), or on the iid control. */
export type Arm = 'shortcut' | 'control';

/** The folder (under runs/) and run name suffix of (loss, seed, arm): "<loss>-s<seed>" or "<loss>-s<seed>-control". */
export function runId(loss: string, seed: number, arm: Arm = 'shortcut'): string {
  return `${loss}-s${seed}${arm === 'control' ? '-control' : ''}`;
}

/** A test set's dataset spec with the study's volume override. */
export function testDatasetSpec(spec: DatasetSpec, volume: StudySpec['volume']): DatasetSpec {
  return volume ? { ...clone(spec), volume: clone(volume) } : clone(spec);
}

/**
 * The run config of one (loss, seed) of a resolved study: shared overrides, then the loss's own,
 * then the study's data (training spec, or the control spec for the control arm; n; dataset seed
 * datasetSeedOf(seed)) and seed. Throws a ConfigError when invalid.
 */
export function runConfigFor(study: StudySpec, loss: StudyLoss, seed: number, arm: Arm = 'shortcut'): RunConfig {
  const merged = deepMerge(
    deepMerge({}, study.config as Record<string, unknown>),
    loss.config as Record<string, unknown>,
  );
  return resolveRunConfig({
    ...merged,
    name: `${study.name}/${runId(loss.name, seed, arm)}`,
    loss: loss.loss,
    seed,
    threads: study.threads,
    data: {
      spec:
        arm === 'control'
          ? controlDatasetSpec(study)
          : trainingDatasetSpec(study.train.spec, study.train.rho, study.volume),
      seed: datasetSeedOf(seed),
      train: { split: 'train', n: study.train.n },
      val: { split: 'val', n: study.train.valN },
    },
  });
}

/** Fills the defaults that depend on other fields, checks between fields, then every run config the study implies. */
function resolveStudy(s: ParsedStudy, report: schema.Problem): StudySpec {
  let problems = 0;
  const problem: schema.Problem = (path, message) => {
    problems++;
    report(path, message);
  };
  const names = s.losses.map((l) => l.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) problem(['losses', i, 'name'], `"${n}" is used twice; give each loss a distinct name`);
    if (!NAME.test(n))
      problem(['losses', i, 'name'], `must use only letters, digits, '.', '_' and '-', got ${show(n)}`);
  });
  // The default training distribution is shortcut-size at rho 0.9; a user's spec keeps its own rho unless given.
  const trainSpec = s.train.spec ?? loadSpec('shortcut-size');
  const rho = s.train.rho !== undefined ? s.train.rho : s.train.spec === undefined ? 0.9 : null;
  if (rho !== null && (trainSpec.shortcuts ?? []).length === 0)
    problem(['train', 'rho'], `the spec "${trainSpec.name}" has no shortcut to set rho on`);
  const trained = trainingDatasetSpec(trainSpec, rho, null);
  const testSets: TestSetSpec[] = (s.testSets ?? defaultTestSets(trained)).map((t, i) => {
    const name = t.name ?? `test${i}`;
    const fromTraining = t.spec === undefined || t.spec === 'train';
    if (fromTraining && ['train', 'val'].includes(t.split))
      problem(['testSets', i, 'split'], `"${t.split}" holds training or validation samples; use a test split`);
    return { name, spec: fromTraining ? trained : (t.spec as DatasetSpec), split: t.split, n: t.n ?? s.testN };
  });
  testSets.forEach((t, i) => {
    if (testSets.findIndex((x) => x.name === t.name) !== i)
      problem(['testSets', i, 'name'], `"${t.name}" is used twice`);
  });
  const an = s.analysis;
  const testSet = an.testSet ?? (testSets.some((t) => t.name === 'rho0.5') ? 'rho0.5' : testSets[0].name);
  const target = testSets.find((t) => t.name === testSet);
  if (!target)
    problem(['analysis', 'testSet'], `"${testSet}" is not a test set (have ${testSets.map((t) => t.name).join(', ')})`);
  const n = an.n ?? Math.min(256, target?.n ?? 256);
  if (target && n > target.n)
    problem(['analysis', 'n'], `${n} is more than the ${target.n} samples of test set "${testSet}"`);
  const gradcamN = an.gradcamN ?? Math.min(64, n);
  if (gradcamN > n) problem(['analysis', 'gradcamN'], `${gradcamN} is more than analysis.n (${n})`);
  const testNames = testSets.map((t) => t.name);
  const known = (name: string, path: (string | number)[]): void => {
    if (!testNames.includes(name)) problem(path, `"${name}" is not a test set (have ${testNames.join(', ')})`);
  };
  const fi = s.findings;
  const inDistribution =
    fi.inDistribution ?? (testNames.includes('in-distribution') ? 'in-distribution' : testNames[0]);
  known(inDistribution, ['findings', 'inDistribution']);
  const shifts =
    fi.shifts ??
    (['rho0.0', 'scanner-shift'].some((t) => testNames.includes(t))
      ? ['rho0.0', 'scanner-shift'].filter((t) => testNames.includes(t))
      : testNames.filter((t) => t !== inDistribution));
  shifts.forEach((t, i) => known(t, ['findings', 'shifts', i]));
  const lossNames = s.losses.map((l) => l.name);
  const pair: [string, string] | null =
    fi.pair ??
    (lossNames.includes('ce') && lossNames.includes('simclr')
      ? ['ce', 'simclr']
      : lossNames.length >= 2
        ? [lossNames[0], lossNames[1]]
        : null);
  if (fi.pair) {
    fi.pair.forEach((n, i) => {
      if (!lossNames.includes(n))
        problem(['findings', 'pair', i], `"${n}" is not a loss of the study (have ${lossNames.join(', ')})`);
    });
    if (fi.pair[0] === fi.pair[1]) problem(['findings', 'pair'], 'names the same loss twice; give two losses');
  }
  const study: StudySpec = {
    name: s.name,
    description: s.description,
    losses: s.losses,
    seeds: s.seeds,
    train: { spec: trainSpec, rho, n: s.train.n, valN: s.train.valN },
    volume: s.volume && { shape: s.volume.shape ?? [32, 32, 32], spacing: s.volume.spacing ?? [1, 1, 1] },
    testSets,
    config: s.config as RunConfigInput,
    analysis: {
      testSet,
      n,
      gradcamN,
      probeHoldout: an.probeHoldout,
      factors: an.factors ?? clone(DEFAULT_ANALYSED_FACTORS),
      probeTargets: (an.probeTargets as ProbeTarget[] | undefined) ?? [...DEFAULT_PROBE_TARGETS],
    },
    control: {
      enabled: s.control.enabled,
      minBalancedAccuracy: s.control.minBalancedAccuracy,
      n: s.control.n ?? s.testN,
    },
    findings: { inDistribution, shifts, pair, sesoi: s.findings.sesoi },
    threads: s.threads,
  };
  // Every run config the study implies must be valid; report each loss's problems once.
  if (problems > 0) return study;
  study.losses.forEach((l, i) => {
    try {
      runConfigFor(study, l, study.seeds[0]);
      if (study.control.enabled) runConfigFor(study, l, study.seeds[0], 'control');
    } catch (e) {
      for (const p of (e as { problems?: string[] }).problems ?? [(e as Error).message])
        problem(['losses', i], `"${l.name}" run config: ${p}`);
    }
  });
  return study;
}

/**
 * Fills every default into a user's (parsed-JSON) study spec and validates it, including every run
 * config it implies. Throws a StudySpecError listing every problem by path. Reads spec files and
 * presets but writes nothing. Idempotent on its own output.
 */
export function resolveStudySpec(input: unknown): StudySpec {
  return parseOrThrow(StudySpecSchema, input, (problems) => new StudySpecError(problems), { root: 'study' });
}

/**
 * The four test sets of the loss-generalization study: in-distribution, the shortcut at rho 0.5 and
 * 0.0 (the spec's test-rho splits), and the training distribution under the scanner shift.
 */
function defaultTestSets(trainSpec: DatasetSpec): ParsedStudy['testSets'] & object {
  return [
    { name: 'in-distribution', spec: 'train', split: 'test' },
    { name: 'rho0.5', spec: 'train', split: 'test-rho0.5' },
    { name: 'rho0.0', spec: 'train', split: 'test-rho0.0' },
    { name: 'scanner-shift', spec: scannerShiftOf(trainSpec), split: 'test-shift' },
  ];
}

/** `spec` with the scanner-shift preset's "test-shift" split (thick slices, strong coarse noise) added. */
export function scannerShiftOf(spec: DatasetSpec): DatasetSpec {
  const shift = loadSpec('scanner-shift').splits!['test-shift'];
  return {
    ...clone(spec),
    name: `${spec.name}+scanner-shift`,
    splits: { ...clone(spec.splits ?? {}), 'test-shift': clone(shift) },
  };
}
