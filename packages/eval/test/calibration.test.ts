// Calibration metrics on hand-made predictions, a perfectly calibrated population (labels drawn from the
// probabilities, seeded), an overconfident one, masks, and the errors on bad input.
import { Generator } from '@nodulab/tensor';
import { CALIBRATION_BINS, calibrationMetrics } from '../src';

describe('calibrationMetrics by hand', () => {
  // Four samples, 2 classes, probs (N, C): confidences 0.9, 0.6, 0.7, 0.95.
  // 0.9 -> bin 13 (0.8667, 0.9333], 0.6 -> bin 8 (0.5333, 0.6], 0.7 -> bin 10 (0.6667, 0.7333], 0.95 -> bin 14.
  const probs = [0.9, 0.1, 0.4, 0.6, 0.7, 0.3, 0.05, 0.95];
  const labels = [0, 0, 0, 1]; // correct, wrong, correct, correct
  const m = calibrationMetrics(probs, [4, 2], labels);

  it('bins, ECE and MCE', () => {
    expect(m.bins).toHaveLength(CALIBRATION_BINS);
    const filled = m.bins.map((b, i) => [i, b.count]).filter(([, c]) => c > 0);
    expect(filled).toEqual([
      [8, 1],
      [10, 1],
      [13, 1],
      [14, 1],
    ]);
    expect(m.bins[8].accuracy).toBe(0);
    expect(m.bins[8].confidence).toBeCloseTo(0.6, 12);
    expect(m.bins[0].accuracy).toBeNaN();
    // |1-0.9| + |0-0.6| + |1-0.7| + |1-0.95| = 0.1 + 0.6 + 0.3 + 0.05 = 1.05, over 4 samples
    expect(m.ece).toBeCloseTo(1.05 / 4, 12);
    expect(m.mce).toBeCloseTo(0.6, 12);
    expect(m.accuracy).toBe(0.75);
  });

  it('NLL and Brier', () => {
    const nll = -(Math.log(0.9) + Math.log(0.4) + Math.log(0.7) + Math.log(0.95)) / 4;
    expect(m.nll).toBeCloseTo(nll, 6);
    // (0.1² + 0.1²) + (0.6² + 0.6²) + (0.3² + 0.3²) + (0.05² + 0.05²)
    const brier = (0.02 + 0.72 + 0.18 + 0.005) / 4;
    expect(m.brier).toBeCloseTo(brier, 12);
  });

  it('a confidence at a bin edge goes to the lower bin: (lower, upper]', () => {
    const r = calibrationMetrics([0.6, 0.4], [1, 2], [0], { bins: 5 });
    expect(r.bins.findIndex((b) => b.count === 1)).toBe(2); // (0.4, 0.6]
  });
});

describe('calibrationMetrics on populations', () => {
  const n = 200000;
  function population(seed: number, sharpen: (p: number) => number) {
    const g = new Generator(seed);
    const probs = new Float32Array(2 * n);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const p = g.uniform(); // true P(class 1)
      labels[i] = g.uniform() < p ? 1 : 0;
      const q = sharpen(p); // what the model says
      probs[2 * i] = 1 - q;
      probs[2 * i + 1] = q;
    }
    return { probs, labels };
  }

  it('is near 0 when labels are drawn from the stated probabilities', () => {
    const { probs, labels } = population(7, (p) => p);
    const m = calibrationMetrics(probs, [n, 2], labels);
    expect(m.ece).toBeLessThan(0.01);
    expect(m.mce).toBeLessThan(0.03);
    // two classes: confidence >= 0.5, so bins below (0.4667, 0.5333] stay empty
    expect(m.bins.slice(0, 7).every((b) => b.count === 0)).toBe(true);
    for (const b of m.bins.slice(7)) expect(Math.abs(b.accuracy - b.confidence)).toBeLessThan(0.03);
  });

  it('is large for an overconfident model, with accuracy below confidence in the confident bins', () => {
    // q = sigmoid(3 logit(p)): same ranking, much sharper
    const { probs, labels } = population(7, (p) => 1 / (1 + ((1 - p) / p) ** 3));
    const m = calibrationMetrics(probs, [n, 2], labels);
    expect(m.ece).toBeGreaterThan(0.1);
    // away from 0.5, where sharpening changes little and sampling noise dominates
    for (const b of m.bins) if (b.lower >= 0.6) expect(b.accuracy).toBeLessThan(b.confidence - 0.02);
  });
});

describe('calibrationMetrics per voxel and in a mask', () => {
  // One volume (N=1, C=2, D=1, H=1, W=4): class-major, P(class 1) = [0.2, 0.9, 0.6, 0.1].
  const probs = [0.8, 0.1, 0.4, 0.9, 0.2, 0.9, 0.6, 0.1];
  const labels = [0, 1, 0, 0];
  it('reads (N, C, D, H, W) probabilities class-major', () => {
    const m = calibrationMetrics(probs, [1, 2, 1, 1, 4], labels);
    expect(m.n).toBe(4);
    expect(m.accuracy).toBe(0.75); // voxel 2 predicts 1, label 0
  });
  it('counts only voxels in the mask', () => {
    const m = calibrationMetrics(probs, [1, 2, 1, 1, 4], labels, { mask: [0, 0, 1, 0] });
    expect(m.n).toBe(1);
    expect(m.ece).toBeCloseTo(0.6, 6);
    expect(m.nll).toBeCloseTo(-Math.log(0.4), 6);
  });
});

describe('calibrationMetrics errors name the input', () => {
  it.each([
    [() => calibrationMetrics([0.5, 0.5], [1, 2], [2]), /labels\[0\] = 2 is not a class index/],
    [() => calibrationMetrics([0.5, NaN], [1, 2], [0]), /probs\[1\] = NaN is not a probability/],
    [() => calibrationMetrics([0.5, 0.5, 1], [1, 2], [0]), /probs has 3 values but shape \[1, 2\] needs 2/],
    [() => calibrationMetrics([0.5, 0.5], [1, 2], [0, 1]), /labels has 2 values/],
    [() => calibrationMetrics([0.5, 0.5], [1, 2], [0], { mask: [0] }), /mask selects no predictions/],
    [() => calibrationMetrics([1], [1, 1], [0]), /at least 2 classes/],
    [() => calibrationMetrics([0.5, 0.5], [1, 2], [0], { bins: 0 }), /bins must be a positive integer/],
  ])('%#', (f, msg) => expect(f).toThrow(msg));
});
