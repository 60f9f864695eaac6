// The learnability study's spec: which losses, class separations and training budgets to sweep, on
// the same volumes, sample counts and run config as the loss-generalization study (one source of the
// defaults), plus the shortcut whose learning speed is raced against the core feature's.
import { DEFAULT_SEPARATION, ShortcutSpec } from '@nodulab/data';
import { LossKind, RunConfigInput } from '@nodulab/train';
import { builtinStudy } from '../loss_generalization/builtins';
import { deepMerge, resolveStudySpec } from '../loss_generalization/spec';

/** A learnability sweep, resolved (saved as learnability.json in the output folder). */
export interface LearnabilitySpec {
  name: 'learnability';
  description: string;
  losses: LossKind[];
  seeds: number[];
  /** Class separations of the core feature (data spec field `separation`), each trained at the full budget. */
  separations: number[];
  /** Fractions of the full budget (epochs of CE, pretraining epochs of SupCon/SimCLR) at the default separation. */
  budgets: number[];
  /** The separation the budget sweep and the race use. */
  separation: number;
  volume: { shape: [number, number, number]; spacing: [number, number, number] };
  n: number;
  valN: number;
  testN: number;
  /** The shortcut of the race: a model trained on data labelled by this factor alone (core feature absent). */
  shortcut: ShortcutSpec;
  /** Run-config overrides shared by every run (the loss-generalization study's). */
  config: RunConfigInput;
  threads: number;
}

/** The default sweep: the loss-generalization study's volumes, data sizes and budget. */
export function defaultLearnabilitySpec(): LearnabilitySpec {
  const base = resolveStudySpec(builtinStudy('loss-generalization'));
  if (!base.volume) throw new Error('the loss-generalization study sets no volume');
  return {
    name: 'learnability',
    description:
      'Balanced accuracy on iid data (no shortcut) against the class separation of the core feature and against ' +
      'the training budget, a curve per loss; and how fast a shortcut (diameter) is learned next to the core feature.',
    losses: ['ce', 'supcon', 'simclr'],
    seeds: [0],
    separations: [0.5, 1, 1.25, 1.5],
    budgets: [0.25, 0.5, 1],
    separation: DEFAULT_SEPARATION,
    volume: base.volume,
    n: base.train.n,
    valN: base.train.valN,
    testN: base.testSets[0].n,
    shortcut: { factor: 'diameter', rho: 1, distributions: [{ uniform: [5, 9] }, { uniform: [11, 16] }] },
    config: base.config,
    threads: base.threads,
  };
}

/** --quick: the sweep at toy size (16^3 at 2 mm, 256 samples, two separations and budgets, 2 epochs). */
export function quickLearnabilitySpec(spec: LearnabilitySpec): LearnabilitySpec {
  return {
    ...spec,
    separations: [0.5, 1.5],
    budgets: [0.5, 1],
    volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
    n: 256,
    valN: 64,
    testN: 64,
    config: deepMerge(spec.config as Record<string, unknown>, {
      model: { options: { widthMultiplier: 0.25 } },
      epochs: 2,
      pretrainEpochs: 2,
      probe: { epochs: 2 },
    }) as RunConfigInput,
  };
}
