// Classification metrics against values worked out by hand, and their errors on bad input.
import {
  accuracy,
  auroc,
  balancedAccuracy,
  binaryCounts,
  binaryMetrics,
  confusionMatrix,
  multiclassMetrics,
  sensitivity,
  specificity,
} from '../src';

// predicted at 0.5: [1,1,0,0,1,0,0,1] -> TP 3 (0,1,7), FN 1 (2), FP 1 (4), TN 3 (3,5,6).
const LABELS = [1, 1, 1, 0, 0, 0, 0, 1];
const SCORES = [0.9, 0.8, 0.4, 0.3, 0.6, 0.1, 0.2, 0.7];
const PRED = [1, 1, 0, 0, 1, 0, 0, 1];

describe('threshold metrics', () => {
  it.each([
    ['accuracy', accuracy(LABELS, PRED), 6 / 8],
    ['sensitivity', sensitivity(LABELS, PRED), 3 / 4],
    ['specificity', specificity(LABELS, PRED), 3 / 4],
    ['balanced accuracy', balancedAccuracy(LABELS, PRED), 3 / 4],
    // an imbalanced case: 1 positive found of 2, 5 of 6 negatives right
    ['imbalanced sensitivity', sensitivity([1, 1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 1]), 1 / 2],
    ['imbalanced specificity', specificity([1, 1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 1]), 5 / 6],
    [
      'imbalanced balanced accuracy',
      balancedAccuracy([1, 1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 1]),
      (1 / 2 + 5 / 6) / 2,
    ],
    ['positive class 0', sensitivity([0, 0, 1], [0, 1, 1], 0), 1 / 2],
  ])('%s', (_name, got, want) => {
    expect(got).toBeCloseTo(want as number, 12);
  });

  it('counts and confusion matrix', () => {
    expect(binaryCounts(LABELS, PRED)).toEqual({ tp: 3, fp: 1, tn: 3, fn: 1 });
    expect(confusionMatrix(LABELS, PRED)).toEqual([
      [3, 1],
      [1, 3],
    ]);
    expect(confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1], 3)).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 1],
    ]);
  });

  it('NaN when a class is absent', () => {
    expect(sensitivity([0, 0], [0, 1])).toBeNaN();
    expect(specificity([1, 1], [0, 1])).toBeNaN();
    expect(auroc([1, 1], [0.2, 0.3])).toBeNaN();
  });
});

describe('auroc', () => {
  it.each([
    // 15 of the 16 (positive, negative) pairs are ordered right (0.4 < 0.6)
    ['hand example', LABELS, SCORES, 15 / 16],
    ['perfect', [0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], 1],
    ['reversed', [1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4], 0],
    // pairs: (0.5 vs 0.5) tie = 1/2, (0.5 vs 0.2) = 1, (0.8 vs both) = 2 -> 3.5 / 4
    ['ties averaged', [1, 0, 1, 0], [0.5, 0.5, 0.8, 0.2], 3.5 / 4],
    ['all tied', [1, 0, 1, 0, 0], [1, 1, 1, 1, 1], 0.5],
  ])('%s', (_name, labels, scores, want) => {
    expect(auroc(labels, scores)).toBeCloseTo(want, 12);
  });
});

describe('binaryMetrics', () => {
  it('puts every metric together at a threshold', () => {
    const m = binaryMetrics(LABELS, SCORES, 0.5);
    expect(m).toMatchObject({
      n: 8,
      accuracy: 0.75,
      sensitivity: 0.75,
      specificity: 0.75,
      balancedAccuracy: 0.75,
      threshold: 0.5,
    });
    expect(m.auroc).toBeCloseTo(15 / 16, 12);
    expect(m.confusion).toEqual([
      [3, 1],
      [1, 3],
    ]);
    // at 0.35 sample 2 (0.4) turns positive: TP 4, FP 1
    expect(binaryMetrics(LABELS, SCORES, 0.35).sensitivity).toBe(1);
  });

  it.each([
    [() => accuracy([0, 1], [0]), /labels has 2 entries but predicted has 1/],
    [() => accuracy([], []), /no samples/],
    [() => confusionMatrix([0, 3], [0, 1]), /labels\[1\] = 3 is not a class index/],
    [() => binaryMetrics([0, 1], [0.5, NaN]), /scores\[1\] is NaN/],
    [() => binaryMetrics([0, 0.5], [0.5, 0.1]), /labels\[1\] = 0.5/],
  ])('rejects bad input %#', (fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('multiclassMetrics', () => {
  // 3 classes, 6 samples; arg-max classes 0, 1, 1, 2, 2, 0 against labels 0, 0, 1, 1, 2, 2.
  const labels = [0, 0, 1, 1, 2, 2];
  const probs = [
    [0.7, 0.2, 0.1],
    [0.3, 0.6, 0.1],
    [0.1, 0.8, 0.1],
    [0.2, 0.3, 0.5],
    [0.1, 0.1, 0.8],
    [0.5, 0.1, 0.4],
  ].flat();

  it('gives arg-max accuracy, mean recall and the macro one-vs-rest AUROC', () => {
    const { metrics, predicted, confusion } = multiclassMetrics(labels, probs, 3);
    expect(predicted).toEqual([0, 1, 1, 2, 2, 0]);
    expect(confusion).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [1, 0, 1],
    ]);
    expect(metrics.accuracy).toBeCloseTo(3 / 6, 12);
    expect(metrics.balancedAccuracy).toBeCloseTo(0.5, 12);
    // Hand-computed one-vs-rest AUROCs (positives | negatives, pairs won of 8): class 0 (0.7,0.3 | 0.1,0.2,0.1,0.5)
    // 4 + 3; class 1 (0.8,0.3 | 0.2,0.6,0.1,0.1) 4 + 3; class 2 (0.8,0.4 | 0.1,0.1,0.1,0.5) 4 + 3.
    expect(metrics.auroc).toBeCloseTo(7 / 8, 12);
    expect(Number.isNaN(metrics.sensitivity)).toBe(true);
  });

  it('skips absent classes and rejects bad shapes', () => {
    const m = multiclassMetrics([0, 0, 2, 2], [0.9, 0.05, 0.05, 0.6, 0.1, 0.3, 0.1, 0.1, 0.8, 0.2, 0.1, 0.7], 3);
    expect(m.metrics.balancedAccuracy).toBe(1);
    expect(m.metrics.auroc).toBe(1);
    expect(() => multiclassMetrics([0, 1], [0.5, 0.5], 3)).toThrow(/expected N × K = 2 × 3/);
    expect(() => multiclassMetrics([0, 3], [1, 0, 0, 1, 0, 0], 3)).toThrow(/labels/);
  });
});
