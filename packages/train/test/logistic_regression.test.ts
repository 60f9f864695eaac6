// The fitted linear probe's math: logistic regression reaches the optimum (zero penalised gradient), recovers a
// known direction and is invariant to feature scale; the penalty is chosen on validation; bad inputs are named; the
// fold into a Linear head gives sigmoid(z). (The Cholesky solve it steps with is tested in @nodulab/tensor.)
import { Generator, Tensor, noGrad, softmax } from '@nodulab/tensor';
import {
  buildNet,
  fitLogisticProbe,
  fitLogisticRegression,
  loadProbeIntoHead,
  logisticLogits,
  resolveRunConfig,
} from '../src';
import { tinyConfig } from './helpers';

/** n samples of d features (feature j scaled by scale[j]) with labels drawn from sigmoid(w·x + b). */
function sample(n: number, w: number[], b: number, seed: number, scale?: number[]) {
  const g = new Generator(seed);
  const d = w.length;
  const X = new Float64Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let z = b;
    for (let j = 0; j < d; j++) {
      const v = g.normal();
      X[i * d + j] = v * (scale?.[j] ?? 1) + 3;
      z += w[j] * v;
    }
    y[i] = g.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X, y, n, d };
}

describe('fitLogisticRegression', () => {
  const w = [2, -1, 0, 0.5];
  const data = sample(2000, w, 0.3, 1);

  it('reaches the optimum: the penalised gradient is ~0', () => {
    const lambda = 1e-3;
    const m = fitLogisticRegression(data.X, data.y, data.n, data.d, { weightDecay: lambda });
    const z = logisticLogits(m, data.X, data.n);
    const grad = new Float64Array(data.d + 1);
    for (let i = 0; i < data.n; i++) {
      const r = (1 / (1 + Math.exp(-z[i])) - data.y[i]) / data.n;
      for (let j = 0; j < data.d; j++) grad[j] += (r * (data.X[i * data.d + j] - m.mean[j])) / m.std[j];
      grad[data.d] += r;
    }
    for (let j = 0; j < data.d; j++) grad[j] += lambda * m.weight[j];
    for (const v of grad) expect(Math.abs(v)).toBeLessThan(1e-8);
    expect(m.iterations).toBeLessThan(30);
  });

  it('recovers the generating direction (weights on standardised features ~ w)', () => {
    const m = fitLogisticRegression(data.X, data.y, data.n, data.d, { weightDecay: 1e-6 });
    m.weight.forEach((v, j) => expect(v / m.std[j]).toBeCloseTo(w[j], 0));
    expect(Math.abs(m.weight[2])).toBeLessThan(0.15);
  });

  it('gives the same probabilities whatever the scale of each feature (standardisation)', () => {
    const scaled = sample(2000, w, 0.3, 1, [1000, 0.001, 1, 50]);
    const a = logisticLogits(fitLogisticRegression(data.X, data.y, data.n, data.d, { weightDecay: 0.01 }), data.X, 50);
    const b = logisticLogits(
      fitLogisticRegression(scaled.X, scaled.y, scaled.n, scaled.d, { weightDecay: 0.01 }),
      scaled.X,
      50,
    );
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
  });

  it('ignores a constant feature and converges on separable data', () => {
    const X = Float64Array.from([0, 5, 1, 5, 2, 5, 3, 5]);
    const m = fitLogisticRegression(X, [0, 0, 1, 1], 4, 2, { weightDecay: 1e-3 });
    expect(m.weight[1]).toBe(0);
    expect(Array.from(logisticLogits(m, X, 4), (z) => (z > 0 ? 1 : 0))).toEqual([0, 0, 1, 1]);
    expect(Number.isFinite(m.loss)).toBe(true);
  });

  it.each([
    [{ X: [0, 1], y: [0, 2], n: 2, d: 1 }, { weightDecay: 1 }, /label 1 is 2, expected 0 or 1/],
    [{ X: [0, NaN], y: [0, 1], n: 2, d: 1 }, { weightDecay: 1 }, /X\[1\] is NaN/],
    [{ X: [0, 1, 2], y: [0, 1], n: 2, d: 1 }, { weightDecay: 1 }, /X has 3 values and y 2, expected \(2, 1\)/],
    [{ X: [0, 1], y: [0, 1], n: 2, d: 1 }, { weightDecay: 0 }, /weightDecay must be > 0, got 0/],
  ])('rejects bad input %#', (x, options, message) => {
    expect(() => fitLogisticRegression(x.X, x.y, x.n, x.d, options)).toThrow(message);
  });
});

describe('fitLogisticProbe', () => {
  it('chooses a stronger penalty on few noisy samples than on many', async () => {
    // 40 features, only the first informative.
    const w = Array.from({ length: 40 }, (_, j) => (j === 0 ? 1 : 0));
    const decays = [1e-4, 1e-2, 1];
    const few = await fitLogisticProbe(sample(60, w, 0, 2), sample(500, w, 0, 3), 40, decays);
    const many = await fitLogisticProbe(sample(5000, w, 0, 4), sample(500, w, 0, 5), 40, decays);
    expect(few.trials.map((t) => t.weightDecay)).toEqual(decays);
    expect(few.model.weightDecay).toBeGreaterThan(many.model.weightDecay);
    const best = Math.min(...few.trials.map((t) => t.valLoss));
    expect(few.trials.find((t) => t.weightDecay === few.model.weightDecay)!.valLoss).toBe(best);
  });
});

describe('loadProbeIntoHead', () => {
  it('makes the head give P(class 1) = sigmoid(z) of the fitted probe', () => {
    const net = buildNet(resolveRunConfig(tinyConfig({ loss: 'simclr' })));
    const d = (net.head as unknown as { inFeatures: number }).inFeatures;
    const w = Array.from({ length: d }, (_, j) => Math.sin(j + 1));
    const data = sample(
      300,
      w,
      -0.2,
      6,
      Array.from({ length: d }, (_, j) => 0.1 + j),
    );
    const m = fitLogisticRegression(data.X, data.y, data.n, d, { weightDecay: 0.01 });
    loadProbeIntoHead(net, m);
    const h = new Tensor(Float32Array.from(data.X.subarray(0, 20 * d)), [20, d]);
    const p = noGrad(() => softmax(net.head.forward(h), 1)).data;
    logisticLogits(m, data.X, 20).forEach((z, i) => expect(p[2 * i + 1]).toBeCloseTo(1 / (1 + Math.exp(-z)), 4));
  });
});
