// The PCA spectrum of an embedding: the covariance eigenvalues, their explained-variance ratios and the
// effective rank (Roy & Vetterli 2007: exp of the entropy of the normalised eigenvalues).
import { RepresentationLike, centredMatrix, crossProduct, gram, symmetricEigenvalues } from './matrix';

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
export function pcaSpectrum(x: RepresentationLike): PcaSpectrum {
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
