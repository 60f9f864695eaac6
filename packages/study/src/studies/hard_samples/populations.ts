// The models of the hard-samples study: one seed's datasets (shared per process through the unit's cache), a
// dense model trained from scratch and its copies pruned one-shot at every sparsity and fine-tuned at a reduced
// learning rate; each model's outputs (boxes or classes) on a set, read through @nodulab/eval's one evaluate path.
import * as path from 'path';
import { Dataset, SyntheticDataset } from '@nodulab/data';
import { ClassificationEvaluation, LocalizationEvaluation, datasetBatches, evaluate } from '@nodulab/eval';
import { ForwardWorker } from '@nodulab/nn';
import { LossKind, RunConfig, loadRun, netPredictor, train } from '@nodulab/train';
import type { UnitContext } from '../../framework/study';
import type { ModelOutputs, SetOutputs } from './results';
import { HardSamplesSpec, datasetSpecOf, runConfigOf } from './spec';
import { unitProgress } from '../../framework/progress';

/** The datasets of one seed: the training pool, the classifiers' training set, validation and test sets. */
export interface SeedData {
  seed: number;
  train: Dataset;
  /** spec.classifier.n samples of the same split and seed: its first spec.n are `train`'s. */
  classTrain: Dataset;
  val: Dataset;
  test: Dataset;
}

/**
 * The seed's datasets (the `localize` preset at the study's volume, data seed 1000 + seed), generated once per
 * process: kept in `cache` under what determines them.
 */
export function seedData(spec: HardSamplesSpec, seed: number, cache: Map<string, unknown>): SeedData {
  const key = `hard-samples/data/${JSON.stringify([spec.volume, spec.n, spec.classifier.n, spec.valN, spec.testN, seed])}`;
  const hit = cache.get(key) as SeedData | undefined;
  if (hit) return hit;
  const ds = datasetSpecOf(spec);
  const dataSeed = 1000 + seed;
  const set = (split: string, n: number) => new SyntheticDataset(ds, dataSeed, split, n, { cache: true });
  const train = set('train', spec.n);
  const data: SeedData = {
    seed,
    train,
    classTrain: spec.classifier.n === spec.n ? train : set('train', spec.classifier.n),
    val: set('val', spec.valN),
    test: set('test', spec.testN),
  };
  cache.set(key, data);
  return data;
}

/** What a model trains and validates on. */
export interface TrainSets {
  train: Dataset;
  val: Dataset;
}

/** Trains `config` into `dir` on `sets`, reporting progress; throws unless it completed. */
export async function trainModel(
  config: RunConfig,
  dir: string,
  sets: TrainSets,
  ctx: Pick<UnitContext<unknown>, 'signal' | 'progress'>,
): Promise<void> {
  const s = await train(config, {
    outDir: dir,
    sources: sets,
    signal: ctx.signal,
    stepThread: 'main',
    onProgress: (p) => ctx.progress(unitProgress(p, `${config.name}: ${p.stage}`)),
  });
  if (s.status !== 'completed') throw new Error(`hard-samples: stopped during ${config.name}; nothing was kept`);
}

/** The best checkpoint of the run in `dir` on `set`: boxes and IoUs (box loss) or predicted classes and metrics. */
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
    await ForwardWorker.of(net.model).close();
  }
}

/** The learning rate a pruned model is fine-tuned at: spec.fineTuneLrScale × its dense model's. */
export function fineTuneLr(spec: Pick<HardSamplesSpec, 'fineTuneLrScale'>, dense: RunConfig): number {
  return dense.optimizer.lr * spec.fineTuneLrScale;
}

/**
 * The run-config changes of pruned model `k` at `sparsity` beside its dense model's config: one-shot pruned from the
 * dense model in `denseDir` and fine-tuned (pruneFrom 'dense'), or trained independently from model seed models + k
 * with gradual pruning from 20% to 80% of the dense epochs (pruneFrom 'scratch').
 */
export function prunedRunChanges(
  spec: Pick<HardSamplesSpec, 'pruneFrom' | 'fineTuneEpochs' | 'fineTuneLrScale' | 'models'>,
  dense: RunConfig,
  denseDir: string,
  k: number,
  sparsity: number,
): { modelSeed: number; extra: Record<string, unknown> } {
  if (spec.pruneFrom === 'scratch') {
    const e = dense.epochs;
    const beginEpoch = Math.floor(0.2 * e);
    const endEpoch = Math.min(e, Math.max(beginEpoch + 1, Math.round(0.8 * e)));
    return {
      modelSeed: spec.models + k,
      extra: { prune: { sparsity, scope: 'global', schedule: 'gradual', beginEpoch, endEpoch, frequency: 1 } },
    };
  }
  return {
    modelSeed: k,
    extra: {
      epochs: spec.fineTuneEpochs,
      optimizer: { lr: fineTuneLr(spec, dense) },
      init: { checkpoint: denseDir, part: 'all' },
      prune: { sparsity, scope: 'global', schedule: 'oneshot' },
    },
  };
}

/**
 * Dense model `k` (model seed k) trained with `loss` on `sets`, and pruned models at every sparsity (see
 * prunedRunChanges), into `root` as `${loss}-dense<k>[-pruned<s>]`; each model's outputs on `pool` (the training pool)
 * and `test`, scored against their true boxes. Folders in the result are relative to `root`.
 */
export async function trainPopulation(
  spec: HardSamplesSpec,
  seed: number,
  loss: LossKind,
  k: number,
  sets: TrainSets,
  evalOn: { pool: Dataset; test: Dataset },
  root: string,
  ctx: Pick<UnitContext<unknown>, 'signal' | 'progress' | 'phase'>,
): Promise<ModelOutputs[]> {
  const sizes = { train: sets.train.length, val: sets.val.length };
  const outputs = async (name: string, sparsity: number): Promise<ModelOutputs> => ({
    name,
    sparsity,
    dir: name,
    train: await modelOutputs(path.join(root, name), evalOn.pool),
    test: await modelOutputs(path.join(root, name), evalOn.test),
  });
  const name = `${loss}-dense${k}`;
  ctx.phase(`${name} (seed ${seed})`);
  const denseConfig = runConfigOf(spec, seed, loss, name, k, sizes);
  await trainModel(denseConfig, path.join(root, name), sets, ctx);
  const models = [await outputs(name, 0)];
  for (const sparsity of spec.sparsities) {
    const pname = `${name}-pruned${Math.round(sparsity * 100)}`;
    ctx.phase(`${pname} (seed ${seed})`);
    const changes = prunedRunChanges(spec, denseConfig, path.join(root, name), k, sparsity);
    const config = runConfigOf(spec, seed, loss, pname, changes.modelSeed, sizes, changes.extra);
    await trainModel(config, path.join(root, pname), sets, ctx);
    models.push(await outputs(pname, sparsity));
  }
  return models;
}
