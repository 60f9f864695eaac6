// The calibration-ood study's spec: the segmentation datasets (seg-* presets) one UNet3D learns jointly and
// dedicated models learn one each, the transfer regime (pretrain on one preset, fine-tune on the others with few
// labels), seeds, sample counts, the OOD sets (an unseen preset, empty volumes, distortions, the scanner shift)
// and the spectral score's layer and k.
import { SEGMENTATION_PRESETS, distortionNames, preset } from '@nodulab/data';
import { RunConfigInput } from '@nodulab/train';
import { deepMerge } from '../loss_generalization/spec';

/** The training regimes. */
export const REGIMES = ['joint', 'dedicated', 'transfer'] as const;
export type Regime = (typeof REGIMES)[number];

/**
 * The OOD scores compared: the spectral signature's k-NN distance and four uncertainty baselines (the last, the
 * disagreement of the deep ensemble of every seed's joint model).
 */
export const OOD_METHODS = ['spectral', 'max-softmax', 'entropy', 'mc-dropout', 'ensemble'] as const;
export type OodMethod = (typeof OOD_METHODS)[number];

/** A calibration-ood study, resolved (saved as calibration-ood.json in the output folder). */
export interface CalibrationOodSpec {
  name: 'calibration-ood';
  description: string;
  /** The in-distribution segmentation datasets (presets with a `segmentation` target), at least two. */
  presets: string[];
  /** Transfer: the model pretrained on `source` (its dedicated model) is fine-tuned on every other preset with
   * `fraction` of the labels (fraction · trainN samples), for as many optimizer steps as a dedicated model
   * (`transferEpochs` in configs.ts: more epochs over fewer volumes). */
  transfer: { source: string; fraction: number };
  /** A preset no model trains on: the "unseen dataset" OOD set. */
  unseen: string;
  seeds: number[];
  /** Volume shape of every dataset (each keeps its own spacing); divisible by 4 for a 2-level UNet3D. */
  shape: [number, number, number];
  /** Per dataset and seed: training, validation (temperature fitting) and test samples. */
  trainN: number;
  valN: number;
  testN: number;
  /** Samples of each OOD set. */
  oodN: number;
  /** Distortions (@nodulab/data's registry) applied to the in-distribution test volumes, at each severity. */
  distortions: string[];
  severities: number[];
  /**
   * The layer whose feature map gives the spectral signature (a forward-hook name) and the k of its k-NN
   * (default 1: the distance to the nearest training signature, as in Karimi & Gholipour).
   */
  layer: string;
  k: number;
  /** MC-dropout forward passes (at least 10). */
  mcSamples: number;
  /** Radius in voxels of the band around the structure where calibration is also measured. */
  bandRadius: number;
  /** Run-config overrides shared by every model (model, optimizer, batch size, epochs). */
  config: RunConfigInput;
  threads: number;
}

/** The default study: the four seg-* presets at 16^3, three seeds, every distortion at severities 3 and 5. */
export function defaultCalibrationOodSpec(): CalibrationOodSpec {
  return {
    name: 'calibration-ood',
    description:
      'One UNet3D trained jointly on four segmentation datasets (nodule, vessels, cavity, calcium; each its own ' +
      'acquisition) vs a dedicated UNet3D per dataset vs transfer (pretrained on seg-nodule, fine-tuned on the ' +
      'others with few labels): Dice and HD95, calibration before and after temperature scaling, and OOD ' +
      'detection by the spectral signature of the bottleneck against max softmax, entropy and MC dropout.',
    presets: ['seg-nodule', 'seg-vessels', 'seg-cavity', 'seg-calcium'],
    transfer: { source: 'seg-nodule', fraction: 0.25 },
    unseen: 'task-subsolid',
    seeds: [0, 1, 2],
    shape: [16, 16, 16],
    trainN: 64,
    valN: 16,
    testN: 16,
    oodN: 16,
    distortions: distortionNames(),
    severities: [3, 5],
    layer: 'bottleneck',
    k: 1,
    mcSamples: 10,
    bandRadius: 2,
    config: {
      model: { kind: 'unet3d', options: { baseChannels: 4, levels: 2, dropout: 0.2 } },
      batchSize: 8,
      epochs: 12,
      optimizer: { name: 'adam', lr: 1e-2 },
    },
    threads: 2,
  };
}

/** --quick: two seeds, fewer samples and epochs, three distortions. */
export function quickCalibrationOodSpec(spec: CalibrationOodSpec): CalibrationOodSpec {
  return {
    ...spec,
    seeds: [0, 1],
    trainN: 16,
    valN: 8,
    testN: 8,
    oodN: 8,
    distortions: ['gaussian-noise', 'gaussian-blur', 'motion-ghosting'],
    config: deepMerge(spec.config as Record<string, unknown>, { epochs: 5 }) as RunConfigInput,
  };
}

/** Checks a spec; throws naming every bad field (an unknown preset or distortion, k beyond the training set). */
export function checkCalibrationOodSpec(spec: CalibrationOodSpec): CalibrationOodSpec {
  const problems: string[] = [];
  const known = (name: string): boolean => {
    try {
      preset(name);
      return true;
    } catch {
      return false;
    }
  };
  if (spec.presets.length < 2) problems.push('presets: joint training needs at least two datasets');
  spec.presets.forEach((p, i) => {
    if (!SEGMENTATION_PRESETS.includes(p))
      problems.push(`presets[${i}]: "${p}" is not a segmentation preset (known: ${SEGMENTATION_PRESETS.join(', ')})`);
  });
  if (new Set(spec.presets).size !== spec.presets.length) problems.push('presets: each dataset once');
  if (!spec.presets.includes(spec.transfer.source))
    problems.push(`transfer.source: "${spec.transfer.source}" must be one of presets (${spec.presets.join(', ')})`);
  const few = Math.round(spec.transfer.fraction * spec.trainN);
  if (!(spec.transfer.fraction > 0 && spec.transfer.fraction <= 1))
    problems.push(`transfer.fraction: must be in (0, 1], got ${spec.transfer.fraction}`);
  else if (few < 2)
    problems.push(`transfer.fraction: ${spec.transfer.fraction} of trainN ${spec.trainN} is ${few}; need 2`);
  if (!known(spec.unseen)) problems.push(`unseen: unknown preset "${spec.unseen}"`);
  else if (spec.presets.includes(spec.unseen)) problems.push(`unseen: "${spec.unseen}" is a training preset`);
  const names = distortionNames();
  spec.distortions.forEach((d, i) => {
    if (!names.includes(d)) problems.push(`distortions[${i}]: unknown distortion "${d}" (known: ${names.join(', ')})`);
  });
  spec.severities.forEach((s, i) => {
    if (!(Number.isInteger(s) && s >= 1 && s <= 5))
      problems.push(`severities[${i}]: must be an integer 1..5, got ${s}`);
  });
  if (!spec.shape.every((d) => Number.isInteger(d) && d >= 8 && d % 4 === 0))
    problems.push(`shape: each side must be a multiple of 4 and at least 8, got (${spec.shape.join(', ')})`);
  for (const key of ['trainN', 'valN', 'testN', 'oodN'] as const)
    if (!(Number.isInteger(spec[key]) && spec[key] >= 2))
      problems.push(`${key}: must be an integer >= 2, got ${spec[key]}`);
  // The spectral score's k-NN reads each model's own training signatures: the joint model's trainN per dataset,
  // a dedicated model's trainN of its preset (the smaller set, so the bound).
  if (!(Number.isInteger(spec.k) && spec.k >= 1)) problems.push(`k: must be a positive integer, got ${spec.k}`);
  else if (spec.k > spec.trainN)
    problems.push(
      `k: ${spec.k} is larger than the training set (${spec.trainN} signatures of a dedicated model's preset)`,
    );
  if (!(Number.isInteger(spec.mcSamples) && spec.mcSamples >= 10))
    problems.push(`mcSamples: MC dropout needs at least 10 samples, got ${spec.mcSamples}`);
  if (!(Number.isInteger(spec.bandRadius) && spec.bandRadius >= 1))
    problems.push(`bandRadius: must be a positive integer, got ${spec.bandRadius}`);
  const dropout = (spec.config.model as { options?: { dropout?: number } } | undefined)?.options?.dropout ?? 0;
  if (!(dropout > 0)) problems.push('config.model.options.dropout: MC dropout needs a UNet3D with dropout > 0');
  if (spec.seeds.length === 0) problems.push('seeds: give at least one seed');
  if (problems.length > 0) throw new Error(`invalid calibration-ood spec:\n  - ${problems.join('\n  - ')}`);
  return spec;
}
