// The hard-samples study's spec: the localization data (the `localize` preset at the study's volume), the
// supervision settings (supervised, semi-supervised, weakly supervised), the dense and pruned populations (models
// per population, sparsities, fine-tuning epochs), how HTL samples are chosen and up-weighted, and the run config
// every model shares; the default and the --quick sizes.
import type { AugmentConfig } from '@nodulab/data';
import type { RunConfigInput } from '@nodulab/train';
import { deepMerge } from '../loss_generalization/spec';

/**
 * How the localizers learn their boxes: 'supervised' from every true box; 'semi' from the true boxes of a labelled
 * fraction and a teacher's pseudo-boxes on the rest; 'weak' from image-level labels only, via boxes of thresholded
 * Grad-CAM maps of the dense classifiers.
 */
export const SETTINGS = ['supervised', 'semi', 'weak'] as const;
export type Setting = (typeof SETTINGS)[number];

/** A hard-samples study, resolved (saved as hard-samples.json in the output folder). */
export interface HardSamplesSpec {
  name: 'hard-samples';
  description: string;
  /** One data draw per seed (data seed 1000 + seed); every paired difference is over these. */
  seeds: number[];
  volume: { shape: [number, number, number]; spacing: [number, number, number] };
  /** Training samples (the pool HTL samples are found in) and test samples. */
  n: number;
  valN: number;
  testN: number;
  /** Models per population (dense, and pruned at each sparsity). */
  models: number;
  sparsities: number[];
  /** Epochs of fine-tuning after the one-shot prune of each dense model. */
  fineTuneEpochs: number;
  /**
   * The fine-tuning learning rate as a fraction of the dense model's (its optimizer's `lr`). Pruned models are
   * fine-tuned at a reduced rate, as is usual when retraining after pruning: PIE compares pruned models with dense
   * ones of about the same accuracy. At the full rate (3e-3, Adam restarted) one epoch took classifiers that had
   * converged under a cosine schedule to chance balanced accuracy on validation, even at 30% sparsity, while at a
   * tenth a 30%-pruned one kept its dense accuracy (0.887 vs 0.821).
   */
  fineTuneLrScale: number;
  /** The settings run, in this order (each with its own populations, HTL samples and arms). */
  settings: Setting[];
  /** Epochs of the localizers trained from scratch (dense models, arms; the semi teacher × 1/labeledFraction). */
  localizerEpochs: number;
  /** 'semi': the fraction of training samples whose true box is known (the first of a seeded shuffle). */
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
   * run-config overrides over `config` (e.g. epochs, learning rate).
   */
  classifier: { n: number; config: RunConfigInput };
  /**
   * The training augmentation of every model, classifiers and localizers (null: none; `classifier.config.augment`
   * overrides it for the classifiers). Localizers need box-preserving steps (flip, rot90, intensity, noise): their
   * boxes move with the volume.
   */
  augment: AugmentConfig | null;
  /** Run-config overrides shared by every model (loss and data are set per model). */
  config: RunConfigInput;
  threads: number;
}

/**
 * Checks what the study cannot run without, before anything trains: the classifiers' training set extends the pool
 * (classifier.n an integer >= n) and the fine-tuning learning-rate scale is in (0, 1]. Throws naming the field.
 */
export function checkHardSamplesSpec(spec: HardSamplesSpec): void {
  if (!(Number.isInteger(spec.classifier.n) && spec.classifier.n >= spec.n))
    throw new Error(`hard-samples: classifier.n must be an integer >= n (${spec.n}), got ${spec.classifier.n}`);
  const scale = spec.fineTuneLrScale;
  if (!(typeof scale === 'number' && scale > 0 && scale <= 1))
    throw new Error(`hard-samples: fineTuneLrScale must be in (0, 1], got ${scale}`);
}

/**
 * The study's augmentation: random flips on every axis, a random 90-degree rotation in the axial plane and an
 * intensity jitter. These move voxels exactly (no resampling), so a localizer's box moves with its volume, and they
 * keep the malignancy label's evidence: at 2 mm the malignant margins' spicules are 1-1.4 voxels wide, and the standard
 * pipeline's affine step (trilinear resampling, ±10° and ±10% scale) blurs them while its added noise (std up to 0.03)
 * exceeds the scanner's own (0.007-0.017 in window units). With the standard pipeline a classifier's training loss
 * stayed at 0.66 after 12 epochs and its AUROC on its own training set at 0.70; with this one, 0.53 and 0.86.
 */
export const EXACT_AUGMENT: AugmentConfig = {
  steps: [
    { op: 'flip', axes: [0, 1, 2], p: 0.5 },
    { op: 'rot90', planes: 'axial', p: 1 },
    { op: 'intensity', scale: [0.9, 1.1], shift: [-0.05, 0.05], p: 1 },
  ],
};

/**
 * The default study: 24^3 volumes at 2 mm (the 48 mm field of view of the `localize` preset's 48^3 at 1 mm,
 * at an eighth of the voxels, so the study fits its 10-minute budget on 2 cores), 3 seeds, 3 models per population.
 * Malignancy is slow to learn from a nodule anywhere in the volume: a classifier on the 256-sample pool for 5
 * epochs stays near chance (validation AUROC ~0.58), so the classifiers train on 512 samples for 12 epochs
 * (cosine-decayed learning rate), paid for by 9 localizer epochs instead of 12. Every model trains with
 * {@link EXACT_AUGMENT}, not the standard pipeline: see there.
 */
export function defaultHardSamplesSpec(): HardSamplesSpec {
  return {
    name: 'hard-samples',
    description:
      'Hard-to-learn (HTL) nodules found by pruning: samples where magnitude-pruned models (one-shot + fine-tune) ' +
      'disagree with dense ones, in classification (PIE) and localization (1 − IoU of mean boxes); retraining ' +
      'the localizer with HTL samples up-weighted against the baseline, random samples up-weighted and hard-example ' +
      'mining under the same budget; and who the HTL samples are (factor subgroups).',
    seeds: [0, 1, 2],
    volume: { shape: [24, 24, 24], spacing: [2, 2, 2] },
    n: 256,
    valN: 64,
    testN: 128,
    models: 3,
    sparsities: [0.3, 0.5, 0.7, 0.9],
    fineTuneEpochs: 1,
    fineTuneLrScale: 0.1,
    settings: ['supervised', 'semi', 'weak'],
    localizerEpochs: 9,
    labeledFraction: 0.25,
    camThreshold: 0.5,
    htlFraction: 0.1,
    upweight: 3,
    miningFraction: 0.5,
    classifier: { n: 512, config: { epochs: 12 } },
    augment: JSON.parse(JSON.stringify(EXACT_AUGMENT)) as AugmentConfig,
    config: {
      model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
      batchSize: 32,
      epochs: 5,
      optimizer: { name: 'adam', lr: 3e-3 },
    },
    threads: 2,
  };
}

/**
 * --quick: the whole pipeline at toy size (16^3 at 3 mm, 1 seed, populations at sparsities 0.5 and 0.9 only,
 * a quarter-width model, 2 epochs, 3 for localizers, classifiers on the 64-sample pool).
 */
export function quickHardSamplesSpec(spec: HardSamplesSpec): HardSamplesSpec {
  return {
    ...spec,
    seeds: [0],
    sparsities: [0.5, 0.9],
    volume: { shape: [16, 16, 16], spacing: [3, 3, 3] },
    n: 64,
    valN: 16,
    testN: 32,
    localizerEpochs: 3,
    classifier: { n: 64, config: {} },
    config: deepMerge(spec.config as Record<string, unknown>, {
      model: { options: { widthMultiplier: 0.25 } },
      batchSize: 16,
      epochs: 2,
    }) as RunConfigInput,
  };
}
