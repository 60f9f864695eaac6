// The multinomial (softmax) linear probe: with no usable feature it fits the class frequencies (hand-checked,
// with class weights and label smoothing too); it reaches the optimum (zero penalised gradient) and recovers
// known class directions; with K = 2 it equals the binary probe at half the weight decay; the penalty is chosen
// on validation; bad inputs are named; folded into a Linear(d -> K) head it gives the probe's probabilities.
import { Generator, Tensor, noGrad, softmax } from '@nodulab/tensor';
import { preset } from '@nodulab/data';
import {
  buildNet,
  fitLogisticRegression,
  fitSoftmaxProbe,
  fitSoftmaxRegression,
  loadProbeIntoHead,
  logisticLogits,
  resolveRunConfig,
  softmaxLogits,
  softmaxProbabilities,
} from '../src';
import { tinyConfig } from './helpers';

/** n samples of d standard-normal features (+ 3) with labels drawn from softmax(W x + b), W: (K, d). */
function sample(n: number, W: number[][], b: number[], seed: number) {
  const g = new Generator(seed);
  const K = W.length;
  const d = W[0].length;
  const X = new Float64Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Array.from({ length: d }, () => g.normal());
    v.forEach((x, j) => (X[i * d + j] = x + 3));
    const z = W.map((row, k) => b[k] + row.reduce((s, w, j) => s + w * v[j], 0));
    const e = z.map((t) => Math.exp(t));
    const u = g.uniform() * e.reduce((s, t) => s + t, 0);
    let k = 0;
    for (let acc = e[0]; acc < u && k < K - 1; acc += e[++k]);
    y[i] = k;
  }
  return { X, y, n, d };
}

describe('fitSoftmaxRegression', () => {
  // A constant feature carries nothing: the fit is the (weighted, smoothed) class frequencies.
  it.each([
    { y: [0, 0, 1, 2], options: {}, p: [0.5, 0.25, 0.25] },
    { y: [0, 0, 1, 2], options: { classWeights: [1, 2, 2] }, p: [1 / 3, 1 / 3, 1 / 3] },
    { y: [0, 0, 0, 1], options: { labelSmoothing: 0.3 }, p: [0.7 * 0.75 + 0.1, 0.7 * 0.25 + 0.1, 0.1] },
  ])('fits the class frequencies when no feature varies: $y $options', ({ y, options, p }) => {
    const X = new Float64Array(y.length).fill(7);
    const m = fitSoftmaxRegression(X, y, y.length, 1, 3, { weightDecay: 1e-3, ...options });
    expect(m.weight[0]).toBe(0);
    const got = softmaxProbabilities(m, X, 1);
    p.forEach((v, k) => expect(got[k]).toBeCloseTo(v, 8));
  });

  const W = [
    [2, 0, -1],
    [-1, 1.5, 0],
    [0, -1, 1],
  ];
  const data = sample(3000, W, [0.2, 0, -0.3], 1);

  it('reaches the optimum: the penalised gradient is ~0', () => {
    const lambda = 1e-3;
    const K = 3;
    const m = fitSoftmaxRegression(data.X, data.y, data.n, data.d, K, { weightDecay: lambda });
    const p = softmaxProbabilities(m, data.X, data.n);
    for (let k = 0; k < K; k++) {
      const g = new Float64Array(data.d + 1);
      for (let i = 0; i < data.n; i++) {
        const r = (p[i * K + k] - (data.y[i] === k ? 1 : 0)) / data.n;
        for (let j = 0; j < data.d; j++) g[j] += (r * (data.X[i * data.d + j] - m.mean[j])) / m.std[j];
        g[data.d] += r;
      }
      for (let j = 0; j < data.d; j++) g[j] += lambda * m.weight[k * data.d + j];
      for (const v of g) expect(Math.abs(v)).toBeLessThan(1e-8);
    }
    expect(m.iterations).toBeLessThan(30);
  });

  it('recovers the generating directions up to a shift shared by the classes', () => {
    const m = fitSoftmaxRegression(data.X, data.y, data.n, data.d, 3, { weightDecay: 1e-6 });
    // Softmax is unchanged by adding one vector to every row; the penalty picks rows summing to 0.
    for (let j = 0; j < data.d; j++) {
      const col = W.map((r) => r[j]);
      const centred = col.map((v) => v - col.reduce((s, t) => s + t, 0) / 3);
      for (let k = 0; k < 3; k++) expect(m.weight[k * data.d + j] / m.std[j]).toBeCloseTo(centred[k], 0);
    }
  });

  it('with K = 2 gives the binary probe fitted with half the weight decay', () => {
    const two = sample(
      800,
      [
        [0, 0, 0],
        [1.5, -1, 0.5],
      ],
      [0, 0.4],
      2,
    );
    const soft = fitSoftmaxRegression(two.X, two.y, two.n, two.d, 2, { weightDecay: 0.02, labelSmoothing: 0.1 });
    const bin = fitLogisticRegression(two.X, two.y, two.n, two.d, { weightDecay: 0.01, labelSmoothing: 0.1 });
    const zs = softmaxLogits(soft, two.X, 100);
    logisticLogits(bin, two.X, 100).forEach((z, i) => expect(zs[2 * i + 1] - zs[2 * i]).toBeCloseTo(z, 7));
  });

  it.each([
    [{ X: [0, 1], y: [0, 3] }, 3, { weightDecay: 1 }, /label 1 is 3, expected an integer class 0\.\.2/],
    [{ X: [0, 1], y: [0, 1.5] }, 3, { weightDecay: 1 }, /label 1 is 1\.5/],
    [{ X: [0, Infinity], y: [0, 1] }, 3, { weightDecay: 1 }, /X\[1\] is Infinity/],
    [{ X: [0, 1], y: [0, 1] }, 1, { weightDecay: 1 }, /classes must be >= 2, got 1/],
    [{ X: [0, 1], y: [0, 1] }, 3, { weightDecay: -1 }, /weightDecay must be > 0, got -1/],
    [{ X: [0, 1], y: [0, 1] }, 3, { weightDecay: 1, classWeights: [1, 1] }, /2 class weights for 3 classes/],
  ])('rejects bad input %#', (x, classes, options, message) => {
    expect(() => fitSoftmaxRegression(x.X, x.y, 2, 1, classes, options)).toThrow(message);
  });
});

describe('fitSoftmaxProbe', () => {
  it('chooses a stronger penalty on few noisy samples than on many', async () => {
    // 30 features, only the first informative, 4 classes.
    const W = Array.from({ length: 4 }, (_, k) => Array.from({ length: 30 }, (_, j) => (j === 0 ? k - 1.5 : 0)));
    const b = [0, 0, 0, 0];
    const decays = [1e-4, 1e-2, 1];
    const few = await fitSoftmaxProbe(sample(60, W, b, 3), sample(400, W, b, 4), 30, 4, decays);
    const many = await fitSoftmaxProbe(sample(3000, W, b, 5), sample(400, W, b, 6), 30, 4, decays);
    expect(few.trials.map((t) => t.weightDecay)).toEqual(decays);
    expect(few.model.weightDecay).toBeGreaterThan(many.model.weightDecay);
    const best = Math.min(...few.trials.map((t) => t.valLoss));
    expect(few.trials.find((t) => t.weightDecay === few.model.weightDecay)!.valLoss).toBe(best);
  });
});

describe('loadProbeIntoHead (K classes)', () => {
  it('makes a 5-class head give the probe softmax probabilities, and names a head of the wrong size', () => {
    const data5 = { spec: { ...preset('grade'), volume: { shape: [16, 16, 16], spacing: [2, 2, 2] } } as never };
    const net = buildNet(resolveRunConfig(tinyConfig({ data: { ...data5, train: { n: 32 }, val: { n: 16 } } })));
    const d = (net.head as unknown as { inFeatures: number }).inFeatures;
    const W = Array.from({ length: 5 }, (_, k) => Array.from({ length: d }, (_, j) => Math.sin(k + j)));
    const data = sample(400, W, [0, 0.1, 0.2, 0.3, 0.4], 7);
    const m = fitSoftmaxRegression(data.X, data.y, data.n, d, 5, { weightDecay: 0.01 });
    loadProbeIntoHead(net, m);
    const h = new Tensor(Float32Array.from(data.X.subarray(0, 20 * d)), [20, d]);
    const p = noGrad(() => softmax(net.head.forward(h), 1)).data;
    softmaxProbabilities(m, data.X, 20).forEach((v, i) => expect(p[i]).toBeCloseTo(v, 4));
    const three = fitSoftmaxRegression(
      data.X,
      Int32Array.from(data.y, (v) => v % 3),
      data.n,
      d,
      3,
      { weightDecay: 1 },
    );
    expect(() => loadProbeIntoHead(net, three)).toThrow(/needs a Linear\(\d+ -> 3\) head/);
  });
});
