// In-memory data (PyTorch's TensorDataset): n volumes (n, C, D, H, W) with labels, and optionally masks
// (n, D, H, W) and factor records, held in flat typed arrays; built from arrays or from items.
import type { FactorRecord } from '../spec/factors';
import { Dataset, DatasetRecipe, GetOptions, Item, checkIndex } from './dataset';

/** The arrays of an {@link InMemoryDataset}. */
export interface InMemoryArrays {
  /** For messages, e.g. "iid/test". */
  name: string;
  /** (D, H, W) and (z, y, x) mm. */
  shape: [number, number, number];
  spacing: [number, number, number];
  /** Channels per volume (default 1). */
  channels?: number;
  /** volumes: (n, C, D, H, W). */
  volumes: Float32Array;
  /** labels: (n). */
  labels: Int32Array;
  /** masks: (n, D, H, W), or null. */
  masks?: Uint8Array | null;
  /** One record per item, or null. */
  factors?: FactorRecord[] | null;
}

/**
 * Labelled volumes held in memory. `get(i)` returns views into the arrays (no copy).
 *
 * @example
 * const ds = InMemoryDataset.fromItems('iid/test', [...items], [1, 1, 1], { masks: true });
 */
export class InMemoryDataset implements Dataset {
  readonly name: string;
  readonly channels: number;
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  readonly volumes: Float32Array;
  readonly labels: Int32Array;
  readonly masks: Uint8Array | null;
  readonly factors: FactorRecord[] | null;

  /** Checks that every array fits `labels.length` items of `shape`. */
  constructor(a: InMemoryArrays) {
    this.name = a.name;
    this.channels = a.channels ?? 1;
    this.shape = [...a.shape];
    this.spacing = [...a.spacing];
    this.volumes = a.volumes;
    this.labels = a.labels;
    this.masks = a.masks ?? null;
    this.factors = a.factors ?? null;
    const v = this.shape[0] * this.shape[1] * this.shape[2];
    const fail = (what: string, got: number, want: number): never => {
      const items = `${this.length} items of (${this.channels}, ${this.shape.join(', ')})`;
      throw new Error(`InMemoryDataset ${a.name}: ${what} has ${got} elements, expected ${want} for ${items}`);
    };
    if (this.volumes.length !== this.length * this.channels * v)
      fail('volumes', this.volumes.length, this.length * this.channels * v);
    if (this.masks !== null && this.masks.length !== this.length * v) fail('masks', this.masks.length, this.length * v);
    if (this.factors !== null && this.factors.length !== this.length) fail('factors', this.factors.length, this.length);
  }

  /** One item per label. */
  get length(): number {
    return this.labels.length;
  }

  get hasMasks(): boolean {
    return this.masks !== null;
  }

  get(i: number, options: GetOptions = {}): Item {
    checkIndex(this, i);
    const v = this.shape[0] * this.shape[1] * this.shape[2];
    const cv = this.channels * v;
    const volume = this.volumes.subarray(i * cv, (i + 1) * cv);
    const item: Item = { index: i, volume, shape: [this.channels, ...this.shape], label: this.labels[i] };
    if (options.mask && this.masks !== null) item.mask = this.masks.subarray(i * v, (i + 1) * v);
    if (this.factors !== null) item.factors = this.factors[i];
    return item;
  }

  recipe(): DatasetRecipe {
    const { name, shape, channels, spacing, volumes, labels, masks, factors } = this;
    return { kind: 'memory', name, shape, channels, spacing, volumes, labels, masks, factors };
  }

  /**
   * Stacks items of one shape (e.g. read from another dataset, or generated counterfactuals), keeping
   * their masks and factor records when asked (every item must then have them).
   */
  static fromItems(
    name: string,
    items: readonly Item[],
    spacing: [number, number, number],
    keep: { masks?: boolean; factors?: boolean } = {},
  ): InMemoryDataset {
    if (items.length === 0) throw new Error(`InMemoryDataset ${name}: no items`);
    const [C, D, H, W] = items[0].shape;
    const v = D * H * W;
    const volumes = new Float32Array(items.length * C * v);
    const masks = keep.masks ? new Uint8Array(items.length * v) : null;
    items.forEach((it, k) => {
      if (it.shape.join() !== items[0].shape.join()) {
        throw new Error(
          `InMemoryDataset ${name}: item ${k} is (${it.shape.join(', ')}), item 0 (${items[0].shape.join(', ')})`,
        );
      }
      volumes.set(it.volume, k * C * v);
      if (masks !== null) {
        if (it.mask === undefined) throw new Error(`InMemoryDataset ${name}: item ${k} has no mask`);
        masks.set(it.mask, k * v);
      }
    });
    const factors = keep.factors
      ? items.map((it, k) => it.factors ?? fail(`InMemoryDataset ${name}: item ${k} has no factors`))
      : null;
    const labels = Int32Array.from(items, (it) => it.label);
    return new InMemoryDataset({ name, shape: [D, H, W], spacing, channels: C, volumes, labels, masks, factors });
  }
}

function fail(message: string): never {
  throw new Error(message);
}
