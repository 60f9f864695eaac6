// Column statistics and centring of a samples × features matrix X: (n, d) row-major: per-feature means and
// population standard deviations, and a validated copy of any { data, shape } with every column's mean removed.
import { Matrix } from './matrix';

/** Any { data, shape } read as an (N, P) matrix: N = shape[0] samples, trailing dimensions flattened into P. */
export interface MatrixLike {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

/** The mean of each column of X: (n, d) row-major: (d). */
export function columnMeans(X: ArrayLike<number>, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  return mean;
}

/**
 * The mean and the population standard deviation (divisor n) of each column of X: (n, d) row-major, both (d),
 * in two passes. A constant column has std 0 when its mean is exact (a column of zeros, a dead unit) and a
 * rounding-sized one otherwise (ten values 0.1 give about 1e-17), so callers that drop constant features
 * choose their own threshold.
 */
export function columnMeanStd(X: ArrayLike<number>, n: number, d: number): { mean: Float64Array; std: Float64Array } {
  const mean = columnMeans(X, n, d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j] += (X[i * d + j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j] / n);
  return { mean, std };
}

/**
 * `x` as an (N, P) float64 matrix with every column's mean subtracted. Throws, naming `what` (the caller) and
 * `name` (the argument), on fewer than two samples, an empty feature axis, a data length that does not fit the
 * shape, or a non-finite value.
 */
export function centredMatrix(what: string, name: string, x: MatrixLike): Matrix {
  if (!x || !x.shape || typeof x.data?.length !== 'number')
    throw new Error(`${what}: ${name} must be a Tensor or { data, shape }`);
  if (x.shape.length < 2) throw new Error(`${what}: ${name} must be (N, features...), got shape [${x.shape}]`);
  const rows = x.shape[0];
  const cols = x.shape.slice(1).reduce((p, d) => p * d, 1);
  if (rows < 2) throw new Error(`${what}: ${name} needs at least 2 samples, got ${rows}`);
  if (cols < 1) throw new Error(`${what}: ${name} has no features (shape [${x.shape}])`);
  if (x.data.length !== rows * cols)
    throw new Error(`${what}: ${name} has ${x.data.length} values but shape [${x.shape}] needs ${rows * cols}`);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = x.data[i * cols + j];
      if (!Number.isFinite(v)) throw new Error(`${what}: ${name}[${i}][${j}] is ${v}`);
      data[i * cols + j] = v;
    }
  }
  const means = columnMeans(data, rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] -= means[j];
  return { rows, cols, data };
}
