// Synthetic data on the fly: items 0..n-1 of one split of a NoduleGenerator, each a pure function of
// (spec, dataset seed, split, index); kept in memory after the first read when the split is small.
import { NoduleGenerator, Sample } from '../generator/generator';
import type { DatasetSpec } from '../spec/spec';
import { Target, targetClass } from '../spec/targets';
import { Dataset, DatasetRecipe, GetOptions, Item, checkIndex } from './dataset';

/** Options of {@link SyntheticDataset}. */
export interface SyntheticOptions {
  /** Volumes in HU instead of windowed to [0, 1] (default false). */
  hu?: boolean;
  /** Keep generated items in memory (default: when n·D·H·W is at most 64 Mi voxels, 256 MiB of float32). */
  cache?: boolean;
}

/**
 * A generated sample as a Dataset item (no copy): volume (1, D, H, W), its class under `target` (default the
 * label), factors, bbox, and as its mask the sample's segmentation target (the nodule mask unless the spec names
 * segmentation structures).
 */
export function sampleItem(s: Sample, target: Target = 'label'): Item {
  return {
    index: s.index,
    volume: s.volume,
    shape: [1, ...s.shape],
    label: targetClass(target, s.label, s.factors),
    mask: s.target,
    factors: s.factors,
    bbox: s.bbox,
  };
}

/** Items are cached by default when the split holds at most this many voxels. */
const CACHE_VOXELS = 64 * 1024 * 1024;

/**
 * Samples 0..n-1 of `split` of a dataset spec, generated when first asked for; each item's label is its class
 * under the spec's `target` (the label rule's 0/1 by default, or the grade, or the composition). Item `i` is
 * byte-identical to `new NoduleGenerator(spec, seed).sample(split, i)`, in any order, thread or process.
 * Items may share memory with the cache: copy a volume before changing it.
 *
 * @example
 * const train = new SyntheticDataset(preset('shortcut-size'), 0, 'train', 2000);
 * const { volume, label, factors } = train.get(5);     // volume: (1, 32, 32, 32)
 */
export class SyntheticDataset implements Dataset {
  readonly name: string;
  readonly channels = 1;
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  readonly hasMasks = true;
  readonly generator: NoduleGenerator;
  private readonly hu: boolean;
  private readonly cache: (Item | undefined)[] | null;

  /** Validates spec, seed and n (a positive integer); throws naming what is wrong. */
  constructor(
    spec: DatasetSpec,
    seed: number,
    readonly split: string,
    readonly length: number,
    options: SyntheticOptions = {},
  ) {
    if (!Number.isInteger(length) || length <= 0)
      throw new Error(`SyntheticDataset: n must be a positive integer, got ${length}`);
    this.generator = new NoduleGenerator(spec, seed);
    const resolved = this.generator.resolve(split);
    this.name = `${this.generator.spec.name}/${split}`;
    this.shape = [...resolved.shape];
    this.spacing = [...resolved.spacing];
    this.hu = options.hu ?? false;
    const cache = options.cache ?? length * this.shape[0] * this.shape[1] * this.shape[2] <= CACHE_VOXELS;
    this.cache = cache ? new Array(length) : null;
  }

  get(i: number, options: GetOptions = {}): Item {
    checkIndex(this, i);
    let item = this.cache?.[i];
    if (item === undefined) {
      item = sampleItem(this.generator.sample(this.split, i, { hu: this.hu }), this.generator.spec.target);
      if (this.cache) this.cache[i] = item;
    }
    const { mask, ...rest } = item;
    return options.mask ? { ...rest, mask } : rest;
  }

  recipe(): DatasetRecipe {
    const { generator: g } = this;
    return {
      kind: 'synthetic',
      spec: g.spec,
      seed: g.seed,
      split: this.split,
      n: this.length,
      hu: this.hu,
      cache: this.cache !== null,
    };
  }
}
