// dropout: seeded masks, inverted scaling, evaluation identity, gradient through the mask, errors.
import { Tensor, dropout, sum, randn, Generator } from '../src';

describe('dropout', () => {
  it.each([0.1, 0.5, 0.9])('keeps about 1 - p of the elements, scaled by 1/(1-p) (p = %d)', (p) => {
    const x = Tensor.ones([20000]);
    const y = dropout(x, p, { generator: new Generator(1) });
    const kept = Array.from(y.data).filter((v) => v !== 0);
    kept.forEach((v) => expect(v).toBe(Math.fround(1 / (1 - p))));
    expect(Math.abs(kept.length / x.size - (1 - p))).toBeLessThan(0.02);
    expect(Math.abs(y.data.reduce((a, v) => a + v, 0) / x.size - 1)).toBeLessThan(0.06);
  });

  it('draws the same mask for the same seed and another for another seed', () => {
    const x = randn([4, 50], new Generator(0));
    const a = dropout(x, 0.3, { generator: new Generator(7) }).data;
    expect(dropout(x, 0.3, { generator: new Generator(7) }).data).toEqual(a);
    expect(dropout(x, 0.3, { generator: new Generator(8) }).data).not.toEqual(a);
  });

  it('with a seed, the mask is that of a fresh Generator(seed): the same every call', () => {
    const x = randn([4, 50], new Generator(0));
    const a = dropout(x, 0.3, { seed: 7 }).data;
    expect(dropout(x, 0.3, { seed: 7 }).data).toEqual(a);
    expect(dropout(x, 0.3, { generator: new Generator(7) }).data).toEqual(a);
    expect(dropout(x, 0.3, { seed: 8 }).data).not.toEqual(a);
    expect(() => dropout(x, 0.3, { seed: 1.5 })).toThrow(/options.seed must be a safe integer, got 1.5/);
  });

  it('keeps element i exactly when the i-th uniform draw is >= p', () => {
    const g = new Generator(5);
    const draws = Array.from({ length: 10 }, () => g.uniform());
    const y = dropout(Tensor.ones([10]), 0.4, { generator: new Generator(5) });
    draws.forEach((u, i) => expect(y.data[i] !== 0).toBe(u >= 0.4));
  });

  it('is the identity in evaluation mode and for p = 0', () => {
    const x = randn([3, 3], new Generator(1));
    expect(dropout(x, 0.5, { training: false })).toBe(x);
    expect(dropout(x, 0)).toBe(x);
  });

  it('passes the gradient through the same mask', () => {
    const x = randn([100], new Generator(2), { requiresGrad: true });
    const y = dropout(x, 0.25, { generator: new Generator(3) });
    sum(y).backward();
    x.grad!.data.forEach((gv, i) => expect(gv).toBe(y.data[i] === 0 ? 0 : Math.fround(1 / 0.75)));
  });

  it('keeps NaN everywhere (x * mask, and NaN * 0 is NaN, as in PyTorch) without crashing', () => {
    const y = dropout(Tensor.from([NaN, NaN, NaN, NaN, 1, 1, 1, 1], [8]), 0.5, { generator: new Generator(1) });
    expect(Array.from(y.data.slice(0, 4)).every(Number.isNaN)).toBe(true);
    expect(Array.from(y.data.slice(4)).every((v) => v === 0 || v === 2)).toBe(true);
  });

  it.each([1, -0.1, NaN, 2])('rejects p = %d', (p) => {
    expect(() => dropout(Tensor.ones([2]), p, { generator: new Generator(0) })).toThrow(
      /dropout: p must be in \[0, 1\)/,
    );
  });

  it('needs a generator in training mode', () => {
    expect(() => dropout(Tensor.ones([2]), 0.5)).toThrow(
      /options.generator \(a seeded Generator\) or options.seed is required/,
    );
  });
});
