// The symmetric eigen-decomposition: eigenvalues of known matrices, eigenvectors of a known 2 × 2, random
// symmetric matrices (and repeated eigenvalues) checked by reconstruction A = V diag(w) Vᵀ with V orthonormal.
import { Generator, Matrix, centredMatrix, crossProduct, randn, symmetricEigen, symmetricEigenvalues } from '../../src';
import { expectAllClose, multiply, randomMatrix, transpose } from './helpers';

describe('symmetricEigenvalues', () => {
  it.each([
    ['2 × 2', [2, 1, 1, 2], [3, 1]],
    ['tridiagonal 3 × 3', [4, 1, 0, 1, 3, 1, 0, 1, 2], [3 + Math.sqrt(3), 3, 3 - Math.sqrt(3)]],
    ['diagonal', [1, 0, 0, 0, 5, 0, 0, 0, 2], [5, 2, 1]],
    ['1 × 1', [-4], [-4]],
    ['indefinite 2 × 2', [0, 2, 2, 0], [2, -2]],
    ['rank one: (1, 2, 2)(1, 2, 2)ᵀ', [1, 2, 2, 2, 4, 4, 2, 4, 4], [9, 0, 0]],
    ['all-ones 4 × 4', Array(16).fill(1), [4, 0, 0, 0]],
  ])('%s', (_name, data, want) => {
    const n = want.length;
    const got = symmetricEigenvalues({ rows: n, cols: n, data: Float64Array.from(data) });
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });
});

/** V diag(w) Vᵀ. */
function reconstruct(values: Float64Array, vectors: Matrix): Matrix {
  const n = values.length;
  const vw = { rows: n, cols: n, data: vectors.data.map((v, k) => v * values[k % n]) };
  return multiply(vw, transpose(vectors));
}

function expectOrthonormal(v: Matrix): void {
  const n = v.rows;
  const eye = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  expectAllClose(multiply(transpose(v), v).data, eye, 1e-12);
}

describe('symmetricEigen', () => {
  it('returns vectors with A v = λ v, orthonormal, largest λ first', () => {
    const m = centredMatrix('test', 'x', randn([12, 5], new Generator(7)));
    const a = crossProduct(m, m);
    const { values, vectors } = symmetricEigen(a);
    const n = 5;
    for (let j = 0; j < n; j++) {
      if (j > 0) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
      for (let r = 0; r < n; r++) {
        let av = 0;
        for (let c = 0; c < n; c++) av += a.data[r * n + c] * vectors.data[c * n + j];
        expect(av).toBeCloseTo(values[j] * vectors.data[r * n + j], 8);
      }
      for (let k = 0; k < n; k++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += vectors.data[r * n + j] * vectors.data[r * n + k];
        expect(dot).toBeCloseTo(j === k ? 1 : 0, 10);
      }
    }
  });

  it('finds the eigenvectors (1, 1)/√2 and (1, −1)/√2 of [[2, 1], [1, 2]], up to sign', () => {
    const { values, vectors } = symmetricEigen({ rows: 2, cols: 2, data: Float64Array.from([2, 1, 1, 2]) });
    expectAllClose(values, [3, 1], 1e-15);
    const s = Math.SQRT1_2;
    const col = (k: number) => [vectors.data[k], vectors.data[2 + k]].map((v) => v * Math.sign(vectors.data[k]));
    expectAllClose(col(0), [s, s], 1e-15);
    expectAllClose(col(1), [s, -s], 1e-15);
  });

  it.each([1, 2, 6, 17, 40])('A = V diag(w) Vᵀ on a random symmetric (%i, %i)', (n) => {
    const m = randomMatrix(n, n, 300 + n);
    const a = { rows: n, cols: n, data: m.data.map((v, k) => v + m.data[(k % n) * n + Math.floor(k / n)]) };
    const { values, vectors } = symmetricEigen(a);
    for (let j = 1; j < n; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
    expectOrthonormal(vectors);
    expectAllClose(reconstruct(values, vectors).data, a.data, 1e-11);
  });

  it('handles repeated eigenvalues: Q diag(3, 3, 3, 1, 1) Qᵀ', () => {
    const n = 5;
    const g = new Generator(4);
    const v = Array.from({ length: n }, () => g.normal());
    const vv = v.reduce((s, x) => s + x * x, 0);
    const q = { rows: n, cols: n, data: new Float64Array(n * n) };
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) q.data[i * n + j] = (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
    const w = Float64Array.from([3, 3, 3, 1, 1]);
    const a = reconstruct(w, q);
    const { values, vectors } = symmetricEigen(a);
    expectAllClose(values, w, 1e-13);
    expectOrthonormal(vectors);
    expectAllClose(reconstruct(values, vectors).data, a.data, 1e-13);
  });

  it.each([
    [{ rows: 2, cols: 3, data: new Float64Array(6) }, 'symmetricEigen: the matrix is 2 × 3, not square'],
    [{ rows: 2, cols: 2, data: new Float64Array(3) }, 'symmetricEigen: the matrix holds 3 values but 2 × 2 needs 4'],
  ])('error %#', (m, msg) => expect(() => symmetricEigen(m)).toThrow(msg));
});
