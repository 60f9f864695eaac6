// evaluate(predictor, batches): the one prediction -> probability -> metrics path. Per sample the
// index, label, P(malignant) and predicted class (Dice and HD95 for segmentation, box and IoU for
// localization); over all samples the classification metrics (mean Dice and HD95; localization metrics).
// predictionsCsv writes the per-sample rows.
import { Box3d, boxesFromNormalized, localizationMetrics } from './boxes';
import type { InputUnits, VolumeInput } from './input';
import { binaryMetrics, ClassificationMetrics, multiclassMetrics, pickClassificationMetrics } from './metrics';
import type { ModelInfo } from './model_info';
import { argmaxClasses, classProbabilities, positiveScores } from './probabilities';
import { Predictor, prepareInput } from './predictor';
import { dice } from './segmentation';
import { hd95 } from './hausdorff';
import type { Tensor } from '@nodulab/tensor';

/** One batch of labelled volumes. */
export interface LabelledBatch {
  /** The volumes: a Tensor x: (N,C,D,H,W) or anything else {@link prepareInput} takes. */
  x: VolumeInput | readonly VolumeInput[];
  /** Class of each volume (N). */
  labels: ArrayLike<number>;
  /** Sample index of each volume in its dataset (default: running count from 0). */
  indices?: readonly number[];
  /** Segmentation: the true mask of each volume, D·H·W voxels each. */
  masks?: readonly ArrayLike<number>[];
  /** Localization: the true box of each volume, in voxels. */
  boxes?: readonly Box3d[];
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Units of the batches' volumes: 'normalized' (default: network units) or 'HU' (the model's window is applied). */
  units?: InputUnits;
  /** P(malignant) at or above which a sample is called malignant (default 0.5). */
  threshold?: number;
  /** Called after each batch with the number of samples done. */
  onProgress?: (done: number) => void;
  /**
   * Called with each batch's model output (logits (N, K) or per voxel (N, K, D, H, W)) and the batch, e.g.
   * to compute a loss from the same forward pass.
   */
  onOutput?: (logits: Tensor, batch: LabelledBatch) => void;
}

/** One classified sample: a row of predictions.csv. */
export interface SamplePrediction {
  index: number;
  label: number;
  /** P(malignant) = softmax(logits)[1]; NaN for a model of more than 2 classes. */
  pMalignant: number;
  /** 2 classes: 1 when pMalignant >= threshold, else 0; K classes: the most probable class. */
  predicted: number;
}

/** A classification model's evaluation. */
export interface ClassificationEvaluation {
  task: 'classification';
  info: ModelInfo;
  predictions: SamplePrediction[];
  /** Logits (N,K) row-major, in the order of `predictions` (for losses or temperature scaling). */
  logits: Float32Array;
  /** Class probabilities softmax(logits) (N,K) row-major, in the order of `predictions` (e.g. for ordinalMetrics). */
  probabilities: Float32Array;
  /** K, the model's classes. */
  numClasses: number;
  metrics: ClassificationMetrics;
  /** m[trueClass][predictedClass]. */
  confusion: number[][];
  threshold: number;
}

/** One segmented sample: Dice and HD95 (mm, at the model's spacing) of the target class (1). */
export interface SegmentationSample {
  index: number;
  label: number;
  dice: number;
  /** 0 when prediction and truth are both empty, Infinity when exactly one is. */
  hd95: number;
}

/** A segmentation model's evaluation. */
export interface SegmentationEvaluation {
  task: 'segmentation';
  info: ModelInfo;
  predictions: SegmentationSample[];
  /**
   * Mean Dice; mean HD95 (mm) over the samples where it is finite, and how many those are (a sample whose
   * prediction or truth alone is empty has no finite HD95).
   */
  metrics: { n: number; meanDice: number; meanHd95: number; hd95Finite: number };
}

/** One localized sample: its predicted box (voxels), IoU with the true box and centre error in mm. */
export interface LocalizationSample {
  index: number;
  label: number;
  box: Box3d;
  iou: number;
  centreErrorMm: number;
}

/** A localization model's evaluation: mean 3D IoU, hit rates at IoU >= 0.5 / 0.25, mean centre error. */
export interface LocalizationEvaluation {
  task: 'localization';
  info: ModelInfo;
  predictions: LocalizationSample[];
  metrics: { n: number; meanIoU: number; hitRate50: number; hitRate25: number; meanCentreErrorMm: number };
}

export type Evaluation = ClassificationEvaluation | SegmentationEvaluation | LocalizationEvaluation;

function checkBatch(b: LabelledBatch, n: number, k: number): void {
  if (b.labels.length !== n) throw new Error(`evaluate: batch ${k} has ${n} volumes but ${b.labels.length} labels`);
  if (b.indices && b.indices.length !== n)
    throw new Error(`evaluate: batch ${k} has ${n} volumes but ${b.indices.length} indices`);
  if (b.masks && b.masks.length !== n)
    throw new Error(`evaluate: batch ${k} has ${n} volumes but ${b.masks.length} masks`);
  if (b.boxes && b.boxes.length !== n)
    throw new Error(`evaluate: batch ${k} has ${n} volumes but ${b.boxes.length} boxes`);
}

/**
 * Runs `predictor` over `batches` and scores it: a 2-class model gets per-sample P(malignant) and
 * predicted class and the five classification metrics; a K-class model (e.g. grades) its arg-max class
 * and {@link multiclassMetrics} (with `probabilities` for ordinal metrics); a segmentation model
 * gets per-sample Dice of class 1 (batches must carry masks) and the mean; a localization model (task
 * 'localization': a box head) gets per-sample boxes and IoU against the batches' true boxes (they must carry
 * them) and {@link localizationMetrics} at the model's spacing. Rejects on an embedding
 * model, an empty set or a batch whose parts disagree in length.
 */
export async function evaluate(
  predictor: Predictor,
  batches: Iterable<LabelledBatch> | AsyncIterable<LabelledBatch>,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const info = predictor.info;
  if (info.task === 'embedding')
    throw new Error(`evaluate: an embedding model; evaluate needs a classification or segmentation model`);
  const threshold = options.threshold ?? 0.5;
  if (!Number.isFinite(threshold)) throw new Error(`evaluate: threshold must be finite, got ${threshold}`);
  const units = options.units ?? 'normalized';
  const indices: number[] = [];
  const labels: number[] = [];
  const scores: number[] = [];
  const logits: Float32Array[] = [];
  const probabilities: Float32Array[] = [];
  const dices: number[] = [];
  const hds: number[] = [];
  const predictedBoxes: Box3d[] = [];
  const trueBoxes: Box3d[] = [];
  let k = 0;
  for await (const b of batches) {
    const x = prepareInput(b.x, info, units);
    const n = x.shape[0];
    checkBatch(b, n, k++);
    const y = await predictor.predict(x);
    options.onOutput?.(y, b);
    if (info.task === 'classification') {
      const p = classProbabilities(y);
      logits.push(y.data);
      probabilities.push(p.data);
      if (p.shape[1] === 2) scores.push(...positiveScores(p));
    } else if (info.task === 'localization') {
      if (!b.boxes) throw new Error('evaluate: a localization model needs batches with true boxes');
      if (y.shape.length !== 2 || y.shape[1] !== 6)
        throw new Error(`evaluate: a localization model must give (N, 6) boxes, got shape (${y.shape.join(', ')})`);
      predictedBoxes.push(...boxesFromNormalized(y.data, info.inputSize));
      trueBoxes.push(...b.boxes);
    } else {
      if (!b.masks) throw new Error('evaluate: a segmentation model needs batches with masks');
      const K = y.shape[1];
      const V = y.size / (n * K);
      const shape = y.shape.slice(2) as [number, number, number];
      for (let i = 0; i < n; i++) {
        const pred = argmaxClasses(y.data.subarray(i * K * V, (i + 1) * K * V), K, V);
        dices.push(dice(pred, b.masks[i]));
        hds.push(hd95(pred, b.masks[i], shape, { spacing: info.spacing }));
      }
    }
    for (let i = 0; i < n; i++) {
      indices.push(b.indices ? b.indices[i] : indices.length);
      labels.push(b.labels[i]);
    }
    options.onProgress?.(labels.length);
  }
  if (labels.length === 0) throw new Error('evaluate: no samples');
  if (info.task === 'localization') {
    const { ious, centreErrorsMm, ...metrics } = localizationMetrics(predictedBoxes, trueBoxes, {
      spacing: info.spacing,
    });
    const predictions = indices.map((index, i) => ({
      index,
      label: labels[i],
      box: predictedBoxes[i],
      iou: ious[i],
      centreErrorMm: centreErrorsMm[i],
    }));
    return { task: 'localization', info, predictions, metrics };
  }
  if (info.task === 'segmentation') {
    const predictions = indices.map((index, i) => ({ index, label: labels[i], dice: dices[i], hd95: hds[i] }));
    const finite = hds.filter(Number.isFinite);
    return {
      task: 'segmentation',
      info,
      predictions,
      metrics: {
        n: dices.length,
        meanDice: dices.reduce((a, b) => a + b, 0) / dices.length,
        meanHd95: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN,
        hd95Finite: finite.length,
      },
    };
  }
  const joined = (parts: Float32Array[]): Float32Array => {
    const all = new Float32Array(parts.reduce((a, l) => a + l.length, 0));
    parts.reduce((off, l) => (all.set(l, off), off + l.length), 0);
    return all;
  };
  const probs = joined(probabilities);
  const numClasses = probs.length / labels.length;
  const base = { task: 'classification' as const, info, logits: joined(logits), probabilities: probs, numClasses };
  if (numClasses !== 2) {
    const m = multiclassMetrics(labels, probs, numClasses);
    const predictions = indices.map((index, i) => ({
      index,
      label: labels[i],
      pMalignant: NaN,
      predicted: m.predicted[i],
    }));
    return { ...base, predictions, metrics: m.metrics, confusion: m.confusion, threshold };
  }
  const m = binaryMetrics(labels, scores, threshold);
  const predictions = indices.map((index, i) => ({
    index,
    label: labels[i],
    pMalignant: scores[i],
    predicted: scores[i] >= threshold ? 1 : 0,
  }));
  return { ...base, predictions, metrics: pickClassificationMetrics(m), confusion: m.confusion, threshold };
}

/** One CSV cell: numbers and booleans as written, text quoted when it holds a comma, quote or line end. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * predictions.csv: a header "index,label,p_malignant,predicted" and one row per sample. With
 * `factors` (one record per prediction, e.g. the generator's factor record of each sample), their
 * fields follow as further columns, named as in the first record, so a reader can recompute any
 * metric per subgroup.
 */
export function predictionsCsv(predictions: readonly SamplePrediction[], factors?: readonly object[]): string {
  if (factors && factors.length !== predictions.length)
    throw new Error(`predictionsCsv: ${factors.length} factor records for ${predictions.length} predictions`);
  const columns = factors && factors.length > 0 ? Object.keys(factors[0]) : [];
  const extra = (i: number): string =>
    columns.length ? ',' + columns.map((c) => csvCell((factors![i] as Record<string, unknown>)[c])).join(',') : '';
  return (
    [
      ['index', 'label', 'p_malignant', 'predicted', ...columns.map(csvCell)].join(','),
      ...predictions.map((p, i) => `${p.index},${p.label},${p.pMalignant},${p.predicted}${extra(i)}`),
    ].join('\n') + '\n'
  );
}
