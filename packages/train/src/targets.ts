// What a training batch carries beyond volumes and labels: the true boxes of a localization run (the
// generator's recorded nodule bounds, normalised by the volume's (D, H, W)), moved with the batch's augmentation,
// and the per-sample loss weights.
import { Tensor } from '@nodulab/tensor';
import { AugmentRecord, Dataset, boxThroughRecord } from '@nodulab/data';
import { datasetBox, normalizeBox } from '@nodulab/eval';

/** The normalised true boxes (n, 6) of every item of `dataset`, row i for item i; throws naming an item without one. */
export function boxTargets(dataset: Dataset): Float32Array {
  const out = new Float32Array(dataset.length * 6);
  for (let i = 0; i < dataset.length; i++) out.set(normalizeBox(datasetBox(dataset, i), dataset.shape), i * 6);
  return out;
}

/**
 * The rows `indices` of (n, 6) normalised boxes (centre z, y, x, size d, h, w over the volume's D, H, W) as a (N, 6)
 * tensor; with `records` (a batch's augmentation, one per row), row k moved as records[k] moved its volume: the
 * box's extent [centre − size/2, centre + size/2] carried through the flips and rotations, normalised by the
 * output's shape. Throws for a record with an affine step (a box cannot follow it).
 */
export function gatherBoxes(
  boxes: Float32Array,
  indices: readonly number[],
  records?: readonly AugmentRecord[],
): Tensor {
  if (records && records.length !== indices.length)
    throw new Error(`gatherBoxes: ${records.length} augmentation records for ${indices.length} rows`);
  const out = new Float32Array(indices.length * 6);
  indices.forEach((i, k) => {
    const row = boxes.subarray(i * 6, i * 6 + 6);
    if (!records) return out.set(row, k * 6);
    const [inShape, outShape] = [records[k].inputShape, records[k].outputShape];
    const c = [0, 1, 2].map((a) => row[a] * inShape[a]);
    const half = [0, 1, 2].map((a) => (row[3 + a] * inShape[a]) / 2);
    const m = boxThroughRecord(records[k], {
      min: [c[0] - half[0], c[1] - half[1], c[2] - half[2]],
      max: [c[0] + half[0], c[1] + half[1], c[2] + half[2]],
    });
    for (let a = 0; a < 3; a++) {
      out[k * 6 + a] = (m.min[a] + m.max[a]) / 2 / outShape[a];
      out[k * 6 + 3 + a] = (m.max[a] - m.min[a]) / outShape[a];
    }
  });
  return new Tensor(out, [indices.length, 6]);
}

/** The weights of samples `indices`, or null without per-sample weights. */
export function gatherWeights(weights: readonly number[] | null, indices: readonly number[]): Float32Array | null {
  return weights ? Float32Array.from(indices, (i) => weights[i]) : null;
}
