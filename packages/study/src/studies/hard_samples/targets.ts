// The training boxes of the semi- and weakly-supervised settings: a dataset view whose items carry other boxes
// than the generator recorded (true boxes where known, pseudo-boxes elsewhere), which the box loss then trains on.
import type { BBox, Dataset, DatasetRecipe, GetOptions, Item } from '@nodulab/data';
import { Box3d, boundsOfBox } from '@nodulab/eval';

/** Items of `dataset` with item i's box replaced by boxes[i] (voxels); volumes, labels and factors unchanged. */
export class WithBoxes implements Dataset {
  readonly name: string;
  private readonly bounds: BBox[];

  constructor(
    readonly dataset: Dataset,
    boxes: readonly Box3d[],
  ) {
    if (boxes.length !== dataset.length)
      throw new Error(`WithBoxes: ${boxes.length} boxes for the ${dataset.length} items of ${dataset.name}`);
    this.bounds = boxes.map((b) => boundsOfBox(b));
    this.name = `${dataset.name} (pseudo-boxes)`;
  }

  get length(): number {
    return this.dataset.length;
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
    return { ...this.dataset.get(i, options), bbox: this.bounds[i] };
  }

  /** None: a worker reopening the source would see the generator's boxes, not these. */
  recipe(): DatasetRecipe | null {
    return null;
  }
}
