// A Dataset as the labelled batches evaluate() reads: every sample once, in index order, through
// @nodulab/data's one DataLoader (with the true masks of segmentation sets, or the true boxes of
// localization sets, when asked for).
import { DataLoader, Dataset } from '@nodulab/data';
import { Box3d, boxFromBounds } from './boxes';
import type { LabelledBatch } from './evaluate';

/**
 * The true box (voxels) of item `i` of `dataset`: the generator's recorded bounds of its nodule. Throws naming
 * the dataset and item when it has none (no nodule, or a dataset that does not record boxes).
 */
export function datasetBox(dataset: Dataset, i: number): Box3d {
  const bbox = dataset.get(i).bbox;
  if (!bbox)
    throw new Error(`dataset ${dataset.name}: item ${i} has no box (no nodule, or the dataset records no boxes)`);
  return boxFromBounds(bbox);
}

/**
 * The samples of `dataset` in index order, in batches of `batchSize` (the last one possibly smaller).
 * @param options.masks also yield each volume's true mask (D·H·W voxels), for segmentation metrics.
 * @param options.boxes also yield each volume's true box ({@link datasetBox}), for localization metrics.
 */
export function* datasetBatches(
  dataset: Dataset,
  batchSize: number,
  options: { masks?: boolean; boxes?: boolean } = {},
): Generator<LabelledBatch> {
  const masks = options.masks ?? false;
  for (const b of new DataLoader(dataset, { batchSize, masks })) {
    const V = b.x.shape.slice(2).reduce((a, d) => a * d, 1);
    yield {
      x: b.x,
      labels: b.labels,
      indices: b.indices,
      masks: masks ? b.indices.map((_, k) => b.masks!.data.subarray(k * V, (k + 1) * V)) : undefined,
      boxes: options.boxes ? b.indices.map((i) => datasetBox(dataset, i)) : undefined,
    };
  }
}
