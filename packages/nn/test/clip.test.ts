// Gradient clipping: total norm returned, rescaling only above the limit, value clamping, shared grads.
import { Tensor } from '@nodulab/tensor';
import { clipGradNorm_, clipGradValue_ } from '../src';

function withGrad(values: number[]): Tensor {
  const p = Tensor.zeros([values.length], { requiresGrad: true });
  p.grad = Tensor.from(values, [values.length]);
  return p;
}

describe('clipGradNorm_', () => {
  it.each([
    [
      '2-norm above the limit',
      [
        [3, 0],
        [0, 4],
      ],
      2,
      1,
      5,
    ],
    ['2-norm below the limit', [[0.3], [0.4]], 2, 1, 0.5],
    ['1-norm', [[1, -2], [3]], 1, 3, 6],
    ['inf-norm', [[1, -7], [3]], Infinity, 2, 7],
  ])('%s', (_name, grads, normType, maxNorm, total) => {
    const ps = (grads as number[][]).map(withGrad);
    const before = ps.map((p) => Array.from(p.grad!.data));
    expect(clipGradNorm_(ps, maxNorm as number, { normType: normType as number })).toBeCloseTo(total as number, 6);
    const coef = Math.min(1, (maxNorm as number) / ((total as number) + 1e-6));
    ps.forEach((p, k) => before[k].forEach((g, i) => expect(p.grad!.data[i]).toBeCloseTo(g * coef, 6)));
  });

  it('does not scale a gradient array twice when two parameters share it', () => {
    const shared = Tensor.from([3, 4], [2]);
    const a = Tensor.zeros([2]),
      b = Tensor.zeros([2]);
    a.grad = shared;
    b.grad = shared;
    expect(clipGradNorm_([a, b], 1)).toBeCloseTo(Math.sqrt(50), 6);
    expect(a.grad!.data[1]).toBeCloseTo(4 / Math.sqrt(50), 6);
    expect(b.grad!.data[1]).toBeCloseTo(4 / Math.sqrt(50), 6);
    expect(Array.from(shared.data)).toEqual([3, 4]);
  });

  it('skips parameters without gradients and reports non-finite norms on request', () => {
    expect(clipGradNorm_([Tensor.zeros([2]), withGrad([0, 2])], 1)).toBeCloseTo(2, 6);
    expect(() => clipGradNorm_([withGrad([NaN])], 1, { errorIfNonfinite: true })).toThrow(
      /total norm of order 2 of the gradients is NaN/,
    );
    expect(() => clipGradNorm_([withGrad([1])], -1)).toThrow(/maxNorm must be >= 0/);
  });
});

describe('clipGradValue_', () => {
  it('clamps every element', () => {
    const p = withGrad([-3, -0.5, 0.2, 9]);
    clipGradValue_([p], 1);
    expect(Array.from(p.grad!.data)).toEqual([-1, -0.5, Math.fround(0.2), 1]);
    expect(() => clipGradValue_(p, -1)).toThrow(/clipValue must be >= 0/);
  });
});
