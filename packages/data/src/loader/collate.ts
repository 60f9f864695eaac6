// The one batcher: stacks Dataset items into x: (N, C, D, H, W), labels (N) and optionally masks
// (N, 1, D, H, W) — PyTorch's default_collate for volumes.
import { Tensor } from '@nodulab/tensor';
import type { Dataset, Item } from '../dataset/dataset';
import type { AugmentRecord } from '../augment/types';

/** A batch of items. */
export interface Batch {
  /** x: (N, C, D, H, W); augmented when the loader has a transform (view 1 of two). */
  x: Tensor;
  /** x2: (N, C, D, H, W), the second view of a two-view transform (row k pairs with x row k). */
  x2?: Tensor;
  /** labels: (N). */
  labels: Int32Array;
  /** masks: (N, 1, D, H, W) as 0/1 floats when asked for, else null; they move with view 1. */
  masks: Tensor | null;
  /** The dataset positions of the rows. */
  indices: number[];
  /**
   * What the loader's augmentation did to each row of x (view 1), for moving targets with it (e.g. a box with
   * `boxThroughRecord`); absent without an augmentation.
   */
  records?: AugmentRecord[];
}

/**
 * Stacks items of one shape into a batch; masks are stacked when `masks` is set (every item must
 * then carry one). Throws naming the first item whose shape differs.
 *
 * @example
 * const b = collate([ds.get(0), ds.get(5)]);     // b.x: (2, 1, D, H, W)
 */
export function collate(items: readonly Item[], options: { masks?: boolean; name?: string } = {}): Batch {
  const name = options.name ?? 'collate';
  if (items.length === 0) throw new Error(`${name}: empty batch`);
  const shape = items[0].shape;
  const cv = shape[0] * shape[1] * shape[2] * shape[3];
  const v = shape[1] * shape[2] * shape[3];
  const x = new Float32Array(items.length * cv);
  const m = options.masks ? new Float32Array(items.length * v) : null;
  const labels = new Int32Array(items.length);
  items.forEach((it, k) => {
    if (it.shape.join() !== shape.join()) {
      throw new Error(`${name}: item ${k} has shape (${it.shape.join(', ')}), expected (${shape.join(', ')})`);
    }
    x.set(it.volume, k * cv);
    labels[k] = it.label;
    if (m !== null) {
      if (it.mask === undefined) throw new Error(`${name}: item ${k} (index ${it.index}) has no mask`);
      m.set(it.mask, k * v);
    }
  });
  const n = items.length;
  return {
    x: new Tensor(x, [n, ...shape]),
    labels,
    masks: m === null ? null : new Tensor(m, [n, 1, shape[1], shape[2], shape[3]]),
    indices: items.map((it) => it.index),
  };
}

/** Reads the items at `indices` of `dataset` and collates them (masks when asked for). */
export function fetchBatch(dataset: Dataset, indices: readonly number[], options: { masks?: boolean } = {}): Batch {
  if (options.masks && !dataset.hasMasks) throw new Error(`dataset ${dataset.name}: has no masks`);
  const b = collate(
    indices.map((i) => dataset.get(i, { mask: options.masks })),
    { masks: options.masks, name: `dataset ${dataset.name}` },
  );
  b.indices = [...indices];
  return b;
}
