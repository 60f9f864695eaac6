// Distribution specs: the JSON document that says how a synthetic dataset is drawn — each factor's
// distribution per class, the shortcut factors with their agreement probability rho, the label rule
// and per-split overrides — with a hand-written validator whose errors name the bad key's path.
import * as fs from 'fs';
import { Distribution, validateDistribution } from './distribution';
import { FACTOR_NAMES, FactorName, isFactorName } from './factors';
import { Rule, ruleFactors, validateRule } from './rule';

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
  factors?: FactorDistributions;
  classes?: { '0'?: FactorDistributions; '1'?: FactorDistributions };
  shortcuts?: ShortcutSpec[];
  /** Default: malignant (1) <=> a nodule with an irregular margin (lobulation > 0.1 or any spicule). */
  labelRule?: Rule;
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
}

/** Lobulation above this counts as an irregular margin in the default label rule. */
export const IRREGULAR_LOBULATION = 0.1;

/** The default label rule: malignant <=> nodule present and lobulated or spiculated (the core feature). */
export const DEFAULT_LABEL_RULE: Rule = {
  all: [
    { factor: 'hasNodule', eq: true },
    { any: [{ factor: 'lobulation', gt: IRREGULAR_LOBULATION }, { factor: 'spiculationCount', gt: 0 }] },
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

/** Default per-class distributions of the core feature: smooth benign (0) vs irregular malignant (1). */
export const DEFAULT_CLASSES: [FactorDistributions, FactorDistributions] = [
  { lobulation: { uniform: [0, 0.05] }, spiculationCount: { const: 0 } },
  { lobulation: { uniform: [0.15, 0.35] }, spiculationCount: { int: [0, 8] } },
];

/** An invalid spec: `errors` lists every problem as "path: message". */
export class SpecError extends Error {
  constructor(readonly source: string, readonly errors: string[]) {
    super(`invalid dataset spec ${source}:\n  - ${errors.join('\n  - ')}`);
    this.name = 'SpecError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string, errors: string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) errors.push(`${path}.${k}: unknown key (expected one of ${allowed.join(', ')})`);
}

function checkProbability(v: unknown, path: string, errors: string[]): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) errors.push(`${path}: must be a probability in [0, 1], got ${JSON.stringify(v)}`);
}

function checkFactorMap(m: unknown, path: string, errors: string[]): void {
  if (!isObject(m)) {
    errors.push(`${path}: must be an object mapping factor names to distributions, got ${JSON.stringify(m)}`);
    return;
  }
  for (const [k, d] of Object.entries(m)) {
    if (!isFactorName(k)) errors.push(`${path}.${k}: unknown factor (known: ${FACTOR_NAMES.join(', ')})`);
    else validateDistribution(d, `${path}.${k}`, k, errors);
  }
}

function checkClasses(c: unknown, path: string, errors: string[]): void {
  if (!isObject(c)) {
    errors.push(`${path}: must be an object {"0": {...}, "1": {...}}, got ${JSON.stringify(c)}`);
    return;
  }
  for (const [k, m] of Object.entries(c)) {
    if (k !== '0' && k !== '1') errors.push(`${path}.${k}: unknown class (expected "0" or "1")`);
    else checkFactorMap(m, `${path}.${k}`, errors);
  }
}

function checkTriple(v: unknown, path: string, lo: number, hi: number, integer: boolean, errors: string[]): void {
  if (!Array.isArray(v) || v.length !== 3) {
    errors.push(`${path}: must be an array of 3 numbers (z, y, x), got ${JSON.stringify(v)}`);
    return;
  }
  v.forEach((x, k) => {
    const ok = typeof x === 'number' && Number.isFinite(x) && x >= lo && x <= hi && (!integer || Number.isInteger(x));
    if (!ok) errors.push(`${path}[${k}]: must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(x)}`);
  });
}

/**
 * Validates a parsed spec document and returns it typed. Throws a SpecError listing every problem
 * with its path (e.g. `spec.classes.1.diameter.uniform[1]: must be in [2, 40] mm, got 80`).
 * @param source names the document in the error (a file name or preset name)
 */
export function validateSpec(doc: unknown, source = 'spec'): DatasetSpec {
  const errors: string[] = [];
  const P = 'spec';
  if (!isObject(doc)) throw new SpecError(source, [`${P}: must be a JSON object, got ${JSON.stringify(doc)}`]);
  unknownKeys(doc, ['name', 'description', 'volume', 'window', 'classBalance', 'factors', 'classes', 'shortcuts', 'labelRule', 'splits'], P, errors);
  if (typeof doc.name !== 'string' || doc.name.length === 0) errors.push(`${P}.name: must be a non-empty string, got ${JSON.stringify(doc.name)}`);
  if (doc.description !== undefined && typeof doc.description !== 'string') errors.push(`${P}.description: must be a string`);
  if (doc.volume !== undefined) {
    if (!isObject(doc.volume)) errors.push(`${P}.volume: must be an object {"shape"?, "spacing"?}`);
    else {
      unknownKeys(doc.volume, ['shape', 'spacing'], `${P}.volume`, errors);
      if (doc.volume.shape !== undefined) checkTriple(doc.volume.shape, `${P}.volume.shape`, 8, 256, true, errors);
      if (doc.volume.spacing !== undefined) checkTriple(doc.volume.spacing, `${P}.volume.spacing`, 0.1, 10, false, errors);
    }
  }
  if (doc.window !== undefined) {
    if (!isObject(doc.window)) errors.push(`${P}.window: must be an object {"center": HU, "width": HU}`);
    else {
      unknownKeys(doc.window, ['center', 'width'], `${P}.window`, errors);
      const { center, width } = doc.window;
      if (typeof center !== 'number' || !Number.isFinite(center)) errors.push(`${P}.window.center: must be a finite number, got ${JSON.stringify(center)}`);
      if (typeof width !== 'number' || !Number.isFinite(width) || width <= 0) errors.push(`${P}.window.width: must be a number > 0, got ${JSON.stringify(width)}`);
    }
  }
  if (doc.classBalance !== undefined) checkProbability(doc.classBalance, `${P}.classBalance`, errors);
  if (doc.factors !== undefined) checkFactorMap(doc.factors, `${P}.factors`, errors);
  if (doc.classes !== undefined) checkClasses(doc.classes, `${P}.classes`, errors);
  const ruleSet = new Set<string>();
  if (doc.labelRule !== undefined) {
    const before = errors.length;
    validateRule(doc.labelRule, `${P}.labelRule`, errors);
    if (errors.length === before) ruleFactors(doc.labelRule as Rule).forEach((f) => ruleSet.add(f));
  } else ruleFactors(DEFAULT_LABEL_RULE).forEach((f) => ruleSet.add(f));
  const shortcutFactors = new Set<string>();
  if (doc.shortcuts !== undefined) {
    if (!Array.isArray(doc.shortcuts)) errors.push(`${P}.shortcuts: must be an array`);
    else doc.shortcuts.forEach((s, i) => {
      const p = `${P}.shortcuts[${i}]`;
      if (!isObject(s)) {
        errors.push(`${p}: must be an object {"factor", "rho", "distributions"}`);
        return;
      }
      unknownKeys(s, ['factor', 'rho', 'distributions'], p, errors);
      checkProbability(s.rho, `${p}.rho`, errors);
      if (typeof s.factor !== 'string' || !isFactorName(s.factor)) {
        errors.push(`${p}.factor: unknown factor ${JSON.stringify(s.factor)}`);
        return;
      }
      const f = s.factor;
      if (shortcutFactors.has(f)) errors.push(`${p}.factor: "${f}" is already a shortcut`);
      shortcutFactors.add(f);
      if (ruleSet.has(f)) errors.push(`${p}.factor: "${f}" is read by the label rule, so it cannot also be a shortcut`);
      if (isObject(doc.classes)) {
        for (const c of ['0', '1']) {
          if (isObject(doc.classes[c]) && f in (doc.classes[c] as object)) errors.push(`${p}.factor: "${f}" also has a per-class distribution at spec.classes.${c}.${f}; a shortcut sets it`);
        }
      }
      if (!Array.isArray(s.distributions) || s.distributions.length !== 2) {
        errors.push(`${p}.distributions: must be [side-0 distribution, side-1 distribution], got ${JSON.stringify(s.distributions)}`);
      } else s.distributions.forEach((d, k) => validateDistribution(d, `${p}.distributions[${k}]`, f, errors));
    });
  }
  if (doc.splits !== undefined) {
    if (!isObject(doc.splits)) errors.push(`${P}.splits: must be an object mapping split names to overrides`);
    else for (const [name, o] of Object.entries(doc.splits)) {
      const p = `${P}.splits.${name}`;
      if (!isObject(o)) {
        errors.push(`${p}: must be an object {"classBalance"?, "factors"?, "classes"?, "rho"?}`);
        continue;
      }
      unknownKeys(o, ['classBalance', 'factors', 'classes', 'rho'], p, errors);
      if (o.classBalance !== undefined) checkProbability(o.classBalance, `${p}.classBalance`, errors);
      if (o.factors !== undefined) checkFactorMap(o.factors, `${p}.factors`, errors);
      if (o.classes !== undefined) checkClasses(o.classes, `${p}.classes`, errors);
      if (o.rho !== undefined) {
        if (!isObject(o.rho)) errors.push(`${p}.rho: must be an object mapping shortcut factors to rho`);
        else for (const [f, r] of Object.entries(o.rho)) {
          if (!shortcutFactors.has(f)) errors.push(`${p}.rho.${f}: "${f}" is not a shortcut of this spec`);
          checkProbability(r, `${p}.rho.${f}`, errors);
        }
      }
    }
  }
  if (errors.length > 0) throw new SpecError(source, errors);
  return doc as unknown as DatasetSpec;
}

/** Parses and validates spec JSON text; `source` names it in errors. */
export function parseSpec(text: string, source = 'spec'): DatasetSpec {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
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
  const classes = ([0, 1] as const).map((y) => ({
    ...DEFAULT_FACTORS,
    ...DEFAULT_CLASSES[y],
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
  };
}
