// softmax / logSoftmax: values against a float64 JS computation, hand values, extreme logits, NaN rows,
// the reference backend, gradients by finite differences, and clear errors.
import { Tensor, softmax, logSoftmax, sum, mul, randn, Generator, native } from '../src';
import { gradientMismatches } from './gradcheck';

/** Row-wise softmax in float64, written out directly. */
function softmaxRows(x: ArrayLike<number>, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = Array.from({ length: cols }, (_, j) => x[i * cols + j]);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol = 1e-6, rtol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(Number.isNaN(got[i])).toBe(true);
    else expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(atol + rtol * Math.abs(want[i]));
  }
}

describe('softmax and logSoftmax', () => {
  it.each([
    [[1, 1], -1],
    [[3, 5], -1],
    [[4, 7], 1],
    [[2, 1000], -1],
    [[65, 3], 1],
  ])('match a float64 computation for shape %j, dim %d', (shape, dim) => {
    const x = randn(shape, new Generator(shape[0] * 31 + shape[1]));
    for (let i = 0; i < x.size; i++) x.data[i] *= 5;
    const want = softmaxRows(x.data, shape[0], shape[1]);
    expectClose(softmax(x, dim).data, want);
    expectClose(logSoftmax(x, dim).data, want.map(Math.log), 1e-5, 1e-5);
    expectClose(native.softmax(x.data, shape[0], shape[1], 'ref'), want);
  });

  it('gives hand-computed values and survives huge logits', () => {
    const x = Tensor.from([0, Math.log(3), 1000, 1000, -1000, 0], [3, 2]);
    expectClose(softmax(x).data, [0.25, 0.75, 0.5, 0.5, 0, 1]);
    expectClose(logSoftmax(Tensor.from([0, 0, 0, 0], [1, 4])).data, [
      -Math.log(4),
      -Math.log(4),
      -Math.log(4),
      -Math.log(4),
    ]);
    expectClose(logSoftmax(x).data.slice(4), [-1000, 0]);
  });

  it('propagates NaN to its row only, without crashing', () => {
    const x = Tensor.from([NaN, 1, 2, 0, 1, 2], [2, 3]);
    for (const f of [softmax, logSoftmax]) {
      const y = f(x);
      expect(Array.from(y.data.slice(0, 3)).every(Number.isNaN)).toBe(true);
      expect(Array.from(y.data.slice(3)).every(Number.isFinite)).toBe(true);
    }
  });

  it.each([
    ['softmax', softmax],
    ['logSoftmax', logSoftmax],
  ])('%s gradient matches finite differences', (name, f) => {
    const g = new Generator(5);
    const x = randn([3, 4], g, { requiresGrad: true });
    const w = randn([3, 4], g);
    expect(gradientMismatches(name as string, [x], () => sum(mul((f as typeof softmax)(x), w)))).toEqual([]);
  });

  it.each([
    [[2, 3, 4], -1, /must be 2-D \(N, C\), got shape \[2, 3, 4\]/],
    [[2, 3], 0, /dim must be -1 or 1/],
    [[0, 3], -1, /is empty/],
  ])('rejects shape %j dim %d clearly', (shape, dim, message) => {
    const x = Tensor.zeros(shape as number[]);
    expect(() => softmax(x, dim as number)).toThrow(message as RegExp);
    expect(() => logSoftmax(x, dim as number)).toThrow(message as RegExp);
  });

  it('native binding validates its arguments', () => {
    expect(() => native.softmax(new Float32Array(6), 4, 2)).toThrow(
      /Softmax: x has 6 elements but shape \[4, 2\] needs 8/,
    );
    expect(() => native.logSoftmax(new Float32Array(6), 0, 6)).toThrow(/rows must be a positive integer/);
    expect(() => native.softmaxGrad(new Float32Array(6), new Float32Array(5), 2, 3)).toThrow(
      /dy has 5 elements but y has 6/,
    );
    expect(() => native.logSoftmaxGrad(new Float32Array(6), new Float32Array(6), 2.5, 3)).toThrow(
      /rows must be a positive integer/,
    );
    expect(() => (native.softmax as unknown as (a: unknown) => unknown)([1, 2])).toThrow(/x must be a Float32Array/);
  });
});
