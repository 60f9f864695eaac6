// Validation after each epoch, in eval mode without a graph: for classifying stages the CE loss and
// the classification metrics of @nodulab/eval's evaluate (accuracy, sensitivity, specificity, balanced
// accuracy, AUROC of P(malignant)); for contrastive pretraining the contrastive loss on fixed augmented views.
import { Tensor, crossEntropy, noGrad, yieldToEventLoop } from '@nodulab/tensor';
import { Compose, TwoViewPipeline } from '@nodulab/data';
import { LabelledBatch, ModulePredictor, describeModel, evaluate } from '@nodulab/eval';
import type { RunConfig } from './config';
import { DataSource, evalBatches } from './data_source';
import type { TrainableNet } from './model';
import type { Objective } from './objectives';
import { derivedGenerator } from './seeds';

/** Validation results of one epoch; classification metrics only for classifying stages. */
export interface ValidationMetrics {
  n: number;
  loss: number;
  accuracy?: number;
  sensitivity?: number;
  specificity?: number;
  balancedAccuracy?: number;
  auroc?: number;
}

/** The samples of `source` in index order, in batches of `batchSize` (the last one possibly smaller). */
export function* sourceBatches(source: DataSource, batchSize: number): Generator<LabelledBatch> {
  for (const indices of evalBatches(source.size, batchSize)) {
    const b = source.batch(indices);
    yield { x: b.x, labels: b.labels, indices };
  }
}

/** `net` as an in-process predictor of volumes shaped like `source`'s, already in network units. */
export function netPredictor(net: TrainableNet, source: DataSource): ModulePredictor {
  return new ModulePredictor(net.model, describeModel(net.model, { inputSize: source.shape, spacing: source.spacing, window: null }));
}

/** Validates `net` on `source` for a stage trained with `objective` (yielding between batches). */
export async function validate(net: TrainableNet, objective: Objective, source: DataSource, config: RunConfig, augment: Compose | null): Promise<ValidationMetrics> {
  if (objective.classifies) {
    const r = await evaluate(netPredictor(net, source), sourceBatches(source, config.batchSize));
    if (r.task !== 'classification') throw new Error(`validate: ${r.info.modelKind} is not a classifier`);
    const labels = Int32Array.from(r.predictions, (p) => p.label);
    const logits = new Tensor(r.logits, [labels.length, r.logits.length / labels.length]);
    const loss = noGrad(() => crossEntropy(logits, labels, config.classWeights ? { weight: config.classWeights } : {})).item();
    const { n, ...metrics } = r.metrics;
    return { n, loss, ...metrics };
  }
  // Contrastive: the same augmented views every epoch (a fixed stream), batches as in training.
  if (!augment) throw new Error(`validate: the ${objective.name} objective needs an augmentation pipeline`);
  const views = new TwoViewPipeline(augment);
  net.model.eval();
  let sum = 0;
  let count = 0;
  const batches = evalBatches(source.size, config.batchSize);
  for (let k = 0; k < batches.length; k++) {
    const idx = batches[k];
    if (idx.length < 2) continue;
    const b = source.batch(idx);
    const { x1, x2 } = views.batch(b.x, derivedGenerator(config.seed, 'val-views', k), { spacing: source.spacing });
    sum += noGrad(() => objective.step(net, { x1, x2, labels: b.labels }).loss.item()) * idx.length;
    count += idx.length;
    await yieldToEventLoop();
  }
  return { n: count, loss: count > 0 ? sum / count : NaN };
}
