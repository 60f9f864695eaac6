// A Dataset as the labelled batches evaluate() reads: every sample once, in index order, through
// @nodulab/data's one DataLoader (with the true masks of segmentation sets when asked for).
import { DataLoader, Dataset } from '@nodulab/data';
import type { LabelledBatch } from './evaluate';

/**
 * The samples of `dataset` in index order, in batches of `batchSize` (the last one possibly smaller).
 * @param options.masks also yield each volume's true mask (D·H·W voxels), for segmentation metrics.
 */
export function* datasetBatches(
  dataset: Dataset,
  batchSize: number,
  options: { masks?: boolean } = {},
): Generator<LabelledBatch> {
  const masks = options.masks ?? false;
  for (const b of new DataLoader(dataset, { batchSize, masks })) {
    const V = b.x.shape.slice(2).reduce((a, d) => a * d, 1);
    yield {
      x: b.x,
      labels: b.labels,
      indices: b.indices,
      masks: masks ? b.indices.map((_, k) => b.masks!.data.subarray(k * V, (k + 1) * V)) : undefined,
    };
  }
}
