// Classification metrics: accuracy, sensitivity, specificity, balanced accuracy, AUROC (rank-based,
// ties averaged), one call computing all of them from labels and positive-class scores, and the five
// that nodulab reports everywhere (classificationMetrics).
import { binaryCounts, checkClasses, checkPaired, ClassArray, confusionMatrix } from './confusion';

/** Fraction of samples whose predicted class equals the label. */
export function accuracy(labels: ClassArray, predicted: ClassArray): number {
  checkPaired('accuracy', labels, predicted, 'labels', 'predicted');
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) right++;
  return right / labels.length;
}

/** TP / (TP + FN): recall of the positive class (default 1). NaN when there are no positives. */
export function sensitivity(labels: ClassArray, predicted: ClassArray, positive = 1): number {
  const c = binaryCounts(labels, predicted, positive);
  return c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : NaN;
}

/** TN / (TN + FP): recall of the negative samples (all but `positive`). NaN when there are none. */
export function specificity(labels: ClassArray, predicted: ClassArray, positive = 1): number {
  const c = binaryCounts(labels, predicted, positive);
  return c.tn + c.fp > 0 ? c.tn / (c.tn + c.fp) : NaN;
}

/** (sensitivity + specificity) / 2: accuracy that does not reward predicting the majority class. */
export function balancedAccuracy(labels: ClassArray, predicted: ClassArray, positive = 1): number {
  return (sensitivity(labels, predicted, positive) + specificity(labels, predicted, positive)) / 2;
}

/**
 * Area under the ROC curve of `scores` (higher = more positive) for class `positive`, by the
 * Mann-Whitney U statistic: mean rank of the positives, tied scores getting their average rank
 * (so a tie counts 1/2). NaN when either class is absent. Throws on a NaN score.
 */
export function auroc(labels: ClassArray, scores: ArrayLike<number>, positive = 1): number {
  checkPaired('auroc', labels, scores, 'labels', 'scores');
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i])) throw new Error(`auroc: scores[${i}] is NaN`);
  order.sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const avgRank = (start + 1 + end) / 2; // ranks start+1 .. end, averaged
    for (let k = start; k < end; k++) {
      if (labels[order[k]] === positive) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    start = end;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Every binary metric of one evaluation. */
export interface BinaryMetrics {
  n: number;
  accuracy: number;
  sensitivity: number;
  specificity: number;
  balancedAccuracy: number;
  auroc: number;
  /** m[trueClass][predictedClass]. */
  confusion: number[][];
  threshold: number;
}

/**
 * All binary metrics from labels (0/1) and positive-class scores (e.g. P(malignant)): a sample is
 * predicted positive when its score >= `threshold` (default 0.5); AUROC uses the scores themselves.
 */
export function binaryMetrics(labels: ClassArray, scores: ArrayLike<number>, threshold = 0.5): BinaryMetrics {
  checkPaired('binaryMetrics', labels, scores, 'labels', 'scores');
  checkClasses('binaryMetrics', 'labels', labels, 2);
  if (!Number.isFinite(threshold)) throw new Error(`binaryMetrics: threshold must be finite, got ${threshold}`);
  const predicted = Array.from(scores, (s) => (s >= threshold ? 1 : 0));
  return {
    n: labels.length,
    accuracy: accuracy(labels, predicted),
    sensitivity: sensitivity(labels, predicted),
    specificity: specificity(labels, predicted),
    balancedAccuracy: balancedAccuracy(labels, predicted),
    auroc: auroc(labels, scores),
    confusion: confusionMatrix(labels, predicted, 2),
    threshold,
  };
}

/** The five classification metrics nodulab reports (validation, studies, `nodulab evaluate`), in order. */
export const CLASSIFICATION_METRICS = ['accuracy', 'sensitivity', 'specificity', 'balancedAccuracy', 'auroc'] as const;
export type ClassificationMetricName = (typeof CLASSIFICATION_METRICS)[number];

/** The sample count and the five reported metrics. */
export type ClassificationMetrics = { n: number } & Record<ClassificationMetricName, number>;

/** The {@link CLASSIFICATION_METRICS} (and n) of a full binary evaluation. */
export function pickClassificationMetrics(m: BinaryMetrics): ClassificationMetrics {
  const out = { n: m.n } as ClassificationMetrics;
  for (const k of CLASSIFICATION_METRICS) out[k] = m[k];
  return out;
}

/**
 * Accuracy, sensitivity, specificity, balanced accuracy and AUROC from labels (0/1) and P(malignant)
 * scores; a sample is called malignant when its score >= `threshold` (default 0.5).
 */
export function classificationMetrics(
  labels: ClassArray,
  scores: ArrayLike<number>,
  threshold = 0.5,
): ClassificationMetrics {
  return pickClassificationMetrics(binaryMetrics(labels, scores, threshold));
}

/** One line "n=… accuracy=0.1234 sensitivity=… auroc=…" (4 decimals), as `nodulab evaluate` prints it. */
export function formatClassificationMetrics(m: ClassificationMetrics, digits = 4): string {
  return [`n=${m.n}`, ...CLASSIFICATION_METRICS.map((k) => `${k}=${m[k].toFixed(digits)}`)].join(' ');
}

/**
 * The {@link CLASSIFICATION_METRICS} of a K-class model (K > 2) from labels 0..K-1 and class probabilities (N, K)
 * row-major: accuracy of the arg-max class; balanced accuracy as the mean recall over the classes present (sklearn's
 * `balanced_accuracy_score`); AUROC as the mean one-vs-rest AUROC over the classes that are present and absent in
 * some samples (sklearn's `roc_auc_score(multi_class='ovr', average='macro')`); sensitivity and specificity, which
 * need one positive class, are NaN. Also the arg-max classes and the K × K confusion matrix.
 */
export function multiclassMetrics(
  labels: ClassArray,
  probabilities: ArrayLike<number>,
  numClasses: number,
): { metrics: ClassificationMetrics; predicted: number[]; confusion: number[][] } {
  const what = 'multiclassMetrics';
  const n = labels.length;
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new Error(`${what}: numClasses must be an integer >= 2, got ${numClasses}`);
  if (probabilities.length !== n * numClasses)
    throw new Error(
      `${what}: probabilities has ${probabilities.length} entries, expected N × K = ${n} × ${numClasses}`,
    );
  checkClasses(what, 'labels', labels, numClasses);
  const predicted = Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < numClasses; c++)
      if (probabilities[i * numClasses + c] > probabilities[i * numClasses + best]) best = c;
    return best;
  });
  const confusion = confusionMatrix(labels, predicted, numClasses);
  const recalls: number[] = [];
  const aurocs: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const count = confusion[c].reduce((a, b) => a + b, 0);
    if (count === 0) continue;
    recalls.push(confusion[c][c] / count);
    if (count < n) {
      const scores = Float64Array.from({ length: n }, (_, i) => probabilities[i * numClasses + c]);
      aurocs.push(auroc(labels, scores, c));
    }
  }
  const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);
  return {
    metrics: {
      n,
      accuracy: accuracy(labels, predicted),
      sensitivity: NaN,
      specificity: NaN,
      balancedAccuracy: mean(recalls),
      auroc: mean(aurocs),
    },
    predicted,
    confusion,
  };
}
