// cat / narrow / split: values against an index-by-index reference, gradients, and error messages.
import { Tensor, cat, narrow, split, sum, mul, Generator, randn } from '../src';

/** Reads x at a multi-index (row-major). */
function at(x: Tensor, idx: number[]): number {
  let flat = 0;
  for (let i = 0; i < idx.length; i++) flat = flat * x.shape[i] + idx[i];
  return x.data[flat];
}

/** Every multi-index of a shape, in row-major order. */
function* indices(shape: readonly number[]): IterableIterator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < n; f++) {
    const idx = new Array(shape.length).fill(0);
    let r = f;
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = r % shape[i];
      r = Math.floor(r / shape[i]);
    }
    yield idx;
  }
}

describe('cat', () => {
  it.each([
    ['dim 0 of 1-D', [[2], [3], [1]], 0],
    [
      'dim 1 of 5-D (U-Net skip)',
      [
        [2, 3, 2, 2, 3],
        [2, 1, 2, 2, 3],
        [2, 2, 2, 2, 3],
      ],
      1,
    ],
    [
      'last dim, negative index',
      [
        [3, 2, 4],
        [3, 2, 1],
      ],
      -1,
    ],
    [
      'middle dim',
      [
        [2, 1, 3],
        [2, 4, 3],
      ],
      1,
    ],
    [
      'with an empty piece',
      [
        [2, 0, 3],
        [2, 2, 3],
      ],
      1,
    ],
  ])('%s', (_name, shapes, dim) => {
    const g = new Generator(3);
    const xs = (shapes as number[][]).map((s) => randn(s, g));
    const y = cat(xs, dim as number);
    const d = (dim as number) < 0 ? (dim as number) + xs[0].ndim : (dim as number);
    const offsets: number[] = [];
    let acc = 0;
    for (const x of xs) {
      offsets.push(acc);
      acc += x.shape[d];
    }
    expect(y.shape).toEqual(xs[0].shape.map((s, i) => (i === d ? acc : s)));
    for (const idx of indices(y.shape)) {
      let k = 0;
      while (k + 1 < xs.length && idx[d] >= offsets[k + 1]) k++;
      const src = [...idx];
      src[d] -= offsets[k];
      expect(at(y, idx)).toBe(at(xs[k], src));
    }
  });

  it('gives each input its slice of the gradient, skipping inputs without grad', () => {
    const a = Tensor.from([1, 2, 3, 4], [2, 2], { requiresGrad: true });
    const b = Tensor.from([5, 6], [2, 1]);
    const c = Tensor.from([7, 8, 9, 10], [2, 2], { requiresGrad: true });
    const y = cat([a, b, c], 1); // (2, 5)
    const w = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 5]);
    sum(mul(y, w)).backward();
    expect(Array.from(a.grad!.data)).toEqual([1, 2, 6, 7]);
    expect(Array.from(c.grad!.data)).toEqual([4, 5, 9, 10]);
    expect(b.grad).toBeNull();
  });

  it.each([
    [
      [
        [2, 3],
        [3, 3],
      ],
      1,
      /cat: tensor 1 has shape \[3, 3\], incompatible with tensor 0's \[2, 3\] for concatenation on dim 1/,
    ],
    [
      [
        [2, 3],
        [2, 3, 1],
      ],
      0,
      /cat: tensor 1 has shape \[2, 3, 1\]/,
    ],
    [[[2, 3]], 2, /cat: dim 2 is out of range for a 2-D tensor/],
    [[], 0, /cat: expects a non-empty array/],
  ])('rejects %j on dim %d', (shapes, dim, message) => {
    const xs = (shapes as number[][]).map((s) => Tensor.zeros(s));
    expect(() => cat(xs, dim as number)).toThrow(message as RegExp);
  });
});

describe('narrow and split', () => {
  it('narrow takes a slice and scatters its gradient back', () => {
    const x = Tensor.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 3, 2], { requiresGrad: true });
    const y = narrow(x, 1, 1, 2);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(Array.from(y.data)).toEqual([2, 3, 4, 5, 8, 9, 10, 11]);
    sum(mul(y, Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]))).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 1, 2, 3, 4, 0, 0, 5, 6, 7, 8]);
  });

  it('split undoes cat', () => {
    const g = new Generator(9);
    const a = randn([2, 3, 4], g),
      b = randn([2, 5, 4], g);
    const [a2, b2] = split(cat([a, b], 1), [3, 5], 1);
    expect(a2.data).toEqual(a.data);
    expect(b2.data).toEqual(b.data);
  });

  it.each([
    [() => narrow(Tensor.zeros([2, 3]), 1, 2, 2), /narrow: start 2 and length 2 do not fit dim 1 of size 3/],
    [() => narrow(Tensor.zeros([2, 3]), 2, 0, 1), /narrow: dim 2 is out of range/],
    [() => split(Tensor.zeros([2, 3]), [1, 1], 1), /split: sizes \[1, 1\] must be non-negative integers summing to 3/],
  ])('rejects bad arguments %#', (fn, message) => {
    expect(fn).toThrow(message);
  });
});
