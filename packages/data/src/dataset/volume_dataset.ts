// The interface training reads: a labelled set of same-shape volumes, and batching it into
// x: (N, 1, D, H, W) tensors with labels (N) (optionally masks: (N, 1, D, H, W)), seeded shuffling.
import { Generator as RandomGenerator, Tensor } from '@nodulab/tensor';

/** A labelled set of volumes of one shape, read on demand. */
export interface VolumeDataset {
  /** Where it came from (folder or file), for messages. */
  readonly source: string;
  readonly n: number;
  /** (D, H, W) voxels and (z, y, x) mm. */
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  /** Label per sample. */
  readonly labels: Int32Array;
  /** Whether `mask` returns masks. */
  readonly hasMasks: boolean;
  /** Volume `i`: (D, H, W), x fastest, in [0, 1]. */
  volume(i: number): Float32Array;
  /** Mask `i`: (D, H, W), or null when the dataset has none. */
  mask(i: number): Uint8Array | null;
}

/** One batch. */
export interface VolumeBatch {
  /** x: (N, 1, D, H, W). */
  x: Tensor;
  labels: Int32Array;
  /** masks: (N, 1, D, H, W) as 0/1 floats, or null. */
  masks: Tensor | null;
  /** The dataset positions in the batch. */
  indices: number[];
}

/** Options of `batches`. */
export interface BatchOptions {
  /** Shuffle the order with this seed (default: no shuffle). */
  shuffleSeed?: number;
  /** Drop a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Include masks (default false). */
  masks?: boolean;
}

/** Checks that `i` is a position of `ds`. */
export function checkIndex(ds: { source: string; n: number }, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= ds.n) throw new Error(`dataset ${ds.source}: index ${i} is out of range [0, ${ds.n})`);
}

/** Stacks the samples at `indices` into a batch. */
export function makeBatch(ds: VolumeDataset, indices: readonly number[], withMasks = false): VolumeBatch {
  if (indices.length === 0) throw new Error(`dataset ${ds.source}: empty batch`);
  if (withMasks && !ds.hasMasks) throw new Error(`dataset ${ds.source}: has no masks`);
  const [D, H, W] = ds.shape;
  const v = D * H * W;
  const x = new Float32Array(indices.length * v);
  const m = withMasks ? new Float32Array(indices.length * v) : null;
  const labels = new Int32Array(indices.length);
  indices.forEach((i, k) => {
    checkIndex(ds, i);
    x.set(ds.volume(i), k * v);
    labels[k] = ds.labels[i];
    if (m !== null) m.set(ds.mask(i) as Uint8Array, k * v);
  });
  const shape = [indices.length, 1, D, H, W];
  return { x: new Tensor(x, shape), labels, masks: m === null ? null : new Tensor(m, shape), indices: [...indices] };
}

/** The dataset order, shuffled with a seeded Fisher-Yates when `seed` is given. */
export function datasetOrder(n: number, seed?: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  if (seed === undefined) return order;
  const g = new RandomGenerator(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = g.randint(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Yields the dataset as batches of x: (batchSize, 1, D, H, W) and labels, in order or shuffled with a
 * seed (the same seed gives the same batches).
 *
 * @example
 * for (const { x, labels } of batches(openDataset('data/iid-train'), 32, { shuffleSeed: epoch })) { ... }
 */
export function* batches(ds: VolumeDataset, batchSize: number, options: BatchOptions = {}): Generator<VolumeBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batches: batchSize must be a positive integer, got ${batchSize}`);
  const order = datasetOrder(ds.n, options.shuffleSeed);
  for (let k = 0; k < order.length; k += batchSize) {
    const idx = order.slice(k, k + batchSize);
    if (options.dropLast && idx.length < batchSize) break;
    yield makeBatch(ds, idx, options.masks ?? false);
  }
}
