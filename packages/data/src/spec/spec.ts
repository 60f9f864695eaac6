// Distribution specs: the JSON document that says how a synthetic dataset is drawn — each factor's
// distribution per class, the shortcut factors with their agreement probability rho, the label rule
// and per-split overrides — with its zod schema, whose errors name the bad key's path.
import * as fs from 'fs';
import { z } from 'zod';
import { jsonValueDepth, MAX_JSON_DEPTH } from '@nodulab/platform';
import { Distribution, distributionSchemaOf } from './distribution';
import { FACTOR_NAMES, FactorName } from './factors';
import { Rule, RuleSchema, ruleFactors } from './rule';
import { TARGET_STRUCTURES, TargetStructure } from './structures';
import { TARGETS, Target } from './targets';
import {
  Problem,
  mustBe,
  nonEmptyString,
  number,
  oneOf,
  parseOrThrow,
  probability,
  refineWith,
  show,
  strict,
  triple,
  tuple,
  vector,
} from '../schema';

/** Per-factor distributions (a partial map: unnamed factors keep their defaults). */
export type FactorDistributions = Partial<Record<FactorName, Distribution>>;

/**
 * A shortcut: a factor that agrees with the label with probability `rho`. Each sample draws a side
 * s (s = label with probability rho, else 1 - label) and then the factor from `distributions[s]`.
 * rho = 0.5 makes the factor independent of the label, rho = 0 reverses the association.
 */
export interface ShortcutSpec {
  factor: FactorName;
  rho: number;
  /** [distribution on side 0, distribution on side 1]. */
  distributions: [Distribution, Distribution];
}

/** What a split may change: the class balance, distributions and shortcut rhos. */
export interface SplitOverride {
  classBalance?: number;
  factors?: FactorDistributions;
  classes?: { '0'?: FactorDistributions; '1'?: FactorDistributions };
  /** New rho per shortcut factor. */
  rho?: Partial<Record<FactorName, number>>;
}

/**
 * A dataset spec. Sampling one example: draw a target class y ~ Bernoulli(classBalance); draw every
 * factor from (defaults <- default class y <- `factors` <- `classes[y]`); label = `labelRule`(factors);
 * then each shortcut factor from its side's distribution. Splits (e.g. "test-rho0.0") apply their
 * override on top. All lengths in mm, intensities in HU.
 */
export interface DatasetSpec {
  name: string;
  description?: string;
  /** Volume shape (D, H, W) in voxels (default 32^3) and spacing (z, y, x) in mm (default 1 mm). */
  volume?: { shape?: [number, number, number]; spacing?: [number, number, number] };
  /** Intensity window mapped to [0, 1]: [center - width/2, center + width/2] (default lung window -600 / 1500). */
  window?: { center: number; width: number };
  /** P(target class = 1), default 0.5. */
  classBalance?: number;
  /**
   * How far apart the default classes' core feature lies, in [0, 1.5] (default {@link DEFAULT_SEPARATION}):
   * 0 puts malignant margins just past the label rule's threshold, 1 makes them plainly irregular.
   */
  separation?: number;
  factors?: FactorDistributions;
  classes?: { '0'?: FactorDistributions; '1'?: FactorDistributions };
  shortcuts?: ShortcutSpec[];
  /** Default: malignant (1) <=> a nodule with an irregular margin (lobulation > 0.1 or any spicule). */
  labelRule?: Rule;
  /**
   * The structures whose union is each sample's segmentation target (a dataset item's mask), e.g.
   * `["vessel"]`; the other structures count as background. Default: the nodule's mask (body and
   * spicules, calcium and cavity included).
   */
  segmentation?: TargetStructure[];
  /**
   * The class each item carries (default 'label': the label rule's 0/1): 'grade' the nodule grade 1–5 as classes
   * 0–4, 'composition' density × calcification × cavitation as 8 classes (see {@link targetClass}).
   */
  target?: Target;
  splits?: Record<string, SplitOverride>;
}

/** A spec for one split with every default filled in: what the generator consumes. */
export interface ResolvedSpec {
  name: string;
  split: string;
  shape: [number, number, number];
  spacing: [number, number, number];
  window: { center: number; width: number };
  classBalance: number;
  /** Full distributions for target class 0 and 1. */
  classes: [Record<FactorName, Distribution>, Record<FactorName, Distribution>];
  shortcuts: ShortcutSpec[];
  labelRule: Rule;
  /** The segmentation target's structures, or null for the nodule's mask. */
  segmentation: TargetStructure[] | null;
}

/** Lobulation above this counts as an irregular margin in the default label rule. */
export const IRREGULAR_LOBULATION = 0.1;

/** The default label rule: malignant <=> nodule present and lobulated or spiculated (the core feature). */
export const DEFAULT_LABEL_RULE: Rule = {
  all: [
    { factor: 'hasNodule', eq: true },
    {
      any: [
        { factor: 'lobulation', gt: IRREGULAR_LOBULATION },
        { factor: 'spiculationCount', gt: 0 },
      ],
    },
  ],
};

/** Default distribution of every factor (both classes). */
export const DEFAULT_FACTORS: Record<FactorName, Distribution> = {
  hasNodule: { const: true },
  diameter: { uniform: [6, 14] },
  elongation: { uniform: [1, 1.3] },
  lobulation: { const: 0 },
  spiculationCount: { const: 0 },
  spiculationLength: { uniform: [2, 5] },
  spiculationWidth: { uniform: [1, 2] },
  densityType: { const: 'solid' },
  attenuation: { normal: { mean: 30, std: 15 } },
  solidFraction: { uniform: [0.3, 0.6] },
  texture: { uniform: [0, 30] },
  marginSharpness: { uniform: [0.6, 1] },
  calcification: { const: 'none' },
  cavitation: { const: 0 },
  satelliteCount: { const: 0 },
  satelliteDiameter: { uniform: [1.5, 3] },
  offsetZ: { uniform: [-3, 3] },
  offsetY: { uniform: [-3, 3] },
  offsetX: { uniform: [-3, 3] },
  orientationYaw: { uniform: [-180, 180] },
  orientationPitch: { uniform: [-90, 90] },
  orientationRoll: { uniform: [-180, 180] },
  parenchymaHU: { normal: { mean: -850, std: 15 } },
  parenchymaTexture: { uniform: [10, 25] },
  vesselCount: { int: [0, 3] },
  pleuralWall: { bernoulli: 0.3 },
  noiseStd: { uniform: [10, 25] },
  noiseCorrelation: { uniform: [0.4, 0.8] },
  sliceThickness: { const: 1 },
  contrast: { const: 1 },
};

/**
 * The class separation of the default spec: at 1.5 a NoduleNet3D learns the core feature (margin) on iid
 * data within the default study's budget with CE and SupCon, while the size shortcut is still learned
 * sooner (see `nodulab study learnability`, which measured it).
 */
export const DEFAULT_SEPARATION = 1.5;

/**
 * Per-class distributions of the core feature at class separation `s` (0 to 1.5): smooth benign (0)
 * nodules, and malignant (1) ones whose lobulation, spicule count, length and width grow with s. At
 * s = 0 malignant margins lie just past the label rule's threshold (lobulation > 0.1, or one spicule).
 */
export function separatedClasses(s: number): [FactorDistributions, FactorDistributions] {
  if (!(s >= 0 && s <= 1.5)) throw new Error(`separatedClasses: separation must lie in [0, 1.5], got ${s}`);
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return [
    { lobulation: { uniform: [0, 0.03] }, spiculationCount: { const: 0 } },
    {
      lobulation: { uniform: [r(0.11 + 0.19 * s), r(0.15 + 0.35 * s)] },
      spiculationCount: { int: [Math.round(5 * s), Math.max(1, Math.round(10 * s))] },
      spiculationLength: { uniform: [r(2 + 2 * s), r(5 + 3 * s)] },
      spiculationWidth: { uniform: [r(1 + 0.5 * s), r(2 + 0.5 * s)] },
    },
  ];
}

/** Default per-class distributions of the core feature: {@link separatedClasses} at the default separation. */
export const DEFAULT_CLASSES: [FactorDistributions, FactorDistributions] = separatedClasses(DEFAULT_SEPARATION);

/** An invalid spec: `errors` lists every problem as "path: message". */
export class SpecError extends Error {
  constructor(
    readonly source: string,
    readonly errors: string[],
  ) {
    super(`invalid dataset spec ${source}:\n  - ${errors.join('\n  - ')}`);
    this.name = 'SpecError';
  }
}

const factorMap = strict(
  Object.fromEntries(FACTOR_NAMES.map((f) => [f, distributionSchemaOf(f).optional()])) as {
    [F in FactorName]: z.ZodOptional<z.ZodType<Distribution>>;
  },
  {
    type: 'an object mapping factor names to distributions',
    unknownKey: `unknown factor (known: ${FACTOR_NAMES.join(', ')})`,
  },
).meta({ id: 'FactorDistributions', description: 'per-factor distributions; unnamed factors keep their defaults' });

const classes = strict(
  { 0: factorMap.optional(), 1: factorMap.optional() },
  { type: 'an object {"0": {...}, "1": {...}}', unknownKey: 'unknown class (expected "0" or "1")' },
);

const SHORTCUT_TYPE = 'an object {"factor", "rho", "distributions"}';
const shortcut = z.discriminatedUnion(
  'factor',
  FACTOR_NAMES.map((f) =>
    strict({
      factor: z.literal(f),
      rho: probability().describe('P(the factor agrees with the label); 0.5 = independent, 0 = reversed'),
      distributions: tuple(
        [distributionSchemaOf(f), distributionSchemaOf(f)],
        '[side-0 distribution, side-1 distribution]',
      ),
    }),
  ) as unknown as [z.ZodObject<{ factor: z.ZodLiteral<FactorName> }>],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `unknown factor ${show((issue.input as { factor?: unknown }).factor)}`
        : mustBe(SHORTCUT_TYPE)(issue),
  },
) as unknown as z.ZodType<ShortcutSpec>;

const splitOverride = strict(
  {
    classBalance: probability().optional(),
    factors: factorMap.optional(),
    classes: classes.optional(),
    rho: z.record(z.string(), probability(), { error: mustBe('an object mapping shortcut factors to rho') }).optional(),
  },
  { type: 'an object {"classBalance"?, "factors"?, "classes"?, "rho"?}' },
);

/**
 * A shortcut may not be a factor the label rule reads, nor have a per-class distribution; split rhos name shortcuts.
 */
function checkShortcuts(spec: DatasetSpec, problem: Problem): void {
  const read = ruleFactors(spec.labelRule ?? DEFAULT_LABEL_RULE);
  const seen = new Set<string>();
  (spec.shortcuts ?? []).forEach(({ factor: f }, i) => {
    if (seen.has(f)) problem(['shortcuts', i, 'factor'], `"${f}" is already a shortcut`);
    seen.add(f);
    if (read.has(f))
      problem(['shortcuts', i, 'factor'], `"${f}" is read by the label rule, so it cannot also be a shortcut`);
    for (const c of ['0', '1'] as const) {
      if (spec.classes?.[c]?.[f])
        problem(
          ['shortcuts', i, 'factor'],
          `"${f}" also has a per-class distribution at spec.classes.${c}.${f}; a shortcut sets it`,
        );
    }
  });
  for (const [name, o] of Object.entries(spec.splits ?? {})) {
    for (const f of Object.keys(o.rho ?? {}))
      if (!seen.has(f)) problem(['splits', name, 'rho', f], `"${f}" is not a shortcut of this spec`);
  }
}

/**
 * A volume override as run configs and studies write it, `{"shape"?: [D, H, W], "spacing"?: [z, y, x]}`:
 * each array judged whole (`volume.shape: must be an array of 3 integers in [8, 256]`).
 */
export const VolumeOverrideSchema = strict({
  shape: vector(3, { int: true, in: [8, 256] }, 'integers in [8, 256]').optional(),
  spacing: vector(3, { in: [0.1, 10] }, 'numbers in [0.1, 10] mm').optional(),
}).describe('overrides the volume shape (D, H, W) and spacing (z, y, x) mm of the dataset spec');

/** The schema of a dataset spec file (`$schema` may point an editor at schemas/data-spec.schema.json). */
export const DatasetSpecSchema = refineWith(
  strict(
    {
      $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
      name: nonEmptyString(),
      description: z.string({ error: mustBe('a string') }).optional(),
      volume: strict(
        { shape: triple({ int: true, in: [8, 256] }).optional(), spacing: triple({ in: [0.1, 10] }).optional() },
        { type: 'an object {"shape"?, "spacing"?}' },
      )
        .optional()
        .describe('volume shape (D, H, W) in voxels (default 32^3) and spacing (z, y, x) in mm (default 1 mm)'),
      window: strict(
        { center: number({}, 'a finite number'), width: number({ gt: 0 }) },
        { type: 'an object {"center": HU, "width": HU}' },
      )
        .optional()
        .describe('intensity window mapped to [0, 1] (default center -600, width 1500 HU)'),
      classBalance: probability().optional().describe('P(target class = 1), default 0.5'),
      separation: number({ in: [0, 1.5] })
        .optional()
        .describe("separation of the default classes' core feature (margin), 0 to 1.5, default 1.5"),
      factors: factorMap.optional(),
      classes: classes.optional().describe('per-class distributions over `factors`'),
      shortcuts: z
        .array(shortcut, { error: mustBe('an array') })
        .optional()
        .describe('factors that agree with the label with probability rho'),
      labelRule: RuleSchema.optional(),
      segmentation: refineWith(
        z.array(oneOf(TARGET_STRUCTURES as [TargetStructure, ...TargetStructure[]]), {
          error: mustBe('an array of structure names'),
        }),
        (t, problem) => {
          if (t.length === 0) problem([], 'must name at least one structure');
          t.forEach((name, i) => {
            if (t.indexOf(name) !== i) problem([i], `"${name}" is named twice`);
          });
        },
      )
        .optional()
        .describe(
          `the structures whose union is the segmentation target (${TARGET_STRUCTURES.join(', ')}); default: the nodule's mask`,
        ),
      target: oneOf(TARGETS)
        .optional()
        .describe("the class each item carries: 'label' (default, 0/1), 'grade' (1-5 as 0-4) or 'composition' (8)"),
      splits: z
        .record(z.string(), splitOverride, { error: mustBe('an object mapping split names to overrides') })
        .optional(),
    },
    { type: 'a JSON object' },
  ),
  (spec, problem) => checkShortcuts(spec as DatasetSpec, problem),
);

/**
 * Validates a parsed spec document and returns it typed. Throws a SpecError listing every problem
 * with its path (e.g. `spec.classes.1.diameter.uniform[1]: must be in [2, 40] mm, got 80`).
 * @param source names the document in the error (a file name or preset name)
 */
export function validateSpec(doc: unknown, source = 'spec'): DatasetSpec {
  if (jsonValueDepth(doc) > MAX_JSON_DEPTH)
    throw new SpecError(source, [`${source}: nested deeper than ${MAX_JSON_DEPTH}`]);
  const { $schema: _, ...spec } = parseOrThrow(DatasetSpecSchema, doc, (errors) => new SpecError(source, errors), {
    prefix: 'spec',
  });
  return spec satisfies DatasetSpec;
}

/** Parses and validates spec JSON text; `source` names it in errors. */
export function parseSpec(text: string, source = 'spec'): DatasetSpec {
  let doc: unknown;
  try {
    doc = JSON.parse(text); // iterative in V8; validateSpec bounds the nesting before any recursive walk
  } catch (e) {
    throw new SpecError(source, [`not valid JSON: ${(e as Error).message}`]);
  }
  return validateSpec(doc, source);
}

/** Reads and validates a spec file; errors name the file. */
export function readSpecFile(file: string): DatasetSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read dataset spec ${file}: ${(e as Error).message}`);
  }
  return parseSpec(text, file);
}

/** Fills every default of a validated spec for `split` and applies that split's override (if any). */
export function resolveSpec(spec: DatasetSpec, split: string): ResolvedSpec {
  const o = spec.splits?.[split] ?? {};
  const core = spec.separation === undefined ? DEFAULT_CLASSES : separatedClasses(spec.separation);
  const classes = ([0, 1] as const).map((y) => ({
    ...DEFAULT_FACTORS,
    ...core[y],
    ...spec.factors,
    ...spec.classes?.[`${y}`],
    ...o.factors,
    ...o.classes?.[`${y}`],
  })) as ResolvedSpec['classes'];
  const shortcuts = (spec.shortcuts ?? []).map((s) => ({ ...s, rho: o.rho?.[s.factor] ?? s.rho }));
  return {
    name: spec.name,
    split,
    shape: spec.volume?.shape ?? [32, 32, 32],
    spacing: spec.volume?.spacing ?? [1, 1, 1],
    window: spec.window ?? { center: -600, width: 1500 },
    classBalance: o.classBalance ?? spec.classBalance ?? 0.5,
    classes,
    shortcuts,
    labelRule: spec.labelRule ?? DEFAULT_LABEL_RULE,
    segmentation: spec.segmentation ? [...spec.segmentation] : null,
  };
}
