// batchNorm3d: 'cpu' vs 'ref' kernels through the binding, training statistics and the in-place
// running-statistics update against a hand computation, evaluation mode, autograd vs float32
// finite differences in both modes, NaN, batch 1, and clear errors for bad shapes and options.
import {
  Tensor,
  Generator,
  rand,
  native,
  batchNorm3d,
  batchNormReluMaxPool3d,
  maxPool3d,
  mul,
  relu,
  sum,
} from '../src';
import type { Triple } from '../src';
import type { Backend, Shape5 } from '../src/binding';
import { gradientMismatches } from './gradcheck';
import { expectClose } from './kernel_close';

const uniform = (shape: number[], g: Generator, lo: number, hi: number) =>
  new Tensor(
    rand(shape, g).data.map((v) => lo + (hi - lo) * v),
    shape,
  );

// (mode, affine, x shape) cases of the gradient tests.
const GRAD_CASES = [
  ['training', true, [2, 3, 2, 3, 2]],
  ['training', false, [1, 2, 3, 2, 2]],
  ['evaluation', true, [2, 3, 2, 3, 2]],
  ['evaluation', false, [1, 2, 3, 2, 2]],
] as [string, boolean, number[]][];

/** x: xs in [-1, 2), then, when affine, weight and bias: (C) drawn from g in that order; all require grad. */
function gradInputs(xs: number[], affine: boolean, g: Generator) {
  const c = xs[1];
  const x = uniform(xs, g, -1, 2);
  x.requiresGrad = true;
  const weight = affine ? uniform([c], g, 0.5, 1.5) : null;
  const bias = affine ? uniform([c], g, -0.5, 0.5) : null;
  if (weight && bias) weight.requiresGrad = bias.requiresGrad = true;
  return { c, x, weight, bias, inputs: [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])] };
}

/** Per-channel mean and biased variance of x (N, C, S...) in double. */
function channelMoments(x: Tensor): { mean: number[]; biasedVar: number[]; count: number } {
  const [n, c] = x.shape;
  const s = x.size / (n * c);
  const mean: number[] = [],
    biasedVar: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let m = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < s; i++) m += x.data[(b * c + ch) * s + i];
    m /= n * s;
    let v = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < s; i++) v += (x.data[(b * c + ch) * s + i] - m) ** 2;
    mean.push(m);
    biasedVar.push(v / (n * s));
  }
  return { mean, biasedVar, count: n * s };
}

// (name, x shape, affine, offset added to x)
const CASES: [string, Shape5, boolean, number][] = [
  ['small', [2, 3, 4, 5, 6], true, 0],
  ['batch 1', [1, 4, 3, 3, 3], true, 0],
  ['one value per channel', [1, 2, 1, 1, 1], true, 0],
  ['planes longer than a segment', [2, 2, 10, 10, 90], true, 5],
  ['affine off, far from 0', [3, 5, 2, 2, 7], false, 100],
];

/**
 * A kernel test's arrays, drawn from g in this order: x around offset (one NaN, in channel 0), dy,
 * gamma and beta when affine, running mean and variance.
 */
function kernelInputs(xs: Shape5, affine: boolean, offset: number, g: Generator) {
  const x = uniform(xs, g, offset - 2, offset + 2).data;
  x[Math.floor((xs[2] * xs[3] * xs[4]) / 2)] = NaN; // channel 0 only
  const dy = uniform(xs, g, -1, 1).data;
  const c = xs[1];
  const gamma = affine ? uniform([c], g, 0.5, 1.5).data : null;
  const beta = affine ? uniform([c], g, -1, 1).data : null;
  const rm = uniform([c], g, -1, 1).data,
    rv = uniform([c], g, 0.1, 2).data;
  return { x, dy, c, gamma, beta, rm, rv };
}

describe('batch norm kernels: cpu matches ref', () => {
  it.each(CASES)('%s', (_name, xs, affine, offset) => {
    const { x, dy, c, gamma, beta, rm, rv } = kernelInputs(
      xs,
      affine,
      offset,
      new Generator(xs.reduce((a, b) => a * b, 1)),
    );
    const ref = native.batchNormTrain(x, xs, gamma, beta, 1e-5, 'ref');
    const cpu = native.batchNormTrain(x, xs, gamma, beta, 1e-5, 'cpu');
    expectClose('BatchNormTrain', cpu.y, ref.y);
    expectClose('BatchNormTrain', cpu.mean, ref.mean);
    expectClose('BatchNormTrain', cpu.invstd, ref.invstd);
    expectClose(
      'BatchNormInfer',
      native.batchNormInfer(x, xs, gamma, beta, rm, rv, 1e-5, 'cpu'),
      native.batchNormInfer(x, xs, gamma, beta, rm, rv, 1e-5, 'ref'),
    );
    const gr = native.batchNormGrad(x, xs, dy, gamma, ref.mean, ref.invstd, 'ref');
    const gc = native.batchNormGrad(x, xs, dy, gamma, ref.mean, ref.invstd, 'cpu');
    expectClose('BatchNormGrad', gc.dx, gr.dx);
    expectClose('BatchNormGrad', gc.dgamma, gr.dgamma);
    expectClose('BatchNormGrad', gc.dbeta, gr.dbeta);
    if (c > 1) {
      expect(Number.isNaN(cpu.mean[0])).toBe(true);
      expect(Number.isFinite(cpu.mean[1])).toBe(true);
    }
  });
});

describe('fused batch norm + relu kernels: cpu matches ref', () => {
  it.each(CASES)('%s', (_name, xs, affine, offset) => {
    const { x, dy, gamma, beta, rm, rv } = kernelInputs(
      xs,
      affine,
      offset,
      new Generator(7 * xs.reduce((a, b) => a * b, 1)),
    );
    const ref = native.batchNormReluTrain(x, xs, gamma, beta, 1e-5, 'ref');
    const cpu = native.batchNormReluTrain(x, xs, gamma, beta, 1e-5, 'cpu');
    expectClose('BatchNormReluTrain', cpu.y, ref.y);
    expectClose('BatchNormReluTrain', cpu.mean, ref.mean);
    expectClose('BatchNormReluTrain', cpu.invstd, ref.invstd);
    expect(Array.from(ref.y).every((v) => Number.isNaN(v) || v >= 0)).toBe(true);
    expectClose(
      'BatchNormReluInfer',
      native.batchNormReluInfer(x, xs, gamma, beta, rm, rv, 1e-5, 'cpu'),
      native.batchNormReluInfer(x, xs, gamma, beta, rm, rv, 1e-5, 'ref'),
    );
    const gr = native.batchNormReluGrad(x, xs, ref.y, dy, gamma, ref.mean, ref.invstd, 'ref');
    const gc = native.batchNormReluGrad(x, xs, ref.y, dy, gamma, ref.mean, ref.invstd, 'cpu');
    expectClose('BatchNormReluGrad', gc.dx, gr.dx);
    expectClose('BatchNormReluGrad', gc.dgamma, gr.dgamma);
    expectClose('BatchNormReluGrad', gc.dbeta, gr.dbeta);
  });
});

describe('batchNorm3d', () => {
  it('normalizes with batch statistics and updates the running buffers like PyTorch', () => {
    const g = new Generator(3);
    const x = uniform([2, 3, 2, 3, 4], g, -1, 3);
    const weight = uniform([3], g, 0.5, 1.5),
      bias = uniform([3], g, -1, 1);
    const rm0 = [0.5, -0.25, 1],
      rv0 = [2, 0.5, 1];
    const runningMean = Tensor.from(rm0, [3]),
      runningVar = Tensor.from(rv0, [3]);
    const y = batchNorm3d(x, runningMean, runningVar, weight, bias, { training: true, momentum: 0.2, eps: 1e-3 });
    const { mean, biasedVar, count } = channelMoments(x);
    for (let c = 0; c < 3; c++) {
      expect(runningMean.data[c]).toBeCloseTo(0.8 * rm0[c] + 0.2 * mean[c], 5);
      expect(runningVar.data[c]).toBeCloseTo(0.8 * rv0[c] + 0.2 * biasedVar[c] * (count / (count - 1)), 5);
    }
    // y = (x - mean) / sqrt(biasedVar + eps) * weight + bias, elementwise.
    const s = 24;
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < s; i += 5) {
          const k = (b * 3 + c) * s + i;
          const want = ((x.data[k] - mean[c]) / Math.sqrt(biasedVar[c] + 1e-3)) * weight.data[c] + bias.data[c];
          expect(y.data[k]).toBeCloseTo(want, 4);
        }
  });

  it('uses the running statistics in evaluation mode and leaves them alone', () => {
    const x = Tensor.from([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 1, 2, 2]);
    const runningMean = Tensor.from([2, 25], [2]),
      runningVar = Tensor.from([4, 100], [2]);
    const y = batchNorm3d(x, runningMean, runningVar, Tensor.from([2, 1], [2]), Tensor.from([0, 1], [2]), {
      eps: 1e-12,
    });
    // channel 0: (x - 2) / 2 * 2; channel 1: (x - 25) / 10 + 1
    const expected = [-1, 0, 1, 2, -0.5, 0.5, 1.5, 2.5];
    Array.from(y.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(Array.from(runningMean.data)).toEqual([2, 25]);
    expect(Array.from(runningVar.data)).toEqual([4, 100]);
  });

  // (mode, affine, x shape)
  it.each(GRAD_CASES)('gradients match finite differences: %s, affine %s, x %j', (mode, affine, xs) => {
    const g = new Generator(11);
    const { c, x, weight, bias, inputs } = gradInputs(xs, affine, g);
    const runningMean = uniform([c], g, -0.5, 0.5),
      runningVar = uniform([c], g, 0.5, 1.5);
    const w = uniform(xs, g, -1, 1);
    const training = mode === 'training';
    const loss = () => sum(mul(batchNorm3d(x, runningMean, runningVar, weight, bias, { training }), w));
    expect(gradientMismatches('batchNorm3d', inputs, loss)).toEqual([]);
  });

  // (mode, affine, x shape): relu: true must equal relu(batchNorm3d(...)), values and gradients.
  it.each(GRAD_CASES)('relu: true equals relu(batchNorm3d): %s, affine %s, x %j', (mode, affine, xs) => {
    const g = new Generator(23);
    const { c, x, weight, bias, inputs } = gradInputs(xs, affine, g);
    const stats = () => [uniform([c], new Generator(5), -0.5, 0.5), uniform([c], new Generator(6), 0.5, 1.5)];
    const w = uniform(xs, g, -1, 1);
    const training = mode === 'training';
    const run = (fused: boolean) => {
      for (const t of inputs) t.grad = null;
      const [rm, rv] = stats();
      const y = fused
        ? batchNorm3d(x, rm, rv, weight, bias, { training, relu: true })
        : relu(batchNorm3d(x, rm, rv, weight, bias, { training }));
      sum(mul(y, w)).backward();
      return { y: y.data, grads: inputs.map((t) => t.grad!.data), rm: rm.data, rv: rv.data };
    };
    const fused = run(true),
      composed = run(false);
    expect(fused.y.some((v) => v === 0) && fused.y.some((v) => v > 0)).toBe(true);
    expectClose('BatchNormReluTrain', fused.y, composed.y);
    expectClose('BatchNormReluTrain', fused.rm, composed.rm);
    expectClose('BatchNormReluTrain', fused.rv, composed.rv);
    fused.grads.forEach((gr, k) => expectClose('BatchNormReluGrad', gr, composed.grads[k]));
  });

  it('skips gradients that are not needed', () => {
    const x = Tensor.from([1, 2, 3, 5], [1, 1, 1, 2, 2]);
    const weight = Tensor.from([1.5], [1], { requiresGrad: true });
    const bias = Tensor.from([0.5], [1]);
    sum(batchNorm3d(x, null, null, weight, bias, { training: true })).backward();
    // d/dweight of sum(xhat * w + b) = sum(xhat) = 0
    expect(weight.grad!.data[0]).toBeCloseTo(0, 5);
    expect(x.grad).toBeNull();
  });

  it('propagates NaN to its channel only, batch 1', () => {
    const x = Tensor.from([NaN, 1, 2, 3, 4, 5, 6, 8], [1, 2, 1, 2, 2]);
    const runningMean = Tensor.zeros([2]),
      runningVar = Tensor.ones([2]);
    const y = batchNorm3d(x, runningMean, runningVar, null, null, { training: true });
    expect(Array.from(y.data.slice(0, 4)).every(Number.isNaN)).toBe(true);
    expect(Array.from(y.data.slice(4)).every(Number.isFinite)).toBe(true);
    expect(Number.isNaN(runningMean.data[0])).toBe(true);
    expect(runningMean.data[1]).toBeCloseTo(0.1 * 5.75, 6);
  });

  it('explains bad shapes and options', () => {
    const x = Tensor.zeros([2, 3, 2, 2, 2]);
    const r3 = () => Tensor.zeros([3]);
    expect(() => batchNorm3d(Tensor.zeros([2, 3, 4]), r3(), r3())).toThrow(
      /batchNorm3d: x must be 5-D \(N, C, D, H, W\), got shape \[2, 3, 4\]/,
    );
    expect(() => batchNorm3d(x, Tensor.zeros([2]), r3())).toThrow(
      /batchNorm3d: runningMean of shape \[2\] has 2 elements but x \[2, 3, 2, 2, 2\] has 3 channels/,
    );
    expect(() => batchNorm3d(x, r3(), r3(), Tensor.ones([4]))).toThrow(
      /batchNorm3d: weight of shape \[4\] has 4 elements/,
    );
    expect(() => batchNorm3d(x, r3(), r3(), null, null, { eps: 0 })).toThrow(
      /batchNorm3d: eps must be a finite number > 0, got 0/,
    );
    expect(() => batchNorm3d(x, r3(), r3(), null, null, { momentum: NaN })).toThrow(/momentum must be a finite number/);
    expect(() => batchNorm3d(x, r3(), r3(), null, null, { relu: 1 as unknown as boolean })).toThrow(
      /batchNorm3d: relu must be a boolean, got 1/,
    );
    expect(() => batchNorm3d(x, null, null)).toThrow(/runningMean and runningVar are required when not training/);
    expect(() => batchNorm3d(x, r3(), null, null, null, { training: true })).toThrow(
      /give both runningMean and runningVar, or neither/,
    );
    expect(() => batchNorm3d(Tensor.zeros([1, 3, 1, 1, 1]), r3(), r3(), null, null, { training: true })).toThrow(
      /expected more than 1 value per channel when training, got input size \[1, 3, 1, 1, 1\]/,
    );
  });

  it('the binding rejects inconsistent arguments with the kernel name', () => {
    const x = new Float32Array(16);
    const xs: Shape5 = [2, 2, 1, 2, 2];
    const two = new Float32Array(2);
    expect(() => native.batchNormTrain(x, xs, new Float32Array(3), null, 1e-5)).toThrow(
      /BatchNormTrain: gamma has 3 elements but x \[2, 2, 1, 2, 2\] has 2 channels/,
    );
    expect(() => native.batchNormTrain(x, xs, null, null, 0)).toThrow(/BatchNormTrain: eps must be > 0, got 0/);
    expect(() => native.batchNormTrain(x, [2, 2, 1, 2, 3], null, null, 1e-5)).toThrow(
      /BatchNormTrain: x has 16 elements but shape \[2, 2, 1, 2, 3\] needs 24/,
    );
    expect(() => native.batchNormTrain(x, [2, 2, 2, 2] as unknown as Shape5, null, null, 1e-5)).toThrow(
      /BatchNormTrain: xShape must have 5 dimensions/,
    );
    expect(() => native.batchNormInfer(x, xs, null, null, two, new Float32Array(1), 1e-5)).toThrow(
      /BatchNormInfer: runningVar has 1 elements/,
    );
    expect(() => native.batchNormGrad(x, xs, new Float32Array(15), null, two, two)).toThrow(
      /BatchNormGrad: dy has 15 elements but shape \[2, 2, 1, 2, 2\] needs 16/,
    );
    expect(() => native.batchNormGrad(x, xs, x, null, new Float32Array(3), two)).toThrow(
      /BatchNormGrad: mean has 3 elements/,
    );
    expect(() => native.batchNormGrad(x, [2, 0, 1, 2, 2], x, null, two, two)).toThrow(
      /BatchNormGrad: xShape \[2, 0, 1, 2, 2\] has a zero dimension/,
    );
    expect(() => native.batchNormReluTrain(x, xs, null, new Float32Array(5), 1e-5)).toThrow(
      /BatchNormReluTrain: beta has 5 elements/,
    );
    expect(() => native.batchNormReluInfer(x, xs, null, null, two, two, -1)).toThrow(
      /BatchNormReluInfer: eps must be > 0, got -1/,
    );
    expect(() => native.batchNormReluGrad(x, xs, new Float32Array(8), x, null, two, two)).toThrow(
      /BatchNormReluGrad: y has 8 elements but shape \[2, 2, 1, 2, 2\] needs 16/,
    );
    expect(() => native.batchNormReluGrad(x, xs, x, x, null, two, new Float32Array(1))).toThrow(
      /BatchNormReluGrad: invstd has 1 elements/,
    );
    expect(() => native.batchNormReluGrad(x, xs, x, 'dy' as unknown as Float32Array, null, two, two)).toThrow(
      /BatchNormReluGrad: dy must be a Float32Array/,
    );
  });
});

describe('batchNormReluMaxPool3d', () => {
  // (mode, affine, x shape, kernel, stride, padding)
  const POOL_CASES: [string, boolean, Shape5, Triple, Triple, Triple][] = [
    ['training', true, [2, 3, 4, 4, 6], [2, 2, 2], [2, 2, 2], [0, 0, 0]],
    ['training', false, [1, 2, 5, 3, 5], [3, 3, 3], [2, 2, 2], [1, 1, 1]],
    ['evaluation', true, [2, 3, 4, 4, 6], [2, 2, 2], [2, 2, 2], [0, 0, 0]],
    ['evaluation', false, [1, 2, 5, 3, 5], [1, 2, 2], [1, 2, 2], [0, 1, 0]],
  ];

  it.each(POOL_CASES)(
    'equals maxPool3d(relu(batchNorm3d)): %s, affine %s, x %j, k %j s %j p %j',
    (mode, affine, xs, kernel, stride, padding) => {
      const g = new Generator(31);
      const { c, x, weight, bias, inputs } = gradInputs(xs, affine, g);
      const training = mode === 'training';
      const run = (fused: boolean) => {
        for (const t of inputs) t.grad = null;
        const rm = uniform([c], new Generator(5), -0.5, 0.5),
          rv = uniform([c], new Generator(6), 0.5, 1.5);
        const y = fused
          ? batchNormReluMaxPool3d(x, rm, rv, weight, bias, kernel, { training, stride, padding })
          : maxPool3d(relu(batchNorm3d(x, rm, rv, weight, bias, { training })), kernel, { stride, padding });
        const w = uniform([...y.shape], new Generator(7), -1, 1);
        sum(mul(y, w)).backward();
        return { y, grads: inputs.map((t) => t.grad!.data), rm: rm.data, rv: rv.data };
      };
      const fused = run(true),
        composed = run(false);
      expect(fused.y.shape).toEqual(composed.y.shape);
      expectClose('BatchNormReluMaxPoolTrain', fused.y.data, composed.y.data);
      expectClose('BatchNormReluMaxPoolTrain', fused.rm, composed.rm);
      expectClose('BatchNormReluMaxPoolTrain', fused.rv, composed.rv);
      fused.grads.forEach((gr, k) => expectClose('BatchNormReluMaxPoolGrad', gr, composed.grads[k]));
    },
  );

  it('cpu kernels match ref', () => {
    const g = new Generator(41);
    const xs: Shape5 = [2, 3, 6, 7, 20];
    const k: Triple = [2, 2, 2];
    const x = uniform(xs, g, -2, 2).data;
    const gamma = uniform([3], g, 0.5, 1.5).data,
      beta = uniform([3], g, -0.5, 0.5).data;
    const rm = uniform([3], g, -1, 1).data,
      rv = uniform([3], g, 0.1, 2).data;
    const ref = native.batchNormReluMaxPool3dTrain(x, xs, gamma, beta, 1e-5, k, k, [0, 0, 0], 'ref');
    const cpu = native.batchNormReluMaxPool3dTrain(x, xs, gamma, beta, 1e-5, k, k, [0, 0, 0], 'cpu');
    expectClose('BatchNormReluMaxPoolTrain', cpu.y, ref.y);
    expectClose('BatchNormReluMaxPoolTrain', cpu.mean, ref.mean);
    expect(cpu.y.length).toBe(2 * 3 * 3 * 3 * 10); // pooled 2x2x2: (6, 7, 20) -> (3, 3, 10)
    const dy = uniform([ref.y.length], g, -1, 1).data;
    const grad = (backend: Backend) =>
      native.batchNormReluMaxPool3dGrad(
        x,
        xs,
        ref.y,
        ref.indices,
        dy,
        gamma,
        ref.mean,
        ref.invstd,
        k,
        k,
        [0, 0, 0],
        backend,
      );
    const gr = grad('ref'),
      gc = grad('cpu');
    expectClose('BatchNormReluMaxPoolGrad', gc.dx, gr.dx);
    expectClose('BatchNormReluMaxPoolGrad', gc.dgamma, gr.dgamma);
    expectClose('BatchNormReluMaxPoolGrad', gc.dbeta, gr.dbeta);
    const ir = native.batchNormReluMaxPool3dInfer(x, xs, gamma, beta, rm, rv, 1e-5, k, k, [0, 0, 0], 'ref');
    const ic = native.batchNormReluMaxPool3dInfer(x, xs, gamma, beta, rm, rv, 1e-5, k, k, [0, 0, 0], 'cpu');
    expectClose('BatchNormReluMaxPoolInfer', ic.y, ir.y);
  });

  it('explains bad arguments', () => {
    const x = Tensor.zeros([2, 3, 4, 4, 4]);
    const r3 = () => Tensor.zeros([3]);
    expect(() => batchNormReluMaxPool3d(x, r3(), r3(), null, null, 2, { padding: 2 })).toThrow(
      /batchNormReluMaxPool3d: padding \[2, 2, 2\] must be at most half the kernel/,
    );
    expect(() => batchNormReluMaxPool3d(x, r3(), r3(), null, null, 5)).toThrow(
      /batchNormReluMaxPool3d: output size \[0, 0, 0\] is too small/,
    );
    expect(() => batchNormReluMaxPool3d(x, Tensor.zeros([2]), r3(), null, null, 2)).toThrow(
      /batchNormReluMaxPool3d: runningMean of shape \[2\] has 2 elements/,
    );
    expect(() => batchNormReluMaxPool3d(x, null, null, null, null, 2)).toThrow(
      /batchNormReluMaxPool3d: runningMean and runningVar are required when not training/,
    );
    const xd = new Float32Array(16),
      xs: Shape5 = [1, 2, 2, 2, 2],
      two = new Float32Array(2);
    const k: Triple = [2, 2, 2],
      z: Triple = [0, 0, 0];
    expect(() => native.batchNormReluMaxPool3dTrain(xd, xs, null, null, 1e-5, [3, 3, 3], k, z)).toThrow(
      /BatchNormReluMaxPoolTrain: output size \[0, 0, 0\] is too small/,
    );
    expect(() => native.batchNormReluMaxPool3dTrain(xd, xs, null, null, 0, k, k, z)).toThrow(
      /BatchNormReluMaxPoolTrain: eps must be > 0/,
    );
    expect(() =>
      native.batchNormReluMaxPool3dInfer(xd, xs, null, null, two, new Float32Array(3), 1e-5, k, k, z),
    ).toThrow(/BatchNormReluMaxPoolInfer: runningVar has 3 elements/);
    const y = new Float32Array(2),
      idx = new Int32Array(2);
    expect(() =>
      native.batchNormReluMaxPool3dGrad(xd, xs, y, Int32Array.from([0, 8]), y, null, two, two, k, k, z),
    ).toThrow(/BatchNormReluMaxPoolGrad: indices\[1\] = 8 is outside the input volume of 8 elements/);
    expect(() => native.batchNormReluMaxPool3dGrad(xd, xs, y, new Int32Array(3), y, null, two, two, k, k, z)).toThrow(
      /BatchNormReluMaxPoolGrad: indices has 3 elements but the pooled shape \[1, 2, 1, 1, 1\] needs 2/,
    );
    expect(() =>
      native.batchNormReluMaxPool3dGrad(xd, xs, y, idx, new Float32Array(5), null, two, two, k, k, z),
    ).toThrow(/BatchNormReluMaxPoolGrad: dy has 5 elements/);
    expect(() =>
      native.batchNormReluMaxPool3dGrad(
        xd,
        xs,
        y,
        new Float32Array(2) as unknown as Int32Array,
        y,
        null,
        two,
        two,
        k,
        k,
        z,
      ),
    ).toThrow(/BatchNormReluMaxPoolGrad: indices must be an Int32Array/);
  });
});
