// Augmentation of batches x: (N, 1, D, H, W): one pipeline call per sample, each from its own fork
// of the generator (in sample order), and the two-view (SimCLR-style) pipeline for contrastive learning.
import { Generator, Tensor } from '@nodulab/tensor';
import { Compose } from './pipeline';
import { AugmentInput, AugmentOutput, AugmentRecord, Shape3 } from './types';

/** Options of the batch helpers. */
export interface AugmentBatchOptions {
  /** masks: (N, 1, D, H, W) labels that move with the volumes. */
  masks?: Uint8Array;
  /** Voxel spacing (z, y, x) in mm for affine rotations (default 1 mm). */
  spacing?: readonly number[];
}

/** An augmented batch: x: (N, 1, D', H', W'), the masks moved with it, and each sample's record. */
export interface AugmentedBatch {
  x: Tensor;
  masks?: Uint8Array;
  records: AugmentRecord[];
}

function checkBatch(x: Tensor, masks: Uint8Array | undefined, what: string): [number, Shape3] {
  if (!(x instanceof Tensor)) throw new Error(`${what}: x must be a Tensor (N, 1, D, H, W)`);
  if (x.shape.length !== 5 || x.shape[1] !== 1 || x.shape[0] < 1)
    throw new Error(`${what}: x must be (N, 1, D, H, W) with N >= 1, got (${x.shape.join(', ')})`);
  if (masks !== undefined && (!(masks instanceof Uint8Array) || masks.length !== x.data.length)) {
    throw new Error(
      `${what}: masks must be a Uint8Array of ${x.data.length} voxels (N, 1, D, H, W), got ${masks instanceof Uint8Array ? masks.length : typeof masks}`,
    );
  }
  return [x.shape[0], [x.shape[2], x.shape[3], x.shape[4]]];
}

function stack(outs: AugmentOutput[], withMasks: boolean, what: string): AugmentedBatch {
  const shape = outs[0].shape;
  const n = shape[0] * shape[1] * shape[2];
  const data = new Float32Array(outs.length * n);
  const masks = withMasks ? new Uint8Array(outs.length * n) : undefined;
  outs.forEach((o, k) => {
    if (o.shape.some((s, j) => s !== shape[j])) {
      throw new Error(
        `${what}: sample ${k} came out (${o.shape.join(', ')}) but sample 0 (${shape.join(', ')}); every sample of a batch needs one output shape`,
      );
    }
    data.set(o.volume, k * n);
    if (masks && o.mask) masks.set(o.mask, k * n);
  });
  return { x: new Tensor(data, [outs.length, 1, ...shape]), masks, records: outs.map((o) => o.record) };
}

function sampleInputs(x: Tensor, options: AugmentBatchOptions, what: string): AugmentInput[] {
  const [N, shape] = checkBatch(x, options.masks, what);
  const n = shape[0] * shape[1] * shape[2];
  const inputs: AugmentInput[] = [];
  for (let k = 0; k < N; k++) {
    inputs.push({
      volume: x.data.subarray(k * n, (k + 1) * n),
      shape,
      mask: options.masks?.subarray(k * n, (k + 1) * n),
      spacing: options.spacing,
    });
  }
  return inputs;
}

/**
 * Augments every sample of x: (N, 1, D, H, W) with `pipeline`; sample k uses the k-th fork of
 * `generator`, so the result depends only on the generator's state and the batch.
 */
export function augmentBatch(
  pipeline: Compose,
  x: Tensor,
  generator: Generator,
  options: AugmentBatchOptions = {},
): AugmentedBatch {
  const inputs = sampleInputs(x, options, 'augmentBatch');
  const outs = inputs.map((input) => pipeline.call(input, generator.fork()));
  return stack(outs, options.masks !== undefined, 'augmentBatch');
}

/** Two augmented views of one sample, and the records that made them. */
export interface TwoViews {
  view1: AugmentOutput;
  view2: AugmentOutput;
}

/**
 * Two independent draws of a pipeline on the same sample (SimCLR-style positive pairs); the second
 * view may use its own pipeline. Deterministic given the generator's state.
 *
 * @example
 * const tv = new TwoViewPipeline(new Compose());
 * const { x1, x2 } = tv.batch(x, new Generator(seed));   // x1, x2: (N, 1, D, H, W), row k a positive pair
 */
export class TwoViewPipeline {
  readonly second: Compose;

  constructor(
    readonly first: Compose,
    second?: Compose,
  ) {
    this.second = second ?? first;
  }

  /** Two views of one sample: a fork of `generator` per view. */
  call(input: AugmentInput, generator: Generator): TwoViews {
    const g1 = generator.fork();
    const g2 = generator.fork();
    return { view1: this.first.call(input, g1), view2: this.second.call(input, g2) };
  }

  /**
   * Two views of every sample of x: (N, 1, D, H, W): x1[k] and x2[k] are a positive pair. Sample k
   * uses the k-th fork of `generator`.
   */
  batch(
    x: Tensor,
    generator: Generator,
    options: AugmentBatchOptions = {},
  ): {
    x1: Tensor;
    x2: Tensor;
    masks1?: Uint8Array;
    masks2?: Uint8Array;
    records1: AugmentRecord[];
    records2: AugmentRecord[];
  } {
    const inputs = sampleInputs(x, options, 'TwoViewPipeline.batch');
    const pairs = inputs.map((input) => this.call(input, generator.fork()));
    const withMasks = options.masks !== undefined;
    const a = stack(
      pairs.map((p) => p.view1),
      withMasks,
      'TwoViewPipeline.batch (view 1)',
    );
    const b = stack(
      pairs.map((p) => p.view2),
      withMasks,
      'TwoViewPipeline.batch (view 2)',
    );
    return { x1: a.x, x2: b.x, masks1: a.masks, masks2: b.masks, records1: a.records, records2: b.records };
  }
}
