// Validation after each epoch, in eval mode without a graph: for classifying stages the CE loss and
// @nodulab/eval's binary metrics (accuracy, sensitivity, specificity, balanced accuracy, AUROC) of
// P(malignant); for contrastive pretraining the contrastive loss on fixed augmented views.
import { Tensor, crossEntropy, noGrad, softmax } from '@nodulab/tensor';
import { Compose, TwoViewPipeline } from '@nodulab/data';
import { binaryMetrics } from '@nodulab/eval';
import type { RunConfig } from './config';
import { DataSource, evalBatches } from './data_source';
import type { TrainableNet } from './model';
import type { Objective } from './objectives';
import { derivedGenerator } from './seeds';
import { yieldToEventLoop } from './yield';

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

/** Logits (N, 2) of every sample of `source` in eval mode, in index order; yields to the event loop between batches. */
export async function predictLogits(net: TrainableNet, source: DataSource, batchSize: number): Promise<{ logits: Float32Array; labels: Int32Array }> {
  net.model.eval();
  const logits = new Float32Array(source.size * 2);
  const labels = new Int32Array(source.size);
  for (const idx of evalBatches(source.size, batchSize)) {
    const b = source.batch(idx);
    logits.set(noGrad(() => net.head.forward(net.embed(b.x))).data, idx[0] * 2);
    labels.set(b.labels, idx[0]);
    await yieldToEventLoop();
  }
  return { logits, labels };
}

/** Validates `net` on `source` for a stage trained with `objective` (yielding between batches). */
export async function validate(net: TrainableNet, objective: Objective, source: DataSource, config: RunConfig, augment: Compose | null): Promise<ValidationMetrics> {
  if (objective.classifies) {
    const { logits, labels } = await predictLogits(net, source, config.batchSize);
    const t = new Tensor(logits, [source.size, 2]);
    const loss = noGrad(() => crossEntropy(t, labels, config.classWeights ? { weight: config.classWeights } : {})).item();
    const p = softmax(t).data;
    const scores = Float64Array.from({ length: source.size }, (_, i) => p[2 * i + 1]);
    const m = binaryMetrics(labels, scores);
    return { n: m.n, loss, accuracy: m.accuracy, sensitivity: m.sensitivity, specificity: m.specificity, balancedAccuracy: m.balancedAccuracy, auroc: m.auroc };
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
