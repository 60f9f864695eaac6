// The layers after a classifier's last feature map, shared by NoduleNet3D and ResNet3D: global
// average pool -> embedding -> linear head (logits) or projection head; the box-regression head reads the
// feature map itself. And their forward pass.
import { Generator } from '@nodulab/tensor';
import { Module } from '../module';
import { Linear } from '../layers/linear';
import { GlobalAvgPool3d } from '../layers/pooling';
import type { Ops } from '../graph/ops';
import { ProjectionHead } from './projection_head';
import { BoxHead3d } from './box_head';
import type { ModelOutput } from './model';
import type { BoxHeadOptions, ProjectionOptions } from './spec';

/** The number of values of a box: centre (z, y, x) and size (d, h, w). */
export const BOX_VALUES = 6;

/** A classifier's pool, linear head, optional projector and optional box-regression head. */
export interface ClassifierTail {
  pool: GlobalAvgPool3d;
  head: Linear;
  projector: ProjectionHead | null;
  /** The feature map's box-regression head, registered as "boxHead" ("boxHead.heat.weight", ...). */
  boxHead: BoxHead3d | null;
}

/**
 * Registers on `model`, in this order, "pool", the head Linear(embedDim -> numClasses) under `headName`
 * (the state-dict prefix: "classifier", "fc") and, if asked, "projector" (embedDim -> embedDim -> projectionDim)
 * and "boxHead" (a {@link BoxHead3d} on the embedDim-channel feature map). Models without them keep the
 * state-dict keys they always had.
 */
export function addClassifierTail(
  model: Module,
  headName: string,
  embedDim: number,
  numClasses: number,
  g: Generator,
  options: ProjectionOptions & BoxHeadOptions,
): ClassifierTail {
  return {
    pool: model.registerModule('pool', new GlobalAvgPool3d()),
    head: model.registerModule(headName, new Linear(embedDim, numClasses, { generator: g })),
    projector: options.projectionHead
      ? model.registerModule('projector', new ProjectionHead(embedDim, embedDim, options.projectionDim ?? 128, g))
      : null,
    boxHead: options.boxHead ? model.registerModule('boxHead', new BoxHead3d(embedDim, g)) : null,
  };
}

/**
 * The classifier's output from its feature map a: (N,C,d,h,w): a itself ('features'), the box head's
 * normalised boxes (N,6) read from a, the pooled embedding (N,C), the head's logits (N,numClasses) or the
 * projection (N,projectionDim).
 */
export function classifierOutput<V>(ops: Ops<V>, tail: ClassifierTail, a: V, output: ModelOutput = 'logits'): V {
  if (output === 'features') return a;
  if (output === 'boxes') {
    if (!tail.boxHead) throw new Error('classifierOutput: the model has no box-regression head');
    return ops.call(tail.boxHead, a);
  }
  const h = ops.flatten(ops.call(tail.pool, a));
  if (output === 'embedding') return h;
  if (output === 'projection') {
    if (!tail.projector) throw new Error('classifierOutput: the model has no projection head');
    return ops.call(tail.projector, h);
  }
  return ops.call(tail.head, h);
}
