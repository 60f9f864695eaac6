// The PCA spectrum of an embedding: the covariance eigenvalues, their explained-variance ratios and the
// effective rank (Roy & Vetterli 2007: exp of the entropy of the normalised eigenvalues); the projection of the
// samples on the leading principal components (a 2-D map of an embedding).
import { MatrixLike, centredMatrix, crossProduct, gram, symmetricEigen, symmetricEigenvalues } from '@nodulab/tensor';

/** What {@link pcaSpectrum} returns; every array is ordered from the largest component down. */
export interface PcaSpectrum {
  /** Samples and features of the embedding. */
  n: number;
  features: number;
  /** Variance along each principal component (covariance eigenvalues, divisor N − 1), min(N − 1, P) of them. */
  eigenvalues: number[];
  /** Each eigenvalue over their sum, like sklearn's `explained_variance_ratio_`. */
  explainedVarianceRatio: number[];
  /** Running sums of the ratios (the last is 1). */
  cumulative: number[];
  /** exp(−Σ pᵢ log pᵢ) with pᵢ the ratios: between 1 (one direction) and the number of components (isotropic). */
  effectiveRank: number;
}

/**
 * The PCA spectrum of x: (N, P) (trailing dimensions flattened; a Tensor or any { data, shape }), centred per
 * feature, in float64. Uses the P × P covariance or, with fewer samples than features, the N × N Gram matrix
 * (the same non-zero eigenvalues). Tiny negative eigenvalues from rounding are clamped to 0.
 * @throws naming x when it has fewer than 2 samples, a non-finite value or no variance at all
 */
export function pcaSpectrum(x: MatrixLike): PcaSpectrum {
  const what = 'pcaSpectrum';
  const m = centredMatrix(what, 'x', x);
  const scatter = m.cols <= m.rows ? crossProduct(m, m) : gram(m);
  const all = Array.from(symmetricEigenvalues(scatter), (v) => Math.max(0, v / (m.rows - 1)));
  const eigenvalues = all.slice(0, Math.min(m.rows - 1, m.cols));
  const total = eigenvalues.reduce((s, v) => s + v, 0);
  if (!(total > 0)) throw new Error(`${what}: x has no variance (every sample is the same)`);
  const explainedVarianceRatio = eigenvalues.map((v) => v / total);
  let run = 0;
  const cumulative = explainedVarianceRatio.map((r) => (run += r));
  const entropy = explainedVarianceRatio.reduce((s, p) => (p > 0 ? s - p * Math.log(p) : s), 0);
  return {
    n: m.rows,
    features: m.cols,
    eigenvalues,
    explainedVarianceRatio,
    cumulative,
    effectiveRank: Math.exp(entropy),
  };
}

/** What {@link pcaProject} returns. */
export interface PcaProjection {
  /** (N, k) row-major: sample i's coordinate on component j at [i * k + j]. */
  coordinates: Float64Array;
  k: number;
  /** The explained-variance ratio of each of the k components. */
  explainedVarianceRatio: number[];
}

/**
 * The coordinates of the samples of x: (N, P) on its first `k` principal components (default 2), like sklearn's
 * `PCA(n_components=k).fit_transform(x)`: centred per feature, projected on the covariance's leading
 * eigenvectors (each signed so that its largest-magnitude entry is positive, so the map does not flip).
 * @throws naming x as {@link pcaSpectrum} does, or when k is not an integer in 1..P
 */
export function pcaProject(x: MatrixLike, k = 2): PcaProjection {
  const what = 'pcaProject';
  const m = centredMatrix(what, 'x', x);
  if (!Number.isInteger(k) || k < 1 || k > m.cols)
    throw new Error(`${what}: k must be an integer in 1..${m.cols} (the features of x), got ${k}`);
  const { values, vectors } = symmetricEigen(crossProduct(m, m));
  const P = m.cols;
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  if (!(total > 0)) throw new Error(`${what}: x has no variance (every sample is the same)`);
  const coordinates = new Float64Array(m.rows * k);
  for (let j = 0; j < k; j++) {
    let big = 0;
    for (let p = 0; p < P; p++) if (Math.abs(vectors.data[p * P + j]) > Math.abs(big)) big = vectors.data[p * P + j];
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < m.rows; i++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += m.data[i * P + p] * vectors.data[p * P + j];
      coordinates[i * k + j] = sign * s;
    }
  }
  return {
    coordinates,
    k,
    explainedVarianceRatio: Array.from(values.slice(0, k), (v) => Math.max(0, v) / total),
  };
}
