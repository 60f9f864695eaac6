// Logits -> class probabilities, the one way nodulab does it: softmax over the class axis (dim 1) of
// logits (N,K) or per-voxel logits (N,K,D,H,W); P(malignant) is the probability of class 1.
import { Tensor, softmax } from '@nodulab/tensor';

/** The class of P(malignant) (and of "nodule" in segmentation): class 1. */
export const POSITIVE_CLASS = 1;

/**
 * Softmax over the class axis: logits (N,K) -> (N,K), or per-voxel logits (N,K,...spatial) ->
 * (N,K,...spatial), like `torch.softmax(logits, 1)`. Max-shifted, so large logits are safe.
 */
export function classProbabilities(logits: Tensor): Tensor {
  if (logits.ndim < 2)
    throw new Error(`classProbabilities: logits must be (N,K) or (N,K,...), got shape [${logits.shape.join(', ')}]`);
  if (logits.ndim === 2) return softmax(logits, 1);
  // (N,K,V) -> rows (N·V, K), softmax, and back.
  const [N, K] = logits.shape;
  const V = logits.size / (N * K);
  const rows = new Float32Array(logits.size);
  const src = logits.data;
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) for (let v = 0; v < V; v++) rows[(n * V + v) * K + k] = src[(n * K + k) * V + v];
  const p = softmax(new Tensor(rows, [N * V, K]), 1).data;
  const out = new Float32Array(logits.size);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) for (let v = 0; v < V; v++) out[(n * K + k) * V + v] = p[(n * V + v) * K + k];
  return new Tensor(out, logits.shape);
}

/** P(class `positive`) of each sample from probabilities (N,K): P(malignant) for positive = 1. */
export function positiveScores(probabilities: Tensor, positive = POSITIVE_CLASS): Float64Array {
  if (probabilities.ndim !== 2)
    throw new Error(`positiveScores: probabilities must be (N,K), got shape [${probabilities.shape.join(', ')}]`);
  const [N, K] = probabilities.shape;
  if (!Number.isInteger(positive) || positive < 0 || positive >= K)
    throw new Error(`positiveScores: class ${positive} is not in [0, ${K - 1}]`);
  const p = probabilities.data;
  return Float64Array.from({ length: N }, (_, i) => p[i * K + positive]);
}

/** P(malignant) of each sample from classification logits (N,K): softmax, then class 1. */
export function malignancy(logits: Tensor): Float64Array {
  return positiveScores(classProbabilities(logits));
}

/** The most probable class of each voxel: probabilities or logits (K, V) of one volume -> (V). */
export function argmaxClasses(scores: ArrayLike<number>, k: number, voxels: number): Uint8Array {
  const mask = new Uint8Array(voxels);
  for (let v = 0; v < voxels; v++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[c * voxels + v] > scores[best * voxels + v]) best = c;
    mask[v] = best;
  }
  return mask;
}
