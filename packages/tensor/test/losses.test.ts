// Loss functions: values against closed forms and PyTorch's formulas written as plain JS loops,
// gradients against finite differences, NaN handling and clear errors.
import {
  Tensor,
  crossEntropy,
  mseLoss,
  smoothL1Loss,
  diceLoss,
  l2Normalize,
  sum,
  mul,
  randn,
  rand,
  Generator,
  CrossEntropyOptions,
  Reduction,
} from '../src';
import { gradientMismatches } from './gradcheck';

function close(got: number, want: number, tol = 1e-5): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * (1 + Math.abs(want)));
}

/** A scalar from any loss output: itself, or sum(out * w) for reduction 'none'. */
function scalar(out: Tensor, w: Tensor | null): Tensor {
  return w ? sum(mul(out, w)) : out;
}

/**
 * PyTorch's cross_entropy as it composes it: (1 - eps) * nll_loss(lp, y, weight, reduction)
 * + eps / C * reduce(-sum_c w_c lp[i, c]), 'mean' dividing both by sum_i w[y_i] (with per-sample
 * weights s_i multiplying every term and the divisor).
 */
function torchCrossEntropy(x: Tensor, y: number[], o: CrossEntropyOptions): number[] {
  const [n, c] = x.shape;
  const w = o.weight ? Array.from(o.weight as ArrayLike<number>) : new Array(c).fill(1);
  const s = o.sampleWeights ? Array.from(o.sampleWeights as ArrayLike<number>) : new Array(n).fill(1);
  const eps = o.labelSmoothing ?? 0;
  const nll: number[] = [],
    smooth: number[] = [];
  let divisor = 0;
  for (let i = 0; i < n; i++) {
    const row = Array.from(x.data.slice(i * c, (i + 1) * c));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    const lp = row.map((v) => v - lse);
    nll.push(-w[y[i]] * lp[y[i]] * s[i]);
    smooth.push(-lp.reduce((a, v, k) => a + w[k] * v, 0) * s[i]);
    divisor += w[y[i]] * s[i];
  }
  const combine = (a: number, b: number) => (1 - eps) * a + (eps / c) * b;
  const total = (v: number[]) => v.reduce((a, b) => a + b, 0);
  if (o.reduction === 'none') return nll.map((v, i) => combine(v, smooth[i]));
  if (o.reduction === 'sum') return [combine(total(nll), total(smooth))];
  return [combine(total(nll) / divisor, total(smooth) / divisor)];
}

describe('crossEntropy', () => {
  it.each([2, 3, 10])('of uniform logits is log C (C = %d) for every reduction', (c) => {
    const x = Tensor.full([4, c], 0.7);
    const y = [0, c - 1, 1, 0];
    close(crossEntropy(x, y).item(), Math.log(c));
    close(crossEntropy(x, new Int32Array(y), { reduction: 'sum' }).item(), 4 * Math.log(c));
    crossEntropy(x, y, { reduction: 'none' }).data.forEach((v) => close(v, Math.log(c)));
    close(crossEntropy(x, y, { labelSmoothing: 0.3 }).item(), Math.log(c));
    close(crossEntropy(x, y, { weight: [2, ...new Array(c - 1).fill(1)] }).item(), Math.log(c));
  });

  it('gives -log(3/4) for logits [0, ln 3] and class 1', () => {
    close(crossEntropy(Tensor.from([0, Math.log(3)], [1, 2]), [1]).item(), -Math.log(0.75));
  });

  const cases: [string, CrossEntropyOptions][] = [
    ['plain mean', {}],
    ['class weights, mean', { weight: [0.2, 1.5, 3] }],
    ['class weights, sum', { weight: [0.2, 1.5, 3], reduction: 'sum' }],
    ['class weights, none', { weight: [0.2, 1.5, 3], reduction: 'none' }],
    ['label smoothing', { labelSmoothing: 0.1 }],
    ['smoothing + weights, mean', { labelSmoothing: 0.2, weight: [1, 2, 0.5] }],
    ['sample weights, mean', { sampleWeights: [1, 0, 2, 0.5, 3] }],
    ['all three, mean', { sampleWeights: [1, 0.1, 2, 0.5, 3], weight: [0.3, 1, 2], labelSmoothing: 0.05 }],
    [
      'all three, none',
      { sampleWeights: [1, 0.1, 2, 0.5, 3], weight: [0.3, 1, 2], labelSmoothing: 0.05, reduction: 'none' },
    ],
  ];

  it.each(cases)('matches the PyTorch formula: %s', (_name, options) => {
    const x = randn([5, 3], new Generator(9));
    const y = [2, 0, 1, 1, 2];
    const got = crossEntropy(x, y, options).data;
    const want = torchCrossEntropy(x, y, options);
    expect(got.length).toBe(want.length);
    want.forEach((v, i) => close(got[i], v));
  });

  it.each(cases)('gradient matches finite differences: %s', (_name, options) => {
    const g = new Generator(10);
    const x = randn([5, 3], g, { requiresGrad: true });
    const w = options.reduction === 'none' ? randn([5], g) : null;
    expect(gradientMismatches('crossEntropy', [x], () => scalar(crossEntropy(x, [2, 0, 1, 1, 2], options), w))).toEqual(
      [],
    );
  });

  /** logits (N, C, S...) as rows (N·S, C) by hand: row (i, v) holds logits[i, :, v]. */
  function rowsOf(x: Tensor): Tensor {
    const [n, c] = x.shape;
    const s = x.size / (n * c);
    const rows = new Float32Array(x.size);
    for (let i = 0; i < n; i++)
      for (let v = 0; v < s; v++) for (let k = 0; k < c; k++) rows[(i * s + v) * c + k] = x.data[(i * c + k) * s + v];
    return new Tensor(rows, [n * s, c]);
  }

  it.each(cases)('per voxel (N, C, D, H, W) equals the (N·D·H·W, C) loss of its rows: %s', (_name, options) => {
    const x = randn([2, 3, 1, 2, 2], new Generator(11), { requiresGrad: true }); // 8 voxels
    const y = [2, 0, 1, 1, 2, 0, 0, 1];
    const sampleWeights = options.sampleWeights ? [1, 0.1, 2, 0.5, 3, 1, 1, 0.2] : undefined;
    const o = { ...options, ...(sampleWeights ? { sampleWeights } : {}) };
    const got = crossEntropy(x, y, o);
    const want = torchCrossEntropy(rowsOf(x), y, o);
    expect(got.shape).toEqual(options.reduction === 'none' ? [2, 1, 2, 2] : []);
    want.forEach((v, i) => close(got.data[i], v));
    const w = options.reduction === 'none' ? randn([2, 1, 2, 2], new Generator(12)) : null;
    expect(gradientMismatches('crossEntropy', [x], () => scalar(crossEntropy(x, y, o), w))).toEqual([]);
  });

  it('returns NaN for NaN logits without crashing', () => {
    expect(Number.isNaN(crossEntropy(Tensor.from([NaN, 0, 1, 2], [2, 2]), [0, 1]).item())).toBe(true);
  });

  it.each([
    [() => crossEntropy(Tensor.zeros([2, 3]), [0, 3]), /crossEntropy: target\[1\] = 3 is not an integer in \[0, 3\)/],
    [() => crossEntropy(Tensor.zeros([2, 3]), [0.5, 1]), /target\[0\] = 0.5/],
    [() => crossEntropy(Tensor.zeros([2, 3]), [0]), /target has 1 entries but the input has 2 rows/],
    [() => crossEntropy(Tensor.zeros([2]), [0, 1]), /logits must be a non-empty \(N, C\) or \(N, C, d1, ...\) tensor/],
    [() => crossEntropy(Tensor.zeros([2, 3, 4]), [0, 1]), /target has 2 entries but the input has 8 rows/],
    [() => crossEntropy(Tensor.zeros([2, 3]), [0, 1], { weight: [1, 2] }), /weight has 2 entries, expected 3/],
    [
      () => crossEntropy(Tensor.zeros([2, 3]), [0, 1], { sampleWeights: [1, NaN] }),
      /sampleWeights\[1\] must be a finite number/,
    ],
    [() => crossEntropy(Tensor.zeros([2, 3]), [0, 1], { labelSmoothing: 1.5 }), /labelSmoothing must be in \[0, 1\]/],
    [
      () => crossEntropy(Tensor.zeros([2, 3]), [0, 1], { reduction: 'avg' as Reduction }),
      /reduction must be 'mean', 'sum' or 'none'/,
    ],
  ])('rejects bad input clearly (%#)', (f, message) => {
    expect(f).toThrow(message);
  });
});

describe('mseLoss and smoothL1Loss', () => {
  const input = Tensor.from([1, 2, 3, 0.5], [2, 2]);
  const target = Tensor.from([0, 2, 5, 0], [2, 2]); // d = [1, 0, -2, 0.5]
  it.each([
    ['mse mean', () => mseLoss(input, target), [5.25 / 4]],
    ['mse sum', () => mseLoss(input, target, { reduction: 'sum' }), [5.25]],
    ['mse none', () => mseLoss(input, target, { reduction: 'none' }), [1, 0, 4, 0.25]],
    ['smooth L1 beta 1, none', () => smoothL1Loss(input, target, { reduction: 'none' }), [0.5, 0, 1.5, 0.125]],
    [
      'smooth L1 beta 2, sum',
      () => smoothL1Loss(input, target, { beta: 2, reduction: 'sum' }),
      [0.25 + 0 + 1 + 0.0625],
    ],
    ['smooth L1 beta 0 is L1, mean', () => smoothL1Loss(input, target, { beta: 0 }), [3.5 / 4]],
  ])('%s gives hand-computed values', (_name, f, want) => {
    const got = (f as () => Tensor)().data;
    (want as number[]).forEach((v, i) => close(got[i], v));
  });

  it.each([
    ['mseLoss', (a: Tensor, b: Tensor, r: Reduction) => mseLoss(a, b, { reduction: r })],
    ['smoothL1Loss', (a: Tensor, b: Tensor, r: Reduction) => smoothL1Loss(a, b, { reduction: r, beta: 0.5 })],
  ])('%s gradients (input and target) match finite differences', (name, f) => {
    const g = new Generator(4);
    const a = randn([3, 4], g, { requiresGrad: true });
    const b = randn([3, 4], g, { requiresGrad: true });
    const w = randn([3, 4], g);
    for (const r of ['mean', 'sum', 'none'] as Reduction[]) {
      expect(gradientMismatches(name as string, [a, b], () => scalar(f(a, b, r), r === 'none' ? w : null))).toEqual([]);
    }
  });

  it('rejects mismatched shapes and a bad beta', () => {
    expect(() => mseLoss(Tensor.zeros([2]), Tensor.zeros([3]))).toThrow(
      /mseLoss: input shape \[2\] does not match target shape \[3\]/,
    );
    expect(() => smoothL1Loss(input, target, { beta: -1 })).toThrow(/beta must be a finite number >= 0/);
  });
});

describe('diceLoss', () => {
  it('gives hand-computed values', () => {
    // (n, c) = (0, 0): p = [1, 0, 1, 0], t = [1, 0, 0, 0] -> 1 - (2 + s)/(3 + s); (0, 1): p = t -> 1 - (2k + s)/(2k +
    // s) = 0.
    const p = Tensor.from([1, 0, 1, 0, 0.5, 0.5, 0, 1], [1, 2, 2, 2]);
    const t = Tensor.from([1, 0, 0, 0, 0.5, 0.5, 0, 1], [1, 2, 2, 2]);
    const s = 1e-5;
    const none = diceLoss(p, t, { reduction: 'none' });
    expect(none.shape).toEqual([1, 2]);
    close(none.data[0], 1 - (2 + s) / (3 + s));
    const perfect = 1 - (2 * 1.5 + s) / (4 + s);
    close(none.data[1], perfect);
    close(diceLoss(p, t).item(), (none.data[0] + none.data[1]) / 2);
    close(diceLoss(p, t, { reduction: 'sum', smooth: 1 }).item(), 1 - 3 / 4 + (1 - (3 + 1) / (4 + 1)));
    // Empty prediction and empty target: smooth makes it 0 (a perfect match), not NaN.
    close(diceLoss(Tensor.zeros([1, 1, 3]), Tensor.zeros([1, 1, 3])).item(), 0);
  });

  it.each([[[2, 3, 4]], [[1, 2, 2, 2, 2]]])('gradients for shape %j match finite differences', (shape) => {
    const g = new Generator(8);
    const p = rand(shape, g, { requiresGrad: true });
    const t = rand(shape, g, { requiresGrad: true });
    const w = randn(shape.slice(0, 2), g);
    expect(gradientMismatches('diceLoss', [p, t], () => diceLoss(p, t))).toEqual([]);
    expect(gradientMismatches('diceLoss', [p, t], () => scalar(diceLoss(p, t, { reduction: 'none' }), w))).toEqual([]);
  });

  it('rejects 1-D input', () => {
    expect(() => diceLoss(Tensor.zeros([4]), Tensor.zeros([4]))).toThrow(/diceLoss: input must be \(N, C, \.\.\.\)/);
  });
});

describe('l2Normalize', () => {
  it('makes rows unit length and leaves a zero row at zero', () => {
    const y = l2Normalize(Tensor.from([3, 4, 0, 0, -1, 0], [3, 2]));
    expect(Array.from(y.data)).toEqual([0.6, 0.8, 0, 0, -1, 0].map(Math.fround));
  });

  it('gradient matches finite differences', () => {
    const g = new Generator(3);
    const x = randn([4, 5], g, { requiresGrad: true });
    const w = randn([4, 5], g);
    expect(gradientMismatches('l2Normalize', [x], () => sum(mul(l2Normalize(x), w)))).toEqual([]);
  });

  it('rejects bad input', () => {
    expect(() => l2Normalize(Tensor.zeros([2, 2, 2]))).toThrow(/l2Normalize: x must be 2-D/);
    expect(() => l2Normalize(Tensor.zeros([2, 2]), { eps: 0 })).toThrow(/eps must be a finite number > 0/);
  });
});
