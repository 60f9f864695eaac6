// svdvals: small rank-deficient matrices with known singular values, matrices built as U·diag(s)·Vᵀ from
// Householder reflections, batches, wide and tall shapes, agreement with the eigenvalues of AᵀA (symmetricEigen),
// the reference backend, NaN, and clear errors from the op and the binding.
import { Generator, Tensor, crossProduct, native, svdvals, symmetricEigenvalues } from '../../src';

/** n x n Householder reflection I − 2vvᵀ/(vᵀv) for a seeded random v: orthogonal. */
function reflection(n: number, g: Generator): number[][] {
  const v = Array.from({ length: n }, () => g.normal());
  const vv = v.reduce((a, b) => a + b * b, 0);
  return v.map((vi, i) => v.map((vj, j) => (i === j ? 1 : 0) - (2 * vi * vj) / vv));
}

/** (m, n) row-major with singular values s (length min(m, n)), in float64 then rounded to float32. */
function withSingularValues(m: number, n: number, s: number[], seed: number): Float32Array {
  const g = new Generator(seed);
  const U = reflection(m, g);
  const V = reflection(n, g);
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let t = 0; t < s.length; t++) acc += U[i][t] * s[t] * V[j][t];
      out[i * n + j] = acc;
    }
  return out;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(atol);
}

describe('svdvals', () => {
  it.each([
    ['rank 1 (2, 2): rows (1, 2) and (2, 4)', [2, 2], [1, 2, 2, 4], [5, 0]],
    ['rank 1 (2, 3): two equal rows (1, 1, 0)', [2, 3], [1, 1, 0, 1, 1, 0], [2, 0]],
    ['rank 1 (3, 2): one column (3, 4, 0)', [3, 2], [3, 0, 4, 0, 0, 0], [5, 0]],
    ['rank 2 (3, 3): diag(0, 2, 1) permuted', [3, 3], [0, 0, 1, 0, 2, 0, 0, 0, 0], [2, 1, 0]],
    ['zero (2, 2)', [2, 2], [0, 0, 0, 0], [0, 0]],
  ])('of a known %s', (_name, shape, data, want) => {
    const got = svdvals(new Tensor(Float32Array.from(data), shape));
    expectClose(got.data, want, 1e-5 * Math.max(1, ...want));
  });

  it.each([
    [
      [5, 3],
      [3, 1, 2],
    ],
    [
      [3, 5],
      [0.5, 4, 0.5],
    ],
    [
      [40, 8],
      [8, 7, 6, 5, 4, 3, 2, 1],
    ],
    [
      [6, 6],
      [2, 2, 0, 0, 1, 9],
    ],
  ])('recovers the singular values of a %j matrix built with %j', (shape, s) => {
    const [m, n] = shape;
    const x = new Tensor(withSingularValues(m, n, s, m * 10 + n), [m, n]);
    const got = svdvals(x);
    expect(got.shape).toEqual([Math.min(m, n)]);
    expectClose(
      got.data,
      [...s].sort((a, b) => b - a),
      2e-5 * Math.max(...s),
    );
  });

  it('is batched over leading dimensions, like torch.linalg.svdvals', () => {
    const spectra = [
      [4, 3, 1],
      [1, 1, 1],
      [10, 0.1, 0.01],
      [2, 0, 0],
    ];
    const data = new Float32Array(4 * 7 * 3);
    spectra.forEach((s, b) => data.set(withSingularValues(7, 3, s, 100 + b), b * 21));
    const got = svdvals(new Tensor(data, [2, 2, 7, 3]));
    expect(got.shape).toEqual([2, 2, 3]);
    expectClose(got.data, spectra.flat(), 2e-4);
  });

  it.each([
    [30, 6],
    [5, 9],
  ])('squared, equals the eigenvalues of AᵀA (or AAᵀ) for a random (%i, %i) A', (m, n) => {
    const g = new Generator(m + n);
    const a = Float32Array.from({ length: m * n }, () => g.normal());
    const s = svdvals(new Tensor(a, [m, n])).data;
    const A = { rows: m, cols: n, data: Float64Array.from(a) };
    const At = {
      rows: n,
      cols: m,
      data: Float64Array.from({ length: m * n }, (_, k) => a[(k % m) * n + Math.floor(k / m)]),
    };
    const eig = symmetricEigenvalues(m >= n ? crossProduct(A, A) : crossProduct(At, At));
    const top = eig[0];
    expectClose(
      Array.from(s, (v) => v * v),
      eig.slice(0, Math.min(m, n)),
      1e-5 * top,
    );
  });

  it('agrees with the reference kernel (one-sided Jacobi) on random matrices', () => {
    const g = new Generator(9);
    const a = Float32Array.from({ length: 3 * 50 * 17 }, () => g.normal());
    const fast = native.svdvals(a, 3, 50, 17);
    const ref = native.svdvals(a, 3, 50, 17, 'ref');
    expectClose(fast, ref, 1e-4);
  });

  it('gives NaN for a matrix holding NaN', () => {
    const got = svdvals(new Tensor(new Float32Array([1, NaN, 0, 1]), [2, 2]));
    expect(Array.from(got.data).every(Number.isNaN)).toBe(true);
  });

  it.each([
    [() => svdvals(new Tensor(new Float32Array(3), [3])), 'svdvals: x must have shape (..., m, n), got [3]'],
    [() => svdvals(new Tensor(new Float32Array(0), [0, 2])), 'is empty'],
    [() => svdvals(new Tensor(new Float32Array(513 * 513), [513, 513])), 'min(m, n) of x [513, 513] is 513'],
    [() => native.svdvals(new Float32Array(5), 1, 2, 3), 'SvdVals: a has 5 elements but shape [1, 2, 3] needs 6'],
    [() => native.svdvals(new Float32Array(6), 1, 2.5, 3), 'SvdVals: rows must be a positive integer, got 2.5'],
    [() => native.svdvals(new Float32Array(6), 1, 2, 3, 'gpu' as 'cpu'), "unknown backend 'gpu'"],
  ])('error %#', (f, msg) => expect(f).toThrow(msg));
});
