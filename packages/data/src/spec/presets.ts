// Built-in dataset specs: iid, shortcut studies (size, density, scanner noise), a scanner shift,
// different-looking lesion "tasks" for multi-task and OOD studies, segmentation "datasets" (seg-*) each with
// its own acquisition and target structure, the localization task, and the graded target task and the
// composition source task of the pretraining study. Shortcut presets carry test splits whose rho differs
// from training's (e.g. "test-rho0.5", "test-rho0.0").
import type { FactorName } from './factors';
import { DatasetSpec, FactorDistributions, readSpecFile, validateSpec } from './spec';

/**
 * A shortcut preset: `factor` drawn from `benign` or `malignant` agreeing with the label with rho 0.9
 * in training, test splits at rho 0.5 and 0.0.
 */
function shortcutPreset(
  name: string,
  factor: FactorName,
  description: string,
  benign: [number, number],
  malignant: [number, number],
): DatasetSpec {
  return {
    name,
    description: `${description}; test splits at rho 0.5 and 0.0.`,
    shortcuts: [{ factor, rho: 0.9, distributions: [{ uniform: benign }, { uniform: malignant }] }],
    splits: { 'test-rho0.5': { rho: { [factor]: 0.5 } }, 'test-rho0.0': { rho: { [factor]: 0 } } },
  };
}

/** The scanner shift of 'scanner-shift''s "test-shift" split: thick slices and strong, coarse noise. */
export const SCANNER_SHIFT_FACTORS: FactorDistributions = {
  noiseStd: { uniform: [40, 60] },
  noiseCorrelation: { uniform: [1, 1.5] },
  sliceThickness: { uniform: [2.5, 3] },
};

/** The acquisition of training data that 'scanner-shift' shifts away from: thin, low-noise slices. */
export const SCANNER_BASE_FACTORS: FactorDistributions = {
  noiseStd: { uniform: [10, 20] },
  noiseCorrelation: { uniform: [0.4, 0.7] },
  sliceThickness: { const: 1 },
};

/**
 * The grade preset's intensity window, -1100 to 650 HU: the default lung window (-1350 to 150 HU) clips
 * calcium (600 HU) to nearly the value of soft tissue, hiding the calcification that makes a nodule grade 1.
 */
export const GRADE_WINDOW = { center: -225, width: 1750 };

const PRESETS: Record<string, DatasetSpec> = {
  iid: {
    name: 'iid',
    description: 'Default factors; malignant <=> lobulated or spiculated; every split drawn alike.',
  },
  'shortcut-size': shortcutPreset(
    'shortcut-size',
    'diameter',
    'Diameter agrees with the label with rho = 0.9 in training (large <=> malignant)',
    [5, 9],
    [11, 16],
  ),
  'shortcut-density': shortcutPreset(
    'shortcut-density',
    'attenuation',
    'Mean attenuation agrees with the label with rho = 0.9 in training (denser <=> malignant)',
    [-40, 0],
    [60, 100],
  ),
  'shortcut-scanner': shortcutPreset(
    'shortcut-scanner',
    'noiseStd',
    'Image noise (the "scanner") agrees with the label with rho = 0.9 in training',
    [8, 15],
    [30, 45],
  ),
  'scanner-shift': {
    name: 'scanner-shift',
    description:
      'Training on thin, low-noise slices; the "test-shift" split has thick slices and strong, coarse noise.',
    factors: { ...SCANNER_BASE_FACTORS },
    splits: { 'test-shift': { factors: { ...SCANNER_SHIFT_FACTORS } } },
  },
  grade: {
    name: 'grade',
    description:
      'The nodule grade 1-5 as the class (target "grade"): diameters 4-16 mm across the size cut-offs, smooth or ' +
      'irregular margins, solid or part-solid, some benign calcifications (grade 1), and 0-4 satellite ' +
      'micronodules; the "test-shift" split is a second dataset from another scanner (thick slices, strong noise). ' +
      'Its window (-1100 to 650 HU) keeps calcium (600 HU), which grades 1, apart from soft tissue.',
    target: 'grade',
    window: GRADE_WINDOW,
    factors: {
      ...SCANNER_BASE_FACTORS,
      diameter: { uniform: [4, 16] },
      densityType: { choice: ['solid', 'part-solid'], weights: [3, 1] },
      calcification: { choice: ['none', 'central', 'laminated', 'popcorn'], weights: [15, 1, 1, 1] },
      satelliteCount: { int: [0, 4] },
      satelliteDiameter: { uniform: [1.5, 3] },
    },
    splits: { 'test-shift': { factors: { ...SCANNER_SHIFT_FACTORS } } },
  },
  composition: {
    name: 'composition',
    description:
      'The source task of supervised pretraining (target "composition", 8 classes): solid or part-solid x ' +
      'calcified or not x cavitated or not, each with probability 1/2; margins and sizes vary as in the default spec.',
    target: 'composition',
    factors: {
      diameter: { uniform: [8, 18] },
      lobulation: { uniform: [0, 0.25] },
      spiculationCount: { int: [0, 3] },
      densityType: { choice: ['solid', 'part-solid'] },
      calcification: { choice: ['none', 'central', 'laminated', 'popcorn'], weights: [3, 1, 1, 1] },
      cavitation: { choice: [0, 0.3, 0.45, 0.6], weights: [3, 1, 1, 1] },
    },
  },
  'task-subsolid': {
    name: 'task-subsolid',
    description:
      'Faint subsolid lesions: part-solid (1) vs pure ground-glass (0), soft margins; margin shape is not informative.',
    factors: {
      lobulation: { uniform: [0, 0.3] },
      spiculationCount: { int: [0, 3] },
      marginSharpness: { uniform: [0.1, 0.5] },
      diameter: { uniform: [10, 18] },
      solidFraction: { uniform: [0.35, 0.6] },
    },
    classes: {
      '0': { densityType: { const: 'ground-glass' }, attenuation: { normal: { mean: -600, std: 40 } } },
      '1': { densityType: { const: 'part-solid' }, attenuation: { uniform: [-40, 40] } },
    },
    labelRule: { factor: 'densityType', eq: 'part-solid' },
  },
  'task-calcified': {
    name: 'task-calcified',
    description:
      'Small smooth nodules: calcified granulomas (1, central/laminated/popcorn calcium) vs soft-tissue nodules (0).',
    factors: { lobulation: { uniform: [0, 0.08] }, spiculationCount: { const: 0 }, diameter: { uniform: [6, 12] } },
    classes: {
      '0': { calcification: { const: 'none' } },
      '1': { calcification: { choice: ['central', 'laminated', 'popcorn'] } },
    },
    labelRule: { factor: 'calcification', ne: 'none' },
  },
  'task-cavity': {
    name: 'task-cavity',
    description: 'Large nodules: cavitated (1, air cavity of 30-60% of the radius) vs solid (0).',
    factors: { lobulation: { uniform: [0, 0.25] }, spiculationCount: { int: [0, 3] }, diameter: { uniform: [14, 22] } },
    classes: { '0': { cavitation: { const: 0 } }, '1': { cavitation: { uniform: [0.3, 0.6] } } },
    labelRule: { factor: 'cavitation', gt: 0.15 },
  },
  // Segmentation datasets: each is a "modality" (spacing, slice thickness, noise, contrast) and one target
  // structure; the other structures are drawn too and count as background, so a model trained on several
  // has to tell from the image which structure is asked for.
  'seg-nodule': {
    name: 'seg-nodule',
    description:
      'Segmentation of the nodule (its mask) on thin (1 mm), low-noise, full-contrast scans; vessels and chest wall are background.',
    volume: { spacing: [1, 1, 1] },
    segmentation: ['nodule'],
    factors: {
      diameter: { uniform: [8, 16] },
      sliceThickness: { const: 1 },
      noiseStd: { uniform: [4, 10] },
      noiseCorrelation: { uniform: [0.3, 0.5] },
      contrast: { const: 1 },
      vesselCount: { int: [0, 3] },
    },
  },
  'seg-vessels': {
    name: 'seg-vessels',
    description:
      'Segmentation of vessels on thick (2 mm spacing, 2.5-3 mm slices), noisy, coarse-grained scans; half hold a nodule (background).',
    volume: { spacing: [2, 1, 1] },
    segmentation: ['vessel'],
    factors: {
      hasNodule: { bernoulli: 0.5 },
      vesselCount: { int: [4, 8] },
      sliceThickness: { uniform: [2.5, 3] },
      noiseStd: { uniform: [30, 45] },
      noiseCorrelation: { uniform: [0.8, 1.2] },
      contrast: { const: 1 },
    },
  },
  'seg-cavity': {
    name: 'seg-cavity',
    description:
      'Segmentation of the air cavity inside large cavitated nodules, at 1.25 mm with 1.5 mm slices, moderate noise and raised contrast.',
    volume: { spacing: [1.25, 1.25, 1.25] },
    segmentation: ['cavity'],
    factors: {
      diameter: { uniform: [14, 22] },
      cavitation: { uniform: [0.3, 0.6] },
      sliceThickness: { const: 1.5 },
      noiseStd: { uniform: [15, 25] },
      noiseCorrelation: { uniform: [0.5, 0.8] },
      contrast: { uniform: [1.2, 1.4] },
    },
  },
  'seg-calcium': {
    name: 'seg-calcium',
    description:
      'Segmentation of calcium in calcified nodules on anisotropic scans (1.5 x 0.8 x 0.8 mm, 1.5-2 mm slices) with lowered contrast.',
    volume: { spacing: [1.5, 0.8, 0.8] },
    segmentation: ['calcium'],
    factors: {
      diameter: { uniform: [8, 14] },
      lobulation: { uniform: [0, 0.08] },
      spiculationCount: { const: 0 },
      calcification: { choice: ['central', 'laminated', 'popcorn'] },
      sliceThickness: { uniform: [1.5, 2] },
      noiseStd: { uniform: [15, 25] },
      noiseCorrelation: { uniform: [0.4, 0.7] },
      contrast: { uniform: [0.7, 0.85] },
    },
  },
  localize: {
    name: 'localize',
    description:
      'Localization: 48^3 volumes at 1 mm with the nodule anywhere (centre offsets up to 14 mm on each axis, 4-16 mm across), often beside the chest wall and among vessels; targets are the recorded boxes.',
    volume: { shape: [48, 48, 48], spacing: [1, 1, 1] },
    factors: {
      diameter: { uniform: [4, 16] },
      offsetZ: { uniform: [-14, 14] },
      offsetY: { uniform: [-14, 14] },
      offsetX: { uniform: [-14, 14] },
      vesselCount: { int: [0, 6] },
      pleuralWall: { bernoulli: 0.5 },
    },
  },
  empty: {
    name: 'empty',
    description: 'Parenchyma, vessels and walls without any nodule (label 0): for detection and OOD sets.',
    factors: { hasNodule: { const: false } },
  },
};

/** The names of the built-in presets. */
export const PRESET_NAMES: readonly string[] = Object.keys(PRESETS);

/** The segmentation presets: each has its own acquisition and target structure (`spec.segmentation`). */
export const SEGMENTATION_PRESETS: readonly string[] = PRESET_NAMES.filter(
  (n) => PRESETS[n].segmentation !== undefined,
);

/** A copy of the built-in preset `name`; throws naming the known presets otherwise. */
export function preset(name: string): DatasetSpec {
  const p = PRESETS[name];
  if (p === undefined) throw new Error(`unknown dataset preset "${name}" (known: ${PRESET_NAMES.join(', ')})`);
  return validateSpec(JSON.parse(JSON.stringify(p)), `preset "${name}"`);
}

/** A preset by name, or else a spec JSON file by path. */
export function loadSpec(presetOrFile: string): DatasetSpec {
  return PRESETS[presetOrFile] !== undefined ? preset(presetOrFile) : readSpecFile(presetOrFile);
}
