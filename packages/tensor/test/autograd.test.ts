// Autograd engine: graph recording, accumulation over shared inputs, noGrad, and error messages.
import { Tensor, add, mul, mulScalar, sum, mean, reshape, relu, noGrad } from '../src';

describe('autograd', () => {
  it('accumulates gradients of a tensor used twice', () => {
    const x = Tensor.from([1, -2, 3], [3], { requiresGrad: true });
    const y = sum(add(mul(x, x), mulScalar(x, 3))); // d/dx = 2x + 3
    y.backward();
    expect(Array.from(x.grad!.data)).toEqual([5, -1, 9]);
  });

  it('flows through reshape and relu', () => {
    const x = Tensor.from([1, -2, 3, -4], [2, 2], { requiresGrad: true });
    mean(relu(reshape(x, [4]))).backward();
    expect(Array.from(x.grad!.data)).toEqual([0.25, 0, 0.25, 0]);
    expect(x.grad!.shape).toEqual([2, 2]);
  });

  it('adds into an existing .grad on a second backward', () => {
    const x = Tensor.from([2], [1], { requiresGrad: true });
    sum(mulScalar(x, 2)).backward();
    sum(mulScalar(x, 2)).backward();
    expect(x.grad!.data[0]).toBe(4);
  });

  it('records nothing under noGrad', () => {
    const x = Tensor.from([1, 2], [2], { requiresGrad: true });
    const y = noGrad(() => mul(x, x));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });

  it('explains bad shapes and non-scalar backward', () => {
    expect(() => Tensor.from([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
    const a = Tensor.from([1, 2], [2], { requiresGrad: true });
    expect(() => add(a, Tensor.from([1, 2, 3], [3]))).toThrow(/add: a shape \[2\] does not match b shape \[3\]/);
    expect(() => mul(a, a).backward()).toThrow(/only scalars default to 1/);
    expect(() => reshape(a, [3])).toThrow(/reshape: cannot view 2 elements/);
  });

  it('propagates NaN through relu without crashing', () => {
    const y = relu(Tensor.from([NaN, -1, 1], [3]));
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(Array.from(y.data.slice(1))).toEqual([0, 1]);
  });
});
