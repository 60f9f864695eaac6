// Validation after each epoch, in eval mode without a graph: for classifying stages the CE loss and
// the classification metrics of @nodulab/eval's evaluate (accuracy, sensitivity, specificity, balanced
// accuracy, AUROC of P(malignant)); for segmentation the Dice + CE loss, mean Dice and HD95 through the same
// evaluate; for localization the box loss and evaluate's localization metrics (mean IoU, hit rates, centre
// error); for contrastive pretraining the contrastive loss on fixed augmented views.
import { Tensor, boxRegressionLoss, crossEntropy, noGrad } from '@nodulab/tensor';
import { yieldToEventLoop } from '@nodulab/platform';
import { Compose, DataLoader, Dataset } from '@nodulab/data';
import type { AsyncForward } from '@nodulab/nn';
import { ModulePredictor, datasetBatches, datasetBox, describeModel, evaluate, normalizeBox } from '@nodulab/eval';
import type { RunConfig } from './config';
import type { TrainableNet } from './model';
import { type Objective, diceCrossEntropy } from './objectives';
import { derivedSeed } from './seeds';

/** Validation results of one epoch; classification metrics only for classifying stages. */
export interface ValidationMetrics {
  n: number;
  loss: number;
  accuracy?: number;
  sensitivity?: number;
  specificity?: number;
  balancedAccuracy?: number;
  auroc?: number;
  /** Segmentation: mean Dice of the target class. */
  dice?: number;
  /** Segmentation: mean HD95 in mm over the samples where it is finite (NaN when none is). */
  hd95?: number;
  /** Localization: mean 3D IoU, hit rates at IoU >= 0.5 / 0.25, mean centre error (mm). */
  meanIoU?: number;
  hitRate50?: number;
  hitRate25?: number;
  meanCentreErrorMm?: number;
}

/**
 * `net` as an in-process predictor of volumes shaped like `source`'s, already in network units: a classifier, or
 * with `output: 'boxes'` a localizer. Its forward pass runs on `forward` (e.g. a training run's
 * `StepRunner.forward`), by default on the model's shared ForwardWorker (call the predictor's `release()` when done).
 */
export function netPredictor(
  net: TrainableNet,
  source: Dataset,
  output: 'logits' | 'boxes' = 'logits',
  forward?: AsyncForward,
): ModulePredictor {
  return new ModulePredictor(
    net.model,
    describeModel(net.model, { inputSize: source.shape, spacing: source.spacing, window: null, output }),
    { forward },
  );
}

/**
 * Validates `net` on `source` for a stage trained with `objective` (yielding between batches); the model's
 * forward passes run on `forward` (a run's `StepRunner.forward`; default: the model's shared ForwardWorker).
 */
export async function validate(
  net: TrainableNet,
  objective: Objective,
  source: Dataset,
  config: RunConfig,
  augment: Compose | null,
  forward?: AsyncForward,
): Promise<ValidationMetrics> {
  if (objective.segments) {
    let sum = 0;
    const onOutput = (logits: Tensor, b: { masks?: readonly ArrayLike<number>[] }) => {
      const n = logits.shape[0];
      const masks = new Float32Array(logits.size / logits.shape[1]);
      b.masks!.forEach((m, i) => masks.set(m, (i * masks.length) / n));
      const target = new Tensor(masks, [n, 1, ...logits.shape.slice(2)]);
      sum += noGrad(() => diceCrossEntropy(logits, target, config)).item() * n;
    };
    const r = await evaluate(
      netPredictor(net, source, 'logits', forward),
      datasetBatches(source, config.batchSize, { masks: true }),
      { onOutput },
    );
    if (r.task !== 'segmentation') throw new Error(`validate: ${r.info.modelKind} is not a segmentation model`);
    const { n, meanDice, meanHd95 } = r.metrics;
    return { n, loss: sum / n, dice: meanDice, hd95: meanHd95 };
  }
  if (objective.localizes) {
    const r = await evaluate(
      netPredictor(net, source, 'boxes', forward),
      datasetBatches(source, config.batchSize, { boxes: true }),
    );
    if (r.task !== 'localization') throw new Error(`validate: ${r.info.modelKind} is not a localizer`);
    const pred = new Float32Array(r.predictions.length * 6);
    const truth = new Float32Array(r.predictions.length * 6);
    r.predictions.forEach((p, i) => {
      pred.set(normalizeBox(p.box, source.shape), i * 6);
      truth.set(normalizeBox(datasetBox(source, p.index), source.shape), i * 6);
    });
    const shape = [r.predictions.length, 6];
    const loss = noGrad(() => boxRegressionLoss(new Tensor(pred, shape), new Tensor(truth, shape))).item();
    return { loss, ...r.metrics };
  }
  if (objective.classifies) {
    const r = await evaluate(netPredictor(net, source, 'logits', forward), datasetBatches(source, config.batchSize));
    if (r.task !== 'classification') throw new Error(`validate: ${r.info.modelKind} is not a classifier`);
    const labels = Int32Array.from(r.predictions, (p) => p.label);
    const logits = new Tensor(r.logits, [labels.length, r.logits.length / labels.length]);
    const loss = noGrad(() =>
      crossEntropy(logits, labels, config.classWeights ? { weight: config.classWeights } : {}),
    ).item();
    const { n, ...metrics } = r.metrics;
    return { n, loss, ...metrics };
  }
  // Contrastive: the same augmented views every epoch (a fixed stream), batches as in training.
  if (!augment) throw new Error(`validate: the ${objective.name} objective needs an augmentation pipeline`);
  const seed = (_epoch: number, step: number): number => derivedSeed(config.seed, 'val-views', step);
  const views = new DataLoader(source, {
    batchSize: config.batchSize,
    transform: { pipeline: augment, views: 2, seed },
  });
  net.model.eval();
  let sum = 0;
  let count = 0;
  for (const b of views) {
    if (b.labels.length < 2) continue;
    sum +=
      noGrad(() => objective.step(net, { x1: b.x, x2: b.x2 as Tensor, labels: b.labels }).loss.item()) *
      b.labels.length;
    count += b.labels.length;
    await yieldToEventLoop();
  }
  return { n: count, loss: count > 0 ? sum / count : NaN };
}
