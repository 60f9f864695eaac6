// Helpers of the linalg tests: seeded random matrices, a plain triple-loop product and an elementwise check,
// written independently of the module under test. Shapes row-major (rows, cols).
import { Generator, Matrix } from '../../src';

/** (rows, cols) with standard normal entries from a generator seeded with `seed`. */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const g = new Generator(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => g.normal()) };
}

/** a b for a: (n, m) and b: (m, p), the obvious triple loop. */
export function multiply(a: Matrix, b: Matrix): Matrix {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let t = 0; t < a.cols; t++) s += a.data[i * a.cols + t] * b.data[t * b.cols + j];
      out[i * b.cols + j] = s;
    }
  return { rows: a.rows, cols: b.cols, data: out };
}

/** aᵀ for a: (n, m): (m, n). */
export function transpose(a: Matrix): Matrix {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: out };
}

/** A symmetric positive definite (d, d): MᵀM + d·I for a random M: (d, d). */
export function randomSpd(d: number, seed: number): Matrix {
  const m = randomMatrix(d, d, seed);
  const a = multiply(transpose(m), m);
  for (let i = 0; i < d; i++) a.data[i * d + i] += d;
  return a;
}

/** Every |got − want| <= atol + rtol·|want|, with the first offending index in the failure. */
export function expectAllClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol = 0): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= atol + rtol * Math.abs(want[i])))
      expect({ index: i, got: got[i] }).toEqual({ index: i, got: want[i] });
  }
}
