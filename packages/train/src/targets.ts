// What a training batch carries beyond volumes and labels: the true boxes of a localization run (the
// generator's recorded nodule bounds, normalised by the volume's (D, H, W)) and the per-sample loss weights.
import { Tensor } from '@nodulab/tensor';
import type { Dataset } from '@nodulab/data';
import { datasetBox, normalizeBox } from '@nodulab/eval';

/** The normalised true boxes (n, 6) of every item of `dataset`, row i for item i; throws naming an item without one. */
export function boxTargets(dataset: Dataset): Float32Array {
  const out = new Float32Array(dataset.length * 6);
  for (let i = 0; i < dataset.length; i++) out.set(normalizeBox(datasetBox(dataset, i), dataset.shape), i * 6);
  return out;
}

/** The rows `indices` of (n, 6) boxes as a (N, 6) tensor. */
export function gatherBoxes(boxes: Float32Array, indices: readonly number[]): Tensor {
  const out = new Float32Array(indices.length * 6);
  indices.forEach((i, k) => out.set(boxes.subarray(i * 6, i * 6 + 6), k * 6));
  return new Tensor(out, [indices.length, 6]);
}

/** The weights of samples `indices`, or null without per-sample weights. */
export function gatherWeights(weights: readonly number[] | null, indices: readonly number[]): Float32Array | null {
  return weights ? Float32Array.from(indices, (i) => weights[i]) : null;
}
