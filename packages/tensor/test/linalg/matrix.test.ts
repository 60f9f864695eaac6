// The Matrix products: aᵀb, aaᵀ and the Frobenius inner product on small known cases, against a plain product
// on random matrices, and shape errors.
import { Matrix, crossProduct, frobeniusDot, gram } from '../../src';
import { expectAllClose, multiply, randomMatrix, transpose } from './helpers';

const mat = (rows: number[][]): Matrix => ({
  rows: rows.length,
  cols: rows[0].length,
  data: Float64Array.from(rows.flat()),
});

describe('crossProduct', () => {
  it.each([
    [
      '(3, 2)ᵀ (3, 1)',
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [[1], [0], [-1]],
      [[-4], [-4]],
    ],
    [
      '(2, 2)ᵀ (2, 3)',
      [
        [1, 0],
        [2, 1],
      ],
      [
        [1, 2, 3],
        [0, 1, 0],
      ],
      [
        [1, 4, 3],
        [0, 1, 0],
      ],
    ],
    [
      'zeros skipped',
      [
        [0, 0],
        [0, 1],
      ],
      [
        [7, 8],
        [1, 2],
      ],
      [
        [0, 0],
        [1, 2],
      ],
    ],
  ])('%s', (_name, a, b, want) => {
    const got = crossProduct(mat(a), mat(b));
    expect([got.rows, got.cols]).toEqual([want.length, want[0].length]);
    expect(Array.from(got.data)).toEqual(want.flat());
  });

  it('equals aᵀ·b on random (N, P) and (N, Q)', () => {
    const a = randomMatrix(9, 4, 1);
    const b = randomMatrix(9, 6, 2);
    expectAllClose(crossProduct(a, b).data, multiply(transpose(a), b).data, 1e-12);
  });

  it('rejects different row counts', () => {
    expect(() => crossProduct(randomMatrix(3, 2, 1), randomMatrix(4, 2, 1))).toThrow(
      'crossProduct: a has 3 rows but b has 4',
    );
  });
});

describe('gram', () => {
  it('of a known (2, 3) matrix', () => {
    const got = gram(
      mat([
        [1, 2, 2],
        [0, 3, 4],
      ]),
    );
    expect(Array.from(got.data)).toEqual([9, 14, 14, 25]);
  });

  it('equals a·aᵀ on a random (N, P), is symmetric, and its trace is ‖a‖²_F', () => {
    const a = randomMatrix(7, 5, 3);
    const k = gram(a);
    expectAllClose(k.data, multiply(a, transpose(a)).data, 1e-12);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) expect(k.data[i * 7 + j]).toBe(k.data[j * 7 + i]);
    let trace = 0;
    for (let i = 0; i < 7; i++) trace += k.data[i * 7 + i];
    expect(trace).toBeCloseTo(frobeniusDot(a, a), 12);
  });
});

describe('frobeniusDot', () => {
  it('is Σ a_ij b_ij', () => {
    expect(
      frobeniusDot(
        mat([
          [1, 2],
          [3, 4],
        ]),
        mat([
          [5, 6],
          [7, 8],
        ]),
      ),
    ).toBe(70);
  });

  it('rejects different shapes', () => {
    expect(() => frobeniusDot(randomMatrix(2, 3, 1), randomMatrix(3, 2, 1))).toThrow(
      'frobeniusDot: a is 2 × 3 but b is 3 × 2',
    );
  });
});
