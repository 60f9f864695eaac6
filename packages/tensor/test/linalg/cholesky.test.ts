// Cholesky: the factor of a known SPD matrix, solves of known systems (one and several right-hand sides), random
// SPD systems checked by reconstruction (L Lᵀ = A, A X = B), and the named errors.
import { cholesky, choleskySolve } from '../../src';
import { expectAllClose, multiply, randomMatrix, randomSpd } from './helpers';

// A classic SPD matrix with an integer factor: L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]].
const A3 = [4, 12, -16, 12, 37, -43, -16, -43, 98];

describe('cholesky', () => {
  it.each([
    ['1 × 1', [9], [3]],
    ['2 × 2', [4, 2, 2, 3], [2, 0, 1, Math.SQRT2]],
    ['3 × 3 with an integer factor', A3, [2, 0, 0, 6, 1, 0, -8, 5, 3]],
  ])('%s', (_name, A, L) => {
    expectAllClose(cholesky(A, Math.sqrt(A.length)), L, 1e-14);
  });

  it.each([3, 8, 25])('L Lᵀ = A on a random SPD (%i, %i)', (d) => {
    const A = randomSpd(d, d);
    const L = { rows: d, cols: d, data: cholesky(A.data, d) };
    const Lt = { rows: d, cols: d, data: L.data.map((_, k) => L.data[(k % d) * d + Math.floor(k / d)]) };
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) expect(L.data[i * d + j]).toBe(0);
    expectAllClose(multiply(L, Lt).data, A.data, 1e-12, 1e-12);
  });
});

describe('choleskySolve', () => {
  it.each([
    { A: [4, 2, 2, 3], B: [2, 1], x: [0.5, 0] },
    { A: [2, 0, 0, 5], B: [4, 10, 2, 5], x: [2, 5, 0.4, 1] },
    // A3 · (1, 2, 3) = (−20, −43, 192)
    { A: A3, B: [-20, -43, 192], x: [1, 2, 3] },
    // two right-hand sides: columns (1, 2, 3) and (0, 0, 1) of X, (3, 2) row-major
    { A: A3, B: [-20, -16, -43, -43, 192, 98], x: [1, 0, 2, 0, 3, 1] },
  ])('solves %j', ({ A, B, x }) => {
    const d = Math.sqrt(A.length);
    const got = choleskySolve(Float64Array.from(A), Float64Array.from(B), d, B.length / d);
    got.forEach((v, i) => expect(v).toBeCloseTo(x[i], 10));
  });

  it.each([
    [1, 1],
    [6, 1],
    [12, 4],
    [40, 3],
  ])('A X = B on a random SPD (%i, %i) system, B unchanged', (d, k) => {
    const A = randomSpd(d, 100 + d);
    const B = randomMatrix(d, k, 200 + d);
    const before = Float64Array.from(B.data);
    const X = { rows: d, cols: k, data: choleskySolve(A.data, B.data, d, k) };
    expectAllClose(multiply(A, X).data, B.data, 1e-11);
    expect(B.data).toEqual(before);
  });

  it('rejects a matrix that is not positive definite', () => {
    expect(() => choleskySolve(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2, 1)).toThrow(
      /not positive definite/,
    );
  });

  it.each([
    [() => choleskySolve([1, 2, 2, 1], [1, 1], 2, 1), 'choleskySolve: matrix is not positive definite (pivot 1 = -3)'],
    [() => choleskySolve([1, 0, 0, NaN], [1, 1], 2, 1), 'choleskySolve: matrix is not positive definite (pivot 1'],
    [() => choleskySolve([0], [1], 1, 1), 'choleskySolve: matrix is not positive definite (pivot 0 = 0)'],
    [() => choleskySolve([1, 0, 0], [1, 1], 2, 1), 'choleskySolve: A has 3 values but (2, 2) needs 4'],
    [() => choleskySolve([1, 0, 0, 1], [1, 1, 1], 2, 1), 'choleskySolve: B has 3 values but (2, 1) needs 2'],
    [() => cholesky([1, 0, 0, -1], 2), 'cholesky: matrix is not positive definite (pivot 1 = -1)'],
    [() => cholesky([], 0), 'cholesky: d must be a positive integer, got 0'],
  ])('error %#', (f, msg) => expect(f).toThrow(msg));
});
