// Validation after each epoch, in eval mode without a graph: for classifying stages the CE loss and
// @nodulab/eval's binary metrics (accuracy, sensitivity, specificity, balanced accuracy, AUROC) of
// P(malignant); for contrastive pretraining the contrastive loss on fixed augmented views.
import { Tensor, crossEntropy, noGrad, softmax } from '@nodulab/tensor';
import { Compose, DataLoader, Dataset } from '@nodulab/data';
import { binaryMetrics } from '@nodulab/eval';
import type { RunConfig } from './config';
import type { TrainableNet } from './model';
import type { Objective } from './objectives';
import { derivedSeed } from './seeds';
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
export async function predictLogits(net: TrainableNet, source: Dataset, batchSize: number): Promise<{ logits: Float32Array; labels: Int32Array }> {
  net.model.eval();
  const logits = new Float32Array(source.length * 2);
  const labels = new Int32Array(source.length);
  for (const b of new DataLoader(source, { batchSize })) {
    logits.set(noGrad(() => net.head.forward(net.embed(b.x))).data, b.indices[0] * 2);
    labels.set(b.labels, b.indices[0]);
    await yieldToEventLoop();
  }
  return { logits, labels };
}

/** Validates `net` on `source` for a stage trained with `objective` (yielding between batches). */
export async function validate(net: TrainableNet, objective: Objective, source: Dataset, config: RunConfig, augment: Compose | null): Promise<ValidationMetrics> {
  if (objective.classifies) {
    const { logits, labels } = await predictLogits(net, source, config.batchSize);
    const t = new Tensor(logits, [source.length, 2]);
    const loss = noGrad(() => crossEntropy(t, labels, config.classWeights ? { weight: config.classWeights } : {})).item();
    const p = softmax(t).data;
    const scores = Float64Array.from({ length: source.length }, (_, i) => p[2 * i + 1]);
    const m = binaryMetrics(labels, scores);
    return { n: m.n, loss, accuracy: m.accuracy, sensitivity: m.sensitivity, specificity: m.specificity, balancedAccuracy: m.balancedAccuracy, auroc: m.auroc };
  }
  // Contrastive: the same augmented views every epoch (a fixed stream), batches as in training.
  if (!augment) throw new Error(`validate: the ${objective.name} objective needs an augmentation pipeline`);
  const seed = (_epoch: number, step: number): number => derivedSeed(config.seed, 'val-views', step);
  const views = new DataLoader(source, { batchSize: config.batchSize, transform: { pipeline: augment, views: 2, seed } });
  net.model.eval();
  let sum = 0;
  let count = 0;
  for (const b of views) {
    if (b.labels.length < 2) continue;
    sum += noGrad(() => objective.step(net, { x1: b.x, x2: b.x2 as Tensor, labels: b.labels }).loss.item()) * b.labels.length;
    count += b.labels.length;
    await yieldToEventLoop();
  }
  return { n: count, loss: count > 0 ? sum / count : NaN };
}
