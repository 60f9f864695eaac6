// Confusion matrices and the binary counts (TP, FP, TN, FN) the threshold metrics are built from.

/** Labels or predicted classes: integers 0..numClasses-1. */
export type ClassArray = ArrayLike<number>;

/** Throws unless `a` is a non-empty array of integers in [0, numClasses). */
export function checkClasses(what: string, name: string, a: ClassArray, numClasses: number): void {
  if (!a || typeof a.length !== 'number') throw new Error(`${what}: ${name} must be an array of class indices`);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new Error(`${what}: ${name}[${i}] = ${v} is not a class index in [0, ${numClasses - 1}]`);
    }
  }
}

/** Throws unless a and b have the same non-zero length. */
export function checkPaired(what: string, a: ArrayLike<unknown>, b: ArrayLike<unknown>, an: string, bn: string): void {
  if (a.length !== b.length) throw new Error(`${what}: ${an} has ${a.length} entries but ${bn} has ${b.length}`);
  if (a.length === 0) throw new Error(`${what}: no samples`);
}

/**
 * The confusion matrix m[trueClass][predictedClass] (counts), like sklearn's confusion_matrix.
 * @param labels true classes (N) @param predicted predicted classes (N) @param numClasses default 2
 */
export function confusionMatrix(labels: ClassArray, predicted: ClassArray, numClasses = 2): number[][] {
  checkPaired('confusionMatrix', labels, predicted, 'labels', 'predicted');
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new Error(`confusionMatrix: numClasses must be an integer >= 2, got ${numClasses}`);
  checkClasses('confusionMatrix', 'labels', labels, numClasses);
  checkClasses('confusionMatrix', 'predicted', predicted, numClasses);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predicted[i]] += 1;
  return m;
}

/** Counts of a binary decision with class `positive` as the positive one. */
export interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** TP, FP, TN, FN of `predicted` against `labels`, `positive` (default 1) being the positive class. */
export function binaryCounts(labels: ClassArray, predicted: ClassArray, positive = 1): BinaryCounts {
  checkPaired('binaryCounts', labels, predicted, 'labels', 'predicted');
  const c: BinaryCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const pos = labels[i] === positive;
    const said = predicted[i] === positive;
    if (pos && said) c.tp++;
    else if (pos) c.fn++;
    else if (said) c.fp++;
    else c.tn++;
  }
  return c;
}
