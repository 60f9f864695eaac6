// Column statistics and centring: known means and population stds, a constant column, centred columns that sum
// to 0 on a random matrix (and add back to it), and the named errors of centredMatrix.
import { Generator, centredMatrix, columnMeanStd, columnMeans, randn } from '../../src';
import { expectAllClose } from './helpers';

describe('columnMeans / columnMeanStd', () => {
  it.each([
    ['(4, 2)', [1, 10, 2, 10, 3, 10, 4, 10], 4, 2, [2.5, 10], [Math.sqrt(1.25), 0]],
    ['(2, 3)', [0, -1, 6, 2, 1, 2], 2, 3, [1, 0, 4], [1, 1, 2]],
    ['one sample', [3, 4], 1, 2, [3, 4], [0, 0]],
  ])('%s', (_name, X, n, d, mean, std) => {
    expectAllClose(columnMeans(X, n, d), mean, 1e-15);
    const got = columnMeanStd(X, n, d);
    expectAllClose(got.mean, mean, 1e-15);
    expectAllClose(got.std, std, 1e-15);
  });

  it('gives a constant column a std of 0: exactly for zeros, to rounding for 0.1', () => {
    const X = Float64Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 0.1 : i));
    const { std } = columnMeanStd(X, 10, 3);
    expect(std[0]).toBe(0);
    expect(std[1]).toBeLessThan(1e-15);
  });
});

describe('centredMatrix', () => {
  it('removes each column mean: columns sum to 0 and x = centred + means', () => {
    const x = randn([11, 2, 3], new Generator(5)); // (N, 2, 3) -> (11, 6)
    const m = centredMatrix('test', 'x', x);
    expect([m.rows, m.cols]).toEqual([11, 6]);
    const means = columnMeans(x.data, 11, 6);
    for (let j = 0; j < 6; j++) {
      let s = 0;
      for (let i = 0; i < 11; i++) s += m.data[i * 6 + j];
      expect(Math.abs(s)).toBeLessThan(1e-12);
    }
    expectAllClose(
      m.data.map((v, k) => v + means[k % 6]),
      x.data,
      1e-12,
    );
  });

  it.each([
    [{ data: [1, 2], shape: [2] }, 'f: y must be (N, features...), got shape [2]'],
    [{ data: [1, 2], shape: [1, 2] }, 'f: y needs at least 2 samples, got 1'],
    [{ data: [], shape: [2, 0] }, 'f: y has no features (shape [2,0])'],
    [{ data: [1, 2, 3], shape: [2, 2] }, 'f: y has 3 values but shape [2,2] needs 4'],
    [{ data: [1, 2, NaN, 4], shape: [2, 2] }, 'f: y[1][0] is NaN'],
    [null, 'f: y must be a Tensor or { data, shape }'],
  ])('names bad input %#', (x, msg) => {
    expect(() => centredMatrix('f', 'y', x as never)).toThrow(msg);
  });
});
