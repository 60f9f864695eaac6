// A view of some items of another dataset (PyTorch's Subset): item k is `dataset.get(indices[k])`,
// re-indexed from 0 — e.g. the first n items of a folder, or the analysed part of a test set.
import { Dataset, DatasetRecipe, GetOptions, Item, checkIndex } from './dataset';

/**
 * Items `indices` of `dataset`, in that order.
 *
 * @example
 * const first100 = new Subset(openDataset('data/iid-test'), range(100));
 */
export class Subset implements Dataset {
  readonly name: string;
  readonly indices: readonly number[];

  constructor(
    readonly dataset: Dataset,
    indices: readonly number[],
  ) {
    for (const i of indices) checkIndex(dataset, i);
    this.indices = [...indices];
    this.name = dataset.name;
  }

  get length(): number {
    return this.indices.length;
  }
  get channels(): number {
    return this.dataset.channels;
  }
  get shape(): [number, number, number] {
    return this.dataset.shape;
  }
  get spacing(): [number, number, number] {
    return this.dataset.spacing;
  }
  get hasMasks(): boolean {
    return this.dataset.hasMasks;
  }

  get(i: number, options?: GetOptions): Item {
    checkIndex(this, i);
    return { ...this.dataset.get(this.indices[i], options), index: i };
  }

  recipe(): DatasetRecipe | null {
    const of = this.dataset.recipe();
    return of === null ? null : { kind: 'subset', of, indices: [...this.indices] };
  }
}

/** 0, 1, ..., n-1 (Python's range(n)). */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
