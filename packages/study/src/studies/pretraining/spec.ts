// The pretraining-robustness study's spec: which initialisations (scratch, supervised on the composition
// source task, SimCLR, MoCo v2, supervised followed by SimCLR or MoCo), how each is trained on the graded
// target (linear probe, full fine-tuning), at which label fractions, seeds, distortions and severities.
import { distortionNames } from '@nodulab/data';
import { RunConfigInput } from '@nodulab/train';
import { deepMerge } from '../loss_generalization/spec';

/** The initialisations of the target model. */
export const INITS = ['scratch', 'supervised', 'simclr', 'moco', 'supervised+simclr', 'supervised+moco'] as const;
export type InitKind = (typeof INITS)[number];
/** How the target model is trained from its initialisation. */
export const MODES = ['linear', 'finetune'] as const;
export type TrainMode = (typeof MODES)[number];

/** A pretraining-robustness study, resolved (saved as pretraining.json in the output folder). */
export interface PretrainingSpec {
  name: 'pretraining-robustness';
  description: string;
  inits: InitKind[];
  modes: TrainMode[];
  /** Fractions of the target training set with labels, each in (0, 1]; the largest is the reference. */
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
   * Run-config overrides shared by every run (model, optimizer, schedule, batch size, MoCo queue): `epochs` of
   * the target models, `pretrainEpochs` of every pretraining (supervised included).
   */
  config: RunConfigInput;
  threads: number;
}

/**
 * The default study: 20^3 at 1.2 mm, NoduleNet3D at half width, every initialisation, probe and fine-tune at 1%,
 * 10% and 100% of 2048 target labels for 6 epochs (cosine schedule), each seed pretraining its own encoders on
 * 512 source volumes for 3 epochs. The target budget is what a scratch model needs to learn the grade (at 4
 * epochs or 512 samples its kappa ranged 0.14-0.41; at 2048 x 6 it reached 0.41-0.48 on 256 test volumes over
 * three seeds); the source set is what is left of 10 minutes on 2 cores.
 */
export function defaultPretrainingSpec(): PretrainingSpec {
  return {
    name: 'pretraining-robustness',
    description:
      'Scratch vs supervised pretraining on a composition source task vs contrastive self-supervision (SimCLR, ' +
      'MoCo v2), alone or after supervised pretraining; each then probed or fine-tuned on the nodule grade 1-5, ' +
      'tested in distribution, on a scanner-shifted second dataset and under distortions; representations ' +
      '(CKA, PCA) and Grad-CAM on the main nodule vs satellite micronodules.',
    inits: [...INITS],
    modes: ['linear', 'finetune'],
    labelFractions: [0.01, 0.1, 1],
    seeds: [0, 1, 2],
    pretrainPerSeed: true,
    volume: { shape: [20, 20, 20], spacing: [1.2, 1.2, 1.2] },
    sourceN: 512,
    targetN: 2048,
    valN: 64,
    testN: 64,
    distortions: distortionNames(),
    severities: [1, 2, 3, 4, 5],
    config: {
      model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
      batchSize: 32,
      epochs: 6,
      pretrainEpochs: 3,
      optimizer: { name: 'adam', lr: 3e-3 },
      schedule: { name: 'cosine' },
      // The linear-probe arm: a softmax regression fitted to convergence on the frozen encoder's embeddings.
      probe: { mode: 'linear', weightDecays: [1e-3, 1e-2, 1e-1, 1] },
      moco: { queueSize: 512 },
      select: 'accuracy',
    },
    threads: 2,
  };
}

/** --quick: toy size (16^3 at 2 mm, quarter width, 64 target samples), 3 inits, 2 seeds, 3 distortions. */
export function quickPretrainingSpec(spec: PretrainingSpec): PretrainingSpec {
  return {
    ...spec,
    inits: ['scratch', 'supervised', 'simclr'],
    labelFractions: [0.25, 1],
    seeds: [0, 1],
    volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
    sourceN: 96,
    targetN: 64,
    valN: 32,
    testN: 32,
    distortions: ['gaussian-noise', 'gaussian-blur', 'motion-ghosting'],
    severities: [1, 3, 5],
    config: deepMerge(spec.config as Record<string, unknown>, {
      model: { options: { widthMultiplier: 0.25 } },
      batchSize: 16,
      epochs: 2,
      pretrainEpochs: 2,
      moco: { queueSize: 64 },
    }) as RunConfigInput,
  };
}

/** Checks a spec; throws naming every bad field (a label fraction of 0, an unknown distortion or initialisation). */
export function checkPretrainingSpec(spec: PretrainingSpec): PretrainingSpec {
  const problems: string[] = [];
  spec.labelFractions.forEach((f, i) => {
    if (!(f > 0 && f <= 1)) problems.push(`labelFractions[${i}]: must be in (0, 1], got ${f}`);
    else if (Math.round(f * spec.targetN) < 2)
      problems.push(
        `labelFractions[${i}]: ${f} of targetN ${spec.targetN} is ${Math.round(f * spec.targetN)} samples; a run needs at least 2`,
      );
  });
  if (spec.labelFractions.length === 0) problems.push('labelFractions: give at least one fraction');
  const known = distortionNames();
  spec.distortions.forEach((d, i) => {
    if (!known.includes(d)) problems.push(`distortions[${i}]: unknown distortion "${d}" (known: ${known.join(', ')})`);
  });
  spec.severities.forEach((s, i) => {
    if (!(Number.isInteger(s) && s >= 1 && s <= 5))
      problems.push(`severities[${i}]: must be an integer 1..5, got ${s}`);
  });
  spec.inits.forEach((m, i) => {
    if (!INITS.includes(m)) problems.push(`inits[${i}]: unknown initialisation "${m}" (known: ${INITS.join(', ')})`);
  });
  if (!spec.inits.includes('scratch')) problems.push('inits: must include "scratch", the reference of every effect');
  spec.modes.forEach((m, i) => {
    if (!MODES.includes(m)) problems.push(`modes[${i}]: unknown mode "${m}" (known: ${MODES.join(', ')})`);
  });
  if (!spec.modes.includes('finetune')) problems.push('modes: must include "finetune"');
  if (spec.seeds.length === 0) problems.push('seeds: give at least one seed');
  if (problems.length > 0) throw new Error(`invalid pretraining-robustness spec:\n  - ${problems.join('\n  - ')}`);
  return spec;
}
