// Several datasets as one (PyTorch's ConcatDataset): item i is item i - offset of the dataset holding it,
// re-indexed from 0; e.g. the training sets of several segmentation presets, each with its own target masks.
import { Dataset, DatasetRecipe, GetOptions, Item, checkIndex } from './dataset';

/**
 * `datasets` one after another. They must agree on channels and (D, H, W); spacing may differ (each
 * "modality" keeps its own) and `spacing` reports the first one's.
 *
 * @example
 * const joint = new ConcatDataset([seg('seg-nodule'), seg('seg-vessels')]);   // items 0..n1-1, then n1..
 */
export class ConcatDataset implements Dataset {
  readonly name: string;
  readonly datasets: readonly Dataset[];
  private readonly offsets: number[];

  /** Throws naming the first dataset whose channels or shape differ from the first's. */
  constructor(datasets: readonly Dataset[]) {
    if (datasets.length === 0) throw new Error('ConcatDataset: no datasets');
    const [first] = datasets;
    datasets.forEach((d, k) => {
      if (d.channels !== first.channels || d.shape.join() !== first.shape.join())
        throw new Error(
          `ConcatDataset: dataset ${k} (${d.name}) has ${d.channels} channel(s) of (${d.shape.join(', ')}), ` +
            `dataset 0 (${first.name}) ${first.channels} of (${first.shape.join(', ')})`,
        );
    });
    this.datasets = [...datasets];
    this.offsets = [];
    let n = 0;
    for (const d of datasets) {
      this.offsets.push(n);
      n += d.length;
    }
    this.length = n;
    this.name = datasets.map((d) => d.name).join('+');
  }

  readonly length: number;
  get channels(): number {
    return this.datasets[0].channels;
  }
  get shape(): [number, number, number] {
    return this.datasets[0].shape;
  }
  get spacing(): [number, number, number] {
    return this.datasets[0].spacing;
  }
  get hasMasks(): boolean {
    return this.datasets.every((d) => d.hasMasks);
  }

  /** Which dataset holds item `i`, and its index there. */
  locate(i: number): { dataset: number; index: number } {
    checkIndex(this, i);
    let k = this.offsets.length - 1;
    while (this.offsets[k] > i) k--;
    return { dataset: k, index: i - this.offsets[k] };
  }

  get(i: number, options?: GetOptions): Item {
    const { dataset, index } = this.locate(i);
    return { ...this.datasets[dataset].get(index, options), index: i };
  }

  recipe(): DatasetRecipe | null {
    const of = this.datasets.map((d) => d.recipe());
    return of.some((r) => r === null) ? null : { kind: 'concat', of: of as DatasetRecipe[] };
  }
}
