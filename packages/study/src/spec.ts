// The study spec: a typed, JSON-serializable description of a study (losses, seeds, training
// distribution, test sets, analyses), its defaults, and a validator that names every problem's path.
import * as fs from 'fs';
import { DatasetSpec, FACTOR_INFO, FactorName, PRESET_NAMES, isFactorName, loadSpec, validateSpec } from '@nodulab/data';
import { LOSSES, LossKind, RunConfig, RunConfigInput, resolveRunConfig } from '@nodulab/train';

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
  threads: number;
}

/** An invalid study spec: `problems` lists each as "path: message". */
export class StudySpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid study spec:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StudySpecError';
  }
}

/** The default counterfactual factors: the label's core feature and the three shortcut candidates. */
export const DEFAULT_ANALYSED_FACTORS: AnalysedFactor[] = [
  { name: 'margin', factors: ['lobulation', 'spiculationCount'] },
  { name: 'diameter', factors: ['diameter'] },
  { name: 'attenuation', factors: ['attenuation'] },
  { name: 'noise', factors: ['noiseStd'] },
];

const DEFAULT_PROBE_TARGETS: ProbeTarget[] = ['label', 'lobulation', 'spiculationCount', 'diameter', 'attenuation', 'noiseStd'];
const STUDY_KEYS = ['name', 'description', 'losses', 'seeds', 'train', 'volume', 'testSets', 'testN', 'config', 'analysis', 'threads'];
const FORBIDDEN_CONFIG_KEYS = ['loss', 'seed', 'data', 'name', 'threads'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string, errors: string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) errors.push(`${path ? path + '.' : ''}${k}: unknown key (expected one of ${allowed.join(', ')})`);
}

function int(v: unknown, path: string, dflt: number, min: number, max: number, errors: string[]): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    errors.push(`${path}: must be an integer in [${min}, ${max}], got ${show(v)}`);
    return dflt;
  }
  return v;
}

function str(v: unknown, path: string, dflt: string, errors: string[]): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v === '') {
    errors.push(`${path}: must be a non-empty string, got ${show(v)}`);
    return dflt;
  }
  return v;
}

function obj(v: unknown, path: string, errors: string[]): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isObject(v)) {
    errors.push(`${path}: must be an object, got ${show(v)}`);
    return {};
  }
  return v;
}

/** A dataset spec from a preset name, file or inline object; null (with an error) when invalid. */
function readDatasetSpec(v: unknown, path: string, errors: string[]): DatasetSpec | null {
  try {
    if (typeof v === 'string' && !PRESET_NAMES.includes(v) && !fs.existsSync(v)) throw new Error(`"${v}" is neither a dataset preset (${PRESET_NAMES.join(', ')}) nor a spec file`);
    if (typeof v === 'string') return loadSpec(v);
    if (!isObject(v)) throw new Error(`must be a preset name, a spec file or an inline spec, got ${show(v)}`);
    return validateSpec(clone(v) as unknown as DatasetSpec, path);
  } catch (e) {
    errors.push(`${path}: ${(e as Error).message.replace(/\n\s*-?\s*/g, ' ')}`);
    return null;
  }
}

function readLoss(v: unknown, path: string, errors: string[]): StudyLoss | null {
  if (typeof v === 'string') {
    if (!(LOSSES as readonly string[]).includes(v)) {
      errors.push(`${path}: must be one of ${LOSSES.join(', ')} or {name, loss, config}, got ${show(v)}`);
      return null;
    }
    return { name: v, loss: v as LossKind, config: {} };
  }
  if (!isObject(v)) {
    errors.push(`${path}: must be a loss name or {name, loss, config}, got ${show(v)}`);
    return null;
  }
  checkKeys(v, ['name', 'loss', 'config'], path, errors);
  if (typeof v.loss !== 'string' || !(LOSSES as readonly string[]).includes(v.loss)) {
    errors.push(`${path}.loss: must be one of ${LOSSES.join(', ')}, got ${show(v.loss)}`);
    return null;
  }
  const config = obj(v.config, `${path}.config`, errors);
  checkForbidden(config, `${path}.config`, errors);
  return { name: str(v.name, `${path}.name`, v.loss, errors), loss: v.loss as LossKind, config: clone(config) as RunConfigInput };
}

function checkForbidden(config: Record<string, unknown>, path: string, errors: string[]): void {
  for (const k of FORBIDDEN_CONFIG_KEYS) if (config[k] !== undefined) errors.push(`${path}.${k}: set by the study (use losses, seeds, train, testSets, volume, threads)`);
}

function readFactor(v: unknown, path: string, errors: string[]): AnalysedFactor | null {
  const one = (name: unknown, p: string): FactorName | null => {
    if (typeof name !== 'string' || !isFactorName(name)) {
      errors.push(`${p}: must be a factor name (e.g. diameter, lobulation, noiseStd), got ${show(name)}`);
      return null;
    }
    if (name === 'hasNodule') {
      errors.push(`${p}: hasNodule cannot be changed counterfactually (the nodule mask would vanish)`);
      return null;
    }
    return name;
  };
  if (typeof v === 'string') {
    const f = one(v, path);
    return f ? { name: f, factors: [f] } : null;
  }
  if (!isObject(v)) {
    errors.push(`${path}: must be a factor name or {name, factors}, got ${show(v)}`);
    return null;
  }
  checkKeys(v, ['name', 'factors'], path, errors);
  if (!Array.isArray(v.factors) || v.factors.length === 0) {
    errors.push(`${path}.factors: must be a non-empty array of factor names, got ${show(v.factors)}`);
    return null;
  }
  const factors = v.factors.map((f, i) => one(f, `${path}.factors[${i}]`));
  if (factors.some((f) => f === null)) return null;
  return { name: str(v.name, `${path}.name`, (factors as string[]).join('+'), errors), factors: factors as FactorName[] };
}

function readVolume(v: unknown, errors: string[]): StudySpec['volume'] {
  if (v === undefined || v === null) return null;
  const o = obj(v, 'volume', errors);
  checkKeys(o, ['shape', 'spacing'], 'volume', errors);
  const triple = (x: unknown, p: string, dflt: number[], ok: (n: number) => boolean, what: string): [number, number, number] => {
    if (x === undefined) return dflt as [number, number, number];
    if (!Array.isArray(x) || x.length !== 3 || !x.every((n) => typeof n === 'number' && ok(n))) {
      errors.push(`${p}: must be an array of 3 ${what}, got ${show(x)}`);
      return dflt as [number, number, number];
    }
    return [...x] as [number, number, number];
  };
  return {
    shape: triple(o.shape, 'volume.shape', [32, 32, 32], (n) => Number.isInteger(n) && n >= 8 && n <= 256, 'integers in [8, 256]'),
    spacing: triple(o.spacing, 'volume.spacing', [1, 1, 1], (n) => Number.isFinite(n) && n >= 0.1 && n <= 10, 'numbers in [0.1, 10] mm'),
  };
}

/** The training spec with every shortcut's rho set to `rho` (null: as the spec says) and the volume override. */
export function trainingDatasetSpec(spec: DatasetSpec, rho: number | null, volume: StudySpec['volume']): DatasetSpec {
  const out = clone(spec);
  if (rho !== null) out.shortcuts = (out.shortcuts ?? []).map((s) => ({ ...s, rho }));
  if (volume) out.volume = clone(volume);
  return out;
}

/** A test set's dataset spec with the study's volume override. */
export function testDatasetSpec(spec: DatasetSpec, volume: StudySpec['volume']): DatasetSpec {
  return volume ? { ...clone(spec), volume: clone(volume) } : clone(spec);
}

/**
 * The run config of one (loss, seed) of a resolved study: shared overrides, then the loss's own,
 * then the study's data (training spec, n) and seed. Throws a ConfigError when invalid.
 */
export function runConfigFor(study: StudySpec, loss: StudyLoss, seed: number): RunConfig {
  const merged = deepMerge(deepMerge({}, study.config as Record<string, unknown>), loss.config as Record<string, unknown>);
  return resolveRunConfig({
    ...merged,
    name: `${study.name}/${loss.name}-s${seed}`,
    loss: loss.loss,
    seed,
    threads: study.threads,
    data: {
      spec: trainingDatasetSpec(study.train.spec, study.train.rho, study.volume),
      seed: 0,
      train: { split: 'train', n: study.train.n },
      val: { split: 'val', n: study.train.valN },
    },
  });
}

/** Merges plain objects recursively (arrays and scalars of `b` replace those of `a`). */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : clone(v);
  return out;
}

/**
 * Fills every default into a user's (parsed-JSON) study spec and validates it, including every run
 * config it implies. Throws a StudySpecError listing every problem by path. Reads spec files and
 * presets but writes nothing. Idempotent on its own output.
 */
export function resolveStudySpec(input: unknown): StudySpec {
  if (!isObject(input)) throw new StudySpecError([`study: must be a JSON object, got ${show(input)}`]);
  const errors: string[] = [];
  checkKeys(input, STUDY_KEYS, '', errors);
  const name = str(input.name, 'name', 'study', errors);
  if (!/^[A-Za-z0-9._-]+$/.test(name)) errors.push(`name: must use only letters, digits, '.', '_' and '-' (it names folders), got ${show(name)}`);
  const description = input.description === undefined ? '' : typeof input.description === 'string' ? input.description : (errors.push('description: must be a string'), '');

  let losses: StudyLoss[] = [];
  if (input.losses === undefined) losses = ['ce', 'supcon', 'simclr'].map((l) => ({ name: l, loss: l as LossKind, config: {} }));
  else if (!Array.isArray(input.losses) || input.losses.length === 0) errors.push(`losses: must be a non-empty array, got ${show(input.losses)}`);
  else losses = input.losses.map((l, i) => readLoss(l, `losses[${i}]`, errors)).filter((l): l is StudyLoss => l !== null);
  const lossNames = losses.map((l) => l.name);
  lossNames.forEach((n, i) => {
    if (lossNames.indexOf(n) !== i) errors.push(`losses[${i}].name: "${n}" is used twice; give each loss a distinct name`);
    if (!/^[A-Za-z0-9._-]+$/.test(n)) errors.push(`losses[${i}].name: must use only letters, digits, '.', '_' and '-', got ${show(n)}`);
  });

  let seeds: number[] = [0, 1, 2];
  if (typeof input.seeds === 'number') seeds = Array.from({ length: int(input.seeds, 'seeds', 3, 1, 100, errors) }, (_, i) => i);
  else if (Array.isArray(input.seeds)) {
    if (input.seeds.length === 0) errors.push('seeds: must not be empty');
    seeds = input.seeds.map((s, i) => int(s, `seeds[${i}]`, 0, 0, Number.MAX_SAFE_INTEGER, errors));
    if (new Set(seeds).size !== seeds.length) errors.push(`seeds: must be distinct, got ${show(input.seeds)}`);
  } else if (input.seeds !== undefined) errors.push(`seeds: must be a count (integer) or an array of seeds, got ${show(input.seeds)}`);

  const volume = readVolume(input.volume, errors);
  const tr = obj(input.train, 'train', errors);
  checkKeys(tr, ['spec', 'rho', 'n', 'valN'], 'train', errors);
  const trainSpec = readDatasetSpec(tr.spec ?? 'shortcut-size', 'train.spec', errors);
  // The default training distribution is shortcut-size at rho 0.9; a user's spec keeps its own rho unless given.
  let rho: number | null = tr.spec === undefined ? 0.9 : null;
  if (tr.rho !== undefined) {
    if (tr.rho === null) rho = null;
    else if (typeof tr.rho !== 'number' || !(tr.rho >= 0 && tr.rho <= 1)) errors.push(`train.rho: must be a number in [0, 1] or null, got ${show(tr.rho)}`);
    else rho = tr.rho;
  }
  if (rho !== null && trainSpec && (trainSpec.shortcuts ?? []).length === 0) errors.push(`train.rho: the spec "${trainSpec.name}" has no shortcut to set rho on`);
  const train = { spec: trainSpec ?? ({ name: 'invalid' } as DatasetSpec), rho, n: int(tr.n, 'train.n', 512, 2, 1_000_000, errors), valN: int(tr.valN, 'train.valN', 256, 1, 1_000_000, errors) };

  const testN = int(input.testN, 'testN', 256, 1, 1_000_000, errors);
  const testSets: TestSetSpec[] = [];
  const rawTests = input.testSets === undefined ? defaultTestSets(trainSpec ? trainingDatasetSpec(trainSpec, rho, null) : null) : input.testSets;
  if (!Array.isArray(rawTests) || rawTests.length === 0) errors.push(`testSets: must be a non-empty array of {name, spec, split, n?}, got ${show(rawTests)}`);
  else rawTests.forEach((t, i) => {
    const p = `testSets[${i}]`;
    if (!isObject(t)) return void errors.push(`${p}: must be an object {name, spec, split, n?}, got ${show(t)}`);
    checkKeys(t, ['name', 'spec', 'split', 'n'], p, errors);
    const tname = str(t.name, `${p}.name`, `test${i}`, errors);
    if (testSets.some((x) => x.name === tname)) errors.push(`${p}.name: "${tname}" is used twice`);
    const spec = t.spec === undefined || t.spec === 'train' ? (trainSpec ? trainingDatasetSpec(trainSpec, rho, null) : null) : readDatasetSpec(t.spec, `${p}.spec`, errors);
    const split = str(t.split, `${p}.split`, 'test', errors);
    if (['train', 'val'].includes(split) && (t.spec === undefined || t.spec === 'train')) errors.push(`${p}.split: "${split}" holds training or validation samples; use a test split`);
    testSets.push({ name: tname, spec: spec ?? 'invalid', split, n: int(t.n, `${p}.n`, testN, 1, 1_000_000, errors) });
  });

  const config = obj(input.config, 'config', errors);
  checkForbidden(config, 'config', errors);

  const an = obj(input.analysis, 'analysis', errors);
  checkKeys(an, ['testSet', 'n', 'factors', 'probeTargets', 'probeHoldout', 'gradcamN'], 'analysis', errors);
  const analysedSet = str(an.testSet, 'analysis.testSet', testSets.some((t) => t.name === 'rho0.5') ? 'rho0.5' : testSets[0]?.name ?? 'test', errors);
  const target = testSets.find((t) => t.name === analysedSet);
  if (testSets.length > 0 && !target) errors.push(`analysis.testSet: "${analysedSet}" is not a test set (have ${testSets.map((t) => t.name).join(', ')})`);
  const analysisN = int(an.n, 'analysis.n', Math.min(256, target?.n ?? 256), 4, 1_000_000, errors);
  if (target && analysisN > target.n) errors.push(`analysis.n: ${analysisN} is more than the ${target.n} samples of test set "${analysedSet}"`);
  let factors = clone(DEFAULT_ANALYSED_FACTORS);
  if (an.factors !== undefined) {
    if (!Array.isArray(an.factors)) errors.push(`analysis.factors: must be an array, got ${show(an.factors)}`);
    else factors = an.factors.map((f, i) => readFactor(f, `analysis.factors[${i}]`, errors)).filter((f): f is AnalysedFactor => f !== null);
  }
  let probeTargets = [...DEFAULT_PROBE_TARGETS];
  if (an.probeTargets !== undefined) {
    if (!Array.isArray(an.probeTargets)) errors.push(`analysis.probeTargets: must be an array, got ${show(an.probeTargets)}`);
    else {
      probeTargets = [];
      an.probeTargets.forEach((f, i) => {
        if (f === 'label' || (typeof f === 'string' && isFactorName(f))) probeTargets.push(f as ProbeTarget);
        else errors.push(`analysis.probeTargets[${i}]: must be "label" or a factor name (${Object.keys(FACTOR_INFO).slice(0, 4).join(', ')}, ...), got ${show(f)}`);
      });
    }
  }
  let probeHoldout = 0.3;
  if (an.probeHoldout !== undefined) {
    if (typeof an.probeHoldout !== 'number' || !(an.probeHoldout > 0 && an.probeHoldout < 1)) errors.push(`analysis.probeHoldout: must be a number in (0, 1), got ${show(an.probeHoldout)}`);
    else probeHoldout = an.probeHoldout;
  }
  const gradcamN = int(an.gradcamN, 'analysis.gradcamN', Math.min(64, analysisN), 0, 1_000_000, errors);
  if (gradcamN > analysisN) errors.push(`analysis.gradcamN: ${gradcamN} is more than analysis.n (${analysisN})`);
  const threads = int(input.threads, 'threads', 2, 1, 256, errors);

  const study: StudySpec = {
    name, description, losses, seeds, train, volume, testSets,
    config: clone(config) as RunConfigInput,
    analysis: { testSet: analysedSet, n: analysisN, factors, probeTargets, probeHoldout, gradcamN },
    threads,
  };
  // Every run config the study implies must be valid; report each loss's problems once.
  if (errors.length === 0) {
    losses.forEach((l, i) => {
      try {
        runConfigFor(study, l, seeds[0]);
      } catch (e) {
        const problems = (e as { problems?: string[] }).problems ?? [(e as Error).message];
        for (const p of problems) errors.push(`losses[${i}] (${l.name}) run config: ${p}`);
      }
    });
  }
  if (errors.length > 0) throw new StudySpecError(errors);
  return study;
}

/**
 * The four test sets of the loss-generalization study: in-distribution, the shortcut at rho 0.5 and
 * 0.0 (the spec's test-rho splits), and the training distribution under the scanner shift.
 */
function defaultTestSets(trainSpec: DatasetSpec | null): unknown[] {
  return [
    { name: 'in-distribution', spec: 'train', split: 'test' },
    { name: 'rho0.5', spec: 'train', split: 'test-rho0.5' },
    { name: 'rho0.0', spec: 'train', split: 'test-rho0.0' },
    ...(trainSpec ? [{ name: 'scanner-shift', spec: scannerShiftOf(trainSpec), split: 'test-shift' }] : []),
  ];
}

/** `spec` with the scanner-shift preset's "test-shift" split (thick slices, strong coarse noise) added. */
export function scannerShiftOf(spec: DatasetSpec): DatasetSpec {
  const shift = loadSpec('scanner-shift').splits!['test-shift'];
  return { ...clone(spec), name: `${spec.name}+scanner-shift`, splits: { ...clone(spec.splits ?? {}), 'test-shift': clone(shift) } };
}
