// Batch transforms of a DataLoader: seeded augmentation (one view, or two views for contrastive
// learning) that can run in a prefetch worker, or any function of the batch on the loader's thread.
import { Generator, Tensor } from '@nodulab/tensor';
import { AugmentConfig } from '../augment/config';
import { TwoViewPipeline, augmentBatch } from '../augment/batch';
import { Compose } from '../augment/pipeline';
import type { Batch } from './collate';

/** Where a batch sits in the loader's iteration. */
export interface BatchContext {
  epoch: number;
  /** 0-based batch number within the epoch. */
  step: number;
}

/**
 * Augmentation of every batch through `pipeline`: batch `step` of `epoch` is augmented from
 * `new Generator(seed(epoch, step))` (sample k from its k-th fork, as augmentBatch), so the result
 * depends only on the seed, never on the thread that runs it.
 */
export interface AugmentTransform {
  pipeline: Compose;
  /** 1: x is augmented; 2: x and x2 are two independent views of each sample (SimCLR). */
  views: 1 | 2;
  /** The generator seed of a batch. */
  seed: (epoch: number, step: number) => number;
}

/** A function of the batch; runs on the loader's thread only (a worker cannot receive it). */
export type BatchFunction = (batch: Batch, context: BatchContext) => Batch;

/** A DataLoader's transform. */
export type BatchTransform = AugmentTransform | BatchFunction;

/** The part of an AugmentTransform that crosses to a worker (the seed is computed per batch by the loader). */
export interface AugmentPlan {
  config: AugmentConfig;
  views: 1 | 2;
}

/** An augmentation ready to apply: the pipeline built once per thread. */
export class PreparedAugment {
  private readonly pipeline: Compose;
  private readonly twoViews: TwoViewPipeline | null;

  constructor(readonly plan: AugmentPlan) {
    this.pipeline = new Compose(plan.config);
    this.twoViews = plan.views === 2 ? new TwoViewPipeline(this.pipeline) : null;
  }

  /**
   * Augments `batch` with the generator seeded by `seed`; volume spacing (z, y, x) mm for rotations. The batch's
   * `records` say what was done to each row (view 1).
   */
  apply(batch: Batch, seed: number, spacing: readonly number[]): Batch {
    const g = new Generator(seed);
    const masks = batch.masks === null ? undefined : Uint8Array.from(batch.masks.data);
    // masks: (N, 1, D', H', W') as the augmented x.
    const asTensor = (m: Uint8Array | undefined, x: Tensor): Tensor | null =>
      m === undefined ? null : new Tensor(Float32Array.from(m), [x.shape[0], 1, ...x.shape.slice(2)]);
    if (this.twoViews !== null) {
      const v = this.twoViews.batch(batch.x, g, { spacing, masks });
      return { ...batch, x: v.x1, x2: v.x2, masks: asTensor(v.masks1, v.x1), records: v.records1 };
    }
    const a = augmentBatch(this.pipeline, batch.x, g, { spacing, masks });
    return { ...batch, x: a.x, masks: asTensor(a.masks, a.x), records: a.records };
  }
}
