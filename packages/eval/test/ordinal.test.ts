// Quadratic weighted kappa against matrices worked out by hand, and the ordinal metrics of probabilities.
import { ordinalMetrics, quadraticWeightedKappa } from '../src';

describe('quadraticWeightedKappa', () => {
  it.each([
    // perfect agreement, on 5 grades
    ['perfect', [0, 1, 2, 3, 4, 2], [0, 1, 2, 3, 4, 2], 5, 1],
    // O = [[1,0,0],[0,0,1],[0,0,1]], rows (1,1,1), cols (1,0,2): sum wO = 1/4, sum wE = 2/3 + 1/4 + 1/3 = 5/4
    ['one grade off', [0, 1, 2], [0, 2, 2], 3, 1 - 0.25 / 1.25],
    // reversed: sum wO = 1 + 0 + 1 = 2, E = 1/3 everywhere so sum wE = (sum of w) / 3 = 1
    ['reversed', [0, 1, 2], [2, 1, 0], 3, -1],
    // two classes: Cohen's kappa, p_o = 3/4, p_e = 1/2 -> 1/2
    ['binary', [0, 0, 1, 1], [0, 1, 1, 1], 2, 0.5],
    // an unused class widens the weights: K = 4, O has (0,0),(1,1),(2,3); w(2,3) = 1/9
    // rows (1,1,1,0), cols (1,1,0,1): sum wE = [w01 + w03 + w10 + w13 + w20 + w21 + w23] / 3 = (1+9+1+4+4+1+1)/9/3
    ['unused class', [0, 1, 2], [0, 1, 3], 4, 1 - 1 / 9 / (21 / 27)],
  ])('%s', (_name, labels, predicted, k, want) => {
    expect(quadraticWeightedKappa(labels, predicted, k)).toBeCloseTo(want, 12);
  });

  it('penalizes a far miss more than a near one', () => {
    const labels = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
    const near = [0, 1, 2, 3, 3, 0, 1, 2, 3, 4];
    const far = [0, 1, 2, 3, 0, 0, 1, 2, 3, 4];
    expect(quadraticWeightedKappa(labels, near, 5)).toBeGreaterThan(quadraticWeightedKappa(labels, far, 5));
  });

  it('infers K from the data and is NaN when both ratings use one class', () => {
    expect(quadraticWeightedKappa([0, 1, 2], [0, 2, 2])).toBeCloseTo(0.8, 12);
    expect(quadraticWeightedKappa([1, 1], [1, 1], 3)).toBeNaN();
  });

  it('names bad input', () => {
    expect(() => quadraticWeightedKappa([0, 1], [0], 2)).toThrow(/labels has 2 entries but predicted has 1/);
    expect(() => quadraticWeightedKappa([0, 5], [0, 1], 3)).toThrow(/labels\[1\] = 5 is not a class index/);
    expect(() => quadraticWeightedKappa([0, 1], [0, 1], 1)).toThrow(/numClasses must be an integer >= 2/);
  });
});

describe('ordinalMetrics', () => {
  // 4 samples, 3 classes; arg-max predictions (0, 2, 2, 1)
  const labels = [0, 1, 2, 2];
  const probs = [0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.2, 0.3, 0.5, 0.3, 0.4, 0.3];

  it('accuracy and kappa of the arg-max, AUROC of P(class >= t)', () => {
    const m = ordinalMetrics(labels, probs, 3, { positiveFrom: 2 });
    expect(m.accuracy).toBeCloseTo(2 / 4, 12);
    expect(m.kappa).toBeCloseTo(quadraticWeightedKappa(labels, [0, 2, 2, 1], 3), 12);
    // positives (samples 2, 3) score 0.5 and 0.3; negatives 0.1 and 0.6: pairs won 2 of 4
    expect(m.auroc).toBeCloseTo(0.5, 12);
    // class >= 1: positives 0.9, 0.8, 0.7 vs negative 0.3 -> 1
    expect(ordinalMetrics(labels, probs, 3, { positiveFrom: 1 }).auroc).toBe(1);
    expect(m.confusion).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 1],
    ]);
  });

  it('names bad input', () => {
    expect(() => ordinalMetrics(labels, probs.slice(1), 3)).toThrow(/11 entries, expected N × K = 4 × 3/);
    expect(() => ordinalMetrics(labels, probs, 3, { positiveFrom: 3 })).toThrow(/positiveFrom must be/);
    const nan = probs.slice();
    nan[4] = NaN;
    expect(() => ordinalMetrics(labels, nan, 3)).toThrow(/probabilities\[1\]\[1\] is NaN/);
  });
});
