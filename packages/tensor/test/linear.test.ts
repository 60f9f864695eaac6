// matmul / linear: 'cpu' vs 'ref' MatMul through the binding, values against a naive product,
// autograd against float32 finite differences, and errors.
import { Tensor, linear, matmul, native, sum, mul, Generator, randn } from '../src';
import { gradientMismatches } from './gradcheck';
import { TOLERANCES } from './tolerances';

const kernelTol = TOLERANCES.kernels;

function expectClose(got: Float32Array, want: ArrayLike<number>, tol: { atol: number; rtol: number }): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol.atol + tol.rtol * Math.abs(want[i]))) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
}

describe('MatMul kernel: cpu matches ref', () => {
  it.each([
    [1, 1, 1],
    [5, 7, 3],
    [33, 17, 65],
    [32, 2, 64],
    [9, 49, 130],
  ])('m=%i n=%i k=%i, all transposes', (m, n, k) => {
    const g = new Generator(m * 100 + n);
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        const a = randn([m * k], g).data;
        const b = randn([k * n], g).data;
        const as: [number, number] = ta ? [k, m] : [m, k];
        const bs: [number, number] = tb ? [n, k] : [k, n];
        const c = native.matmul(a, as, b, bs, ta, tb, 'cpu');
        expectClose(c, native.matmul(a, as, b, bs, ta, tb, 'ref'), kernelTol.MatMul);
      }
  });
});

describe('matmul / linear', () => {
  it('matmul computes the product', () => {
    const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = Tensor.from([1, 0, 0, 1, 1, 1], [3, 2]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 2]);
    expect(Array.from(c.data)).toEqual([4, 5, 10, 11]);
  });

  it('linear is x Wᵀ + b', () => {
    const x = Tensor.from([1, 2, 3, 4], [2, 2]);
    const w = Tensor.from([1, 1, 0, 2, -1, 0], [3, 2]);
    const b = Tensor.from([0.5, 0, 1], [3]);
    expect(Array.from(linear(x, w, b).data)).toEqual([3.5, 4, 0, 7.5, 8, -2]);
  });

  it.each([
    ['matmul', [4, 5], [5, 3], false],
    ['linear with bias', [3, 6], [4, 6], true],
    ['linear batch 1, no bias', [1, 7], [2, 7], false],
  ] as [string, number[], number[], boolean][])('%s: gradients match finite differences', (name, as, bs, withBias) => {
    const g = new Generator(3);
    const a = randn(as, g, { requiresGrad: true });
    const b = randn(bs, g, { requiresGrad: true });
    const bias = withBias ? randn([bs[0]], g, { requiresGrad: true }) : null;
    const f = name === 'matmul' ? () => matmul(a, b) : () => linear(a, b, bias);
    const probe = randn(f().shape, g);
    const inputs = bias ? [a, b, bias] : [a, b];
    expect(gradientMismatches(name.split(' ')[0], inputs, () => sum(mul(f(), probe)))).toEqual([]);
  });

  it('skips gradients of inputs that need none', () => {
    const x = Tensor.ones([2, 3]);
    const w = Tensor.ones([4, 3], { requiresGrad: true });
    const spy = jest.spyOn(native, 'matmul');
    sum(linear(x, w)).backward();
    expect(spy).toHaveBeenCalledTimes(2); // forward and dW only
    spy.mockRestore();
    expect(Array.from(w.grad!.data)).toEqual(new Array(12).fill(2));
  });

  it('propagates NaN', () => {
    const y = linear(Tensor.from([NaN, 1], [1, 2]), Tensor.ones([2, 2]));
    expect(Array.from(y.data).every(Number.isNaN)).toBe(true);
  });

  it.each([
    [
      'matmul inner mismatch',
      () => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2])),
      /matmul: a \[2, 3\] and b \[4, 2\] have different inner dimensions/,
    ],
    [
      'matmul 3-D',
      () => matmul(Tensor.zeros([2, 3, 1]), Tensor.zeros([3, 2])),
      /matmul: a must be 2-D, got shape \[2, 3, 1\]/,
    ],
    [
      'linear features',
      () => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 5])),
      /linear: input \[2, 3\] has 3 features but weight \[4, 5\] expects 5/,
    ],
    [
      'linear bias',
      () => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 3]), Tensor.zeros([3])),
      /linear: bias must have shape \[4\], got \[3\]/,
    ],
    [
      'binding length',
      () => native.matmul(new Float32Array(5), [2, 3], new Float32Array(6), [3, 2], false, false),
      /matmul: a has 5 elements but shape \[2, 3\] needs 6/,
    ],
    [
      'binding rank',
      () => native.matmul(new Float32Array(6), [6] as never, new Float32Array(6), [3, 2], false, false),
      /matmul: a must have 2 dimensions/,
    ],
    [
      'binding inner',
      () => native.matmul(new Float32Array(6), [2, 3], new Float32Array(6), [3, 2], true, false),
      /matmul: inner dimensions differ/,
    ],
    [
      'binding flag type',
      () => native.matmul(new Float32Array(6), [2, 3], new Float32Array(6), [3, 2], 1 as never, false),
      /matmul: transA must be a boolean/,
    ],
  ] as [string, () => unknown, RegExp][])('error: %s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });
});
