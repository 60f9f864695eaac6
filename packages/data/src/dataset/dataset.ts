// The map-style Dataset every consumer reads (as PyTorch's torch.utils.data.Dataset): `length` items,
// `get(i)` → one labelled volume (C·D·H·W) with its optional mask and factors; and the recipe that
// reopens a dataset inside a prefetch worker.
import type { FactorRecord } from '../spec/factors';
import type { BBox } from '../generator/generator';
import type { InputLimits } from '../formats/input_limits';

/** One item of a Dataset. */
export interface Item {
  /** Position in the dataset it came from. */
  index: number;
  /** volume: (C, D, H, W) flattened, x fastest; in [0, 1] unless the dataset says HU. */
  volume: Float32Array;
  /** (C, D, H, W). */
  shape: [number, number, number, number];
  /** Class label. */
  label: number;
  /**
   * mask: (D, H, W), 1 on the segmentation target (the nodule, or a synthetic spec's `target` structures);
   * present when asked for and the dataset has masks.
   */
  mask?: Uint8Array;
  /** The generator's factor record, when the dataset knows it (synthetic, dataset folders, kept in memory). */
  factors?: FactorRecord;
  /** The nodule's inclusive voxel bounds as the generator recorded them (null: no nodule); absent when unknown. */
  bbox?: BBox | null;
}

/** What `get` should include beyond volume and label. */
export interface GetOptions {
  /** Include the mask (default false; reading a mask can cost as much as the volume). */
  mask?: boolean;
}

/**
 * How to reopen a dataset in another thread: plain data only (it crosses `postMessage`). Datasets
 * without a recipe cannot be prefetched in a worker.
 */
export type DatasetRecipe =
  | { kind: 'synthetic'; spec: unknown; seed: number; split: string; n: number; hu: boolean; cache: boolean }
  | { kind: 'folder'; dir: string }
  | { kind: 'medmnist'; file: string; split: string }
  | {
      kind: 'scans';
      dir: string;
      spacing: [number, number, number];
      shape: [number, number, number];
      padValue: number | 'min';
      labels: string;
      cache: boolean;
      limits: Partial<InputLimits>;
    }
  | {
      kind: 'memory';
      name: string;
      shape: [number, number, number];
      channels: number;
      spacing: [number, number, number];
      volumes: Float32Array;
      labels: Int32Array;
      masks: Uint8Array | null;
      factors: FactorRecord[] | null;
    }
  | { kind: 'subset'; of: DatasetRecipe; indices: number[] }
  | { kind: 'concat'; of: DatasetRecipe[] };

/**
 * A finite, indexable set of labelled volumes of one shape (PyTorch's map-style dataset).
 *
 * @example
 * const ds = new SyntheticDataset(preset('iid'), 0, 'train', 1000);
 * const item = ds.get(17);            // item.volume: (1, 32, 32, 32) in [0, 1], item.label
 */
export interface Dataset {
  /** Where it came from (a folder, a file, "spec/split"), for messages. */
  readonly name: string;
  /** Number of items. */
  readonly length: number;
  /** Channels per volume (1 for CT). */
  readonly channels: number;
  /** (D, H, W) voxels of every item and (z, y, x) spacing in mm. */
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  /** Whether `get(i, { mask: true })` returns masks. */
  readonly hasMasks: boolean;
  /** Item `i` (0 <= i < length); throws naming the dataset for any other index. */
  get(i: number, options?: GetOptions): Item;
  /** How to reopen this dataset in a worker thread, or null when it cannot be. */
  recipe(): DatasetRecipe | null;
}

/** Checks that `i` is a position of `ds`. */
export function checkIndex(ds: { name: string; length: number }, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= ds.length)
    throw new Error(`dataset ${ds.name}: index ${i} is out of range [0, ${ds.length})`);
}

/** The (C, D, H, W) of a dataset's items. */
export function itemShape(ds: Pick<Dataset, 'channels' | 'shape'>): [number, number, number, number] {
  return [ds.channels, ...ds.shape];
}
