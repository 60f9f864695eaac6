// The data and run configs of the learnability sweep: iid data at a class separation, data labelled by
// the race's shortcut alone, the dataset seeds of a seed's draw, and one model's run config at a
// fraction of the budget.
import type { DatasetSpec } from '@nodulab/data';
import { LossKind, RunConfig, resolveRunConfig } from '@nodulab/train';
import type { LearnabilitySpec } from './results';

/** Where a model unit writes its per-sample test predictions, relative to its folder. */
export const PREDICTIONS_FILE = 'predictions/test.csv';

/** Dataset seed of seed s's training and validation data (the same for every loss and budget). */
export const trainDataSeed = (seed: number): number => 1000 + seed;

/** Dataset seed of seed s's iid test data. */
export const testDataSeed = (seed: number): number => 2000 + seed;

/** The iid data spec at class separation `s`, at the sweep's volume. */
export function coreSpec(spec: Pick<LearnabilitySpec, 'volume'>, s: number): DatasetSpec {
  return { name: `iid-separation-${s}`, separation: s, volume: spec.volume };
}

/** Data labelled by the shortcut factor alone: both classes smooth, the class decides the factor. */
export function shortcutOnlySpec(spec: Pick<LearnabilitySpec, 'shortcut' | 'volume'>): DatasetSpec {
  const [small, large] = spec.shortcut.distributions;
  const smooth = { lobulation: { uniform: [0, 0.03] }, spiculationCount: { const: 0 } };
  const boundary = (small.uniform[1] + large.uniform[0]) / 2;
  return {
    name: `shortcut-only-${spec.shortcut.factor}`,
    volume: spec.volume,
    classes: { '0': { ...smooth, [spec.shortcut.factor]: small }, '1': { ...smooth, [spec.shortcut.factor]: large } },
    labelRule: { factor: spec.shortcut.factor, gt: boundary },
  } as DatasetSpec;
}

/** Whether the budget of `loss` scales its training epochs (one stage) rather than its pretraining epochs. */
export const scalesEpochs = (loss: LossKind): boolean => loss === 'ce' || loss === 'supcon-joint';

/**
 * The resolved run config of one model: `loss` with seed `seed` on `data` (train and validation splits of
 * the seed's draw), the budget's stage scaled to `budget` of its epochs (at least 1). Throws ConfigError.
 */
export function runConfigFor(
  spec: LearnabilitySpec,
  loss: LossKind,
  seed: number,
  data: DatasetSpec,
  budget: number,
): RunConfig {
  const config = spec.config as Record<string, unknown>;
  const base = resolveRunConfig({ ...config, loss, seed });
  const scaled = scalesEpochs(loss)
    ? { epochs: Math.max(1, Math.round(base.epochs * budget)) }
    : { pretrainEpochs: Math.max(1, Math.round(base.pretrainEpochs * budget)) };
  return resolveRunConfig({
    ...config,
    ...scaled,
    name: `learnability/${data.name}-${loss}-b${budget}-s${seed}`,
    loss,
    seed,
    threads: spec.threads,
    data: {
      spec: data,
      seed: trainDataSeed(seed),
      train: { split: 'train', n: spec.n },
      val: { split: 'val', n: spec.valN },
    },
  });
}

/** Epochs of the stage the budget scales. */
export const budgetEpochs = (config: RunConfig): number =>
  scalesEpochs(config.loss) ? config.epochs : config.pretrainEpochs;
