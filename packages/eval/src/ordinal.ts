// Metrics of an ordinal target (e.g. a nodule grade 1–5 as classes 0..K-1): quadratic weighted kappa
// (Cohen's kappa with squared-distance weights, as in diabetic-retinopathy grading), and one call giving
// multi-class accuracy, kappa and the AUROC of "grade >= t" from class probabilities.
import { checkClasses, checkPaired, ClassArray, confusionMatrix } from './confusion';
import { accuracy, auroc } from './metrics';

/**
 * Quadratic weighted kappa of two ratings on K ordered classes, like sklearn's
 * `cohen_kappa_score(labels, predicted, weights='quadratic')`:
 * κ = 1 − Σ w·O / Σ w·E with O the confusion matrix, E the outer product of its row and column sums over N
 * (the counts expected by chance) and w_ij = (i − j)² / (K − 1)². 1 is perfect agreement, 0 chance level,
 * −1 complete disagreement. NaN when Σ w·E = 0 (both ratings use one and the same class).
 * @param labels true classes 0..numClasses-1 (N) @param predicted predicted classes (N)
 * @param numClasses K >= 2 (default: 1 + the largest class seen)
 */
export function quadraticWeightedKappa(labels: ClassArray, predicted: ClassArray, numClasses?: number): number {
  checkPaired('quadraticWeightedKappa', labels, predicted, 'labels', 'predicted');
  let top = 1;
  for (let i = 0; i < labels.length; i++) top = Math.max(top, labels[i], predicted[i]);
  const k = numClasses ?? top + 1;
  if (!Number.isInteger(k) || k < 2)
    throw new Error(`quadraticWeightedKappa: numClasses must be an integer >= 2, got ${numClasses}`);
  const o = confusionMatrix(labels, predicted, k);
  const n = labels.length;
  const rows = o.map((r) => r.reduce((s, v) => s + v, 0));
  const cols = o[0].map((_, j) => o.reduce((s, r) => s + r[j], 0));
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = (i - j) ** 2 / (k - 1) ** 2;
      observed += w * o[i][j];
      expected += (w * rows[i] * cols[j]) / n;
    }
  }
  return expected > 0 ? 1 - observed / expected : NaN;
}

/** The metrics of an ordinal evaluation. */
export interface OrdinalMetrics {
  n: number;
  /** Fraction of samples whose most probable class is the label. */
  accuracy: number;
  /** Quadratic weighted kappa of the most probable class against the label. */
  kappa: number;
  /** AUROC of P(class >= positiveFrom) for the binary target "label >= positiveFrom". */
  auroc: number;
  /** The class index the AUROC's positive target starts at. */
  positiveFrom: number;
  /** m[trueClass][predictedClass], K × K. */
  confusion: number[][];
}

/**
 * Ordinal metrics from labels and class probabilities: accuracy and quadratic weighted kappa of the arg-max
 * class, and the AUROC of "label >= positiveFrom" scored by the summed probability of those classes (for
 * grades 1–5 as classes 0–4, `positiveFrom: 3` is "grade >= 4").
 * @param labels classes 0..K-1 (N)
 * @param probabilities (N, K) row-major, e.g. softmax outputs
 * @param numClasses K
 * @param options.positiveFrom the first class of the AUROC's positive target (default K − 2)
 */
export function ordinalMetrics(
  labels: ClassArray,
  probabilities: ArrayLike<number>,
  numClasses: number,
  options: { positiveFrom?: number } = {},
): OrdinalMetrics {
  const what = 'ordinalMetrics';
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new Error(`${what}: numClasses must be an integer >= 2, got ${numClasses}`);
  const n = labels.length;
  if (n === 0) throw new Error(`${what}: no samples`);
  if (probabilities.length !== n * numClasses)
    throw new Error(
      `${what}: probabilities has ${probabilities.length} entries, expected N × K = ${n} × ${numClasses}`,
    );
  checkClasses(what, 'labels', labels, numClasses);
  const from = options.positiveFrom ?? numClasses - 2;
  if (!Number.isInteger(from) || from < 1 || from >= numClasses)
    throw new Error(`${what}: positiveFrom must be an integer in [1, ${numClasses - 1}], got ${options.positiveFrom}`);
  const predicted = new Int32Array(n);
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 0; c < numClasses; c++) {
      const p = probabilities[i * numClasses + c];
      if (!Number.isFinite(p)) throw new Error(`${what}: probabilities[${i}][${c}] is ${p}`);
      if (p > probabilities[i * numClasses + best]) best = c;
      if (c >= from) score[i] += p;
    }
    predicted[i] = best;
  }
  const positive = Array.from(labels, (l) => (l >= from ? 1 : 0));
  return {
    n,
    accuracy: accuracy(labels, predicted),
    kappa: quadraticWeightedKappa(labels, predicted, numClasses),
    auroc: auroc(positive, score),
    positiveFrom: from,
    confusion: confusionMatrix(labels, predicted, numClasses),
  };
}
