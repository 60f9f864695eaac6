// The model populations of one seed of the hard-samples study: dense models trained from scratch, and each
// pruned one-shot at every sparsity and fine-tuned at a reduced learning rate; each model's outputs (boxes or
// classes) on the training pool and the test set, read through @nodulab/eval's one evaluate path.
import * as path from 'path';
import { Dataset, DatasetSpec } from '@nodulab/data';
import { Box3d, ClassificationEvaluation, LocalizationEvaluation, datasetBatches, evaluate } from '@nodulab/eval';
import { LossKind, RunConfig, loadRun, netPredictor, resolveRunConfig, train } from '@nodulab/train';
import { deepMerge } from '../loss_generalization/spec';
import { HardSamplesSpec, checkHardSamplesSpec } from './spec';

/** The datasets of one seed: the training pool, validation and test sets. */
export interface HardSamplesData {
  seed: number;
  spec: DatasetSpec;
  train: Dataset;
  /** The classifiers' training set: spec.classifier.n samples, the first spec.n of them `train` (absent: `train`). */
  classTrain?: Dataset;
  val: Dataset;
  test: Dataset;
}

/** One model's outputs on the training pool and on the test set. */
export interface ModelOutputs {
  name: string;
  /** 0 for dense models. */
  sparsity: number;
  dir: string;
  /**
   * Localization: predicted boxes (voxels) and IoU with the truth; classification: predicted classes, and the
   * set's AUROC and balanced accuracy of malignancy.
   */
  train: SetOutputs;
  test: SetOutputs;
}

/** One model's outputs on one set (see {@link ModelOutputs}). */
export interface SetOutputs {
  boxes?: Box3d[];
  ious?: number[];
  classes?: number[];
  metrics?: { auroc: number; balancedAccuracy: number };
}

/** Reports one trained model, for a progress display. */
export type OnModel = (what: string) => void;

/**
 * The run config of one model of the study: spec.config with spec.augment, then `localizerEpochs` for a localizer or
 * spec.classifier.config for a classifier, then `extra`;
 * trained on all of data.train and validated on data.val (whatever boxes they carry).
 */
export function modelConfig(
  spec: HardSamplesSpec,
  data: HardSamplesData,
  loss: LossKind,
  name: string,
  modelSeed: number,
  extra: Record<string, unknown> = {},
): RunConfig {
  const own = loss === 'box' ? { epochs: spec.localizerEpochs } : (spec.classifier.config as Record<string, unknown>);
  return resolveRunConfig({
    ...deepMerge(deepMerge(deepMerge(spec.config as Record<string, unknown>, { augment: spec.augment }), own), extra),
    name,
    loss,
    seed: modelSeed,
    threads: spec.threads,
    data: {
      spec: data.spec,
      seed: 1000 + data.seed,
      train: { split: 'train', n: data.train.length },
      val: { split: 'val', n: data.val.length },
    },
  });
}

/** Trains `config` into `dir` on the seed's shared datasets; throws unless it completed. */
export async function trainModel(
  config: RunConfig,
  dir: string,
  data: HardSamplesData,
  signal?: AbortSignal,
): Promise<void> {
  const s = await train(config, {
    outDir: dir,
    sources: { train: data.train, val: data.val },
    signal,
    stepThread: 'main',
  });
  if (s.status !== 'completed') throw new Error(`hard-samples: stopped during ${dir}; nothing was kept`);
}

/** The best checkpoint of the run in `dir` on `set`: boxes and IoUs (box loss) or predicted classes. */
export async function modelOutputs(dir: string, set: Dataset): Promise<SetOutputs> {
  const { net, config } = loadRun(dir, 'best');
  try {
    if (config.loss === 'box') {
      const r = (await evaluate(
        netPredictor(net, set, 'boxes'),
        datasetBatches(set, config.batchSize, { boxes: true }),
      )) as LocalizationEvaluation;
      return { boxes: r.predictions.map((p) => p.box), ious: r.predictions.map((p) => p.iou) };
    }
    const r = (await evaluate(
      netPredictor(net, set),
      datasetBatches(set, config.batchSize),
    )) as ClassificationEvaluation;
    const { auroc, balancedAccuracy } = r.metrics;
    return { classes: r.predictions.map((p) => p.predicted), metrics: { auroc, balancedAccuracy } };
  } finally {
    await net.model.closeWorker();
  }
}

/**
 * The learning rate a pruned model is fine-tuned at: spec.fineTuneLrScale × its dense model's; throws (see
 * {@link checkHardSamplesSpec}) when the scale is not in (0, 1].
 */
export function fineTuneLr(spec: HardSamplesSpec, dense: RunConfig): number {
  checkHardSamplesSpec(spec);
  return dense.optimizer.lr * spec.fineTuneLrScale;
}

/**
 * The dense population (spec.models models, seeds 0..) and, from each, one-shot pruned + fine-tuned models at
 * every sparsity, trained with `loss` into `root` on `targets` (default `data`: the true boxes; a setting's
 * pseudo-boxes otherwise), named `${prefix}${loss}-dense<k>[-pruned<s>]`; with every model's outputs on the
 * training pool and test set, scored against the true boxes.
 */
export async function trainPopulations(
  spec: HardSamplesSpec,
  data: HardSamplesData,
  loss: LossKind,
  root: string,
  onModel: OnModel,
  signal?: AbortSignal,
  targets: HardSamplesData = data,
  prefix = '',
): Promise<{ dense: ModelOutputs[]; pruned: ModelOutputs[] }> {
  const dense: ModelOutputs[] = [];
  const pruned: ModelOutputs[] = [];
  const outputs = async (name: string, sparsity: number, dir: string): Promise<ModelOutputs> => ({
    name,
    sparsity,
    dir,
    train: await modelOutputs(dir, data.train),
    test: await modelOutputs(dir, data.test),
  });
  for (let k = 0; k < spec.models; k++) {
    const name = `${prefix}${loss}-dense${k}`;
    const dir = path.join(root, name);
    onModel(`${name} (seed ${data.seed})`);
    const denseConfig = modelConfig(spec, targets, loss, name, k);
    await trainModel(denseConfig, dir, targets, signal);
    dense.push(await outputs(name, 0, dir));
    for (const sparsity of spec.sparsities) {
      const pname = `${name}-pruned${Math.round(sparsity * 100)}`;
      const pdir = path.join(root, pname);
      onModel(`${pname} (seed ${data.seed})`);
      const config = modelConfig(spec, targets, loss, pname, k, {
        epochs: spec.fineTuneEpochs,
        optimizer: { lr: fineTuneLr(spec, denseConfig) },
        init: { checkpoint: dir, part: 'all' },
        prune: { sparsity, scope: 'global', schedule: 'oneshot' },
      });
      await trainModel(config, pdir, targets, signal);
      pruned.push(await outputs(pname, sparsity, pdir));
    }
  }
  return { dense, pruned };
}
