// The layers after a classifier's last feature map, shared by NoduleNet3D and ResNet3D: global
// average pool -> embedding -> linear head (logits), projection head or box-regression head, and their
// forward pass.
import { Generator } from '@nodulab/tensor';
import { Module } from '../module';
import { Linear } from '../layers/linear';
import { GlobalAvgPool3d } from '../layers/pooling';
import { Sequential } from '../layers/container';
import { Sigmoid } from '../layers/activation';
import type { Ops } from '../graph/ops';
import { ProjectionHead } from './projection_head';
import type { BoxHeadOptions, ModelOutput, ProjectionOptions } from './model';

/** The number of values of a box: centre (z, y, x) and size (d, h, w). */
export const BOX_VALUES = 6;

/** A classifier's pool, linear head, optional projector and optional box-regression head. */
export interface ClassifierTail {
  pool: GlobalAvgPool3d;
  head: Linear;
  projector: ProjectionHead | null;
  /** Linear(embedDim -> 6) then Sigmoid, registered as "boxHead" ("boxHead.0.weight"). */
  boxHead: Sequential | null;
}

/**
 * Registers on `model`, in this order, "pool", the head Linear(embedDim -> numClasses) under `headName`
 * (the state-dict prefix: "classifier", "fc") and, if asked, "projector" (embedDim -> embedDim -> projectionDim)
 * and "boxHead" (embedDim -> 6, sigmoid). Models without them keep the state-dict keys they always had.
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
    boxHead: options.boxHead
      ? model.registerModule(
          'boxHead',
          new Sequential(new Linear(embedDim, BOX_VALUES, { generator: g }), new Sigmoid()),
        )
      : null,
  };
}

/**
 * The classifier's output from its feature map a: (N,C,d,h,w): a itself ('features'), the pooled
 * embedding (N,C), the head's logits (N,numClasses), the projection (N,projectionDim) or the box head's
 * normalised boxes (N,6).
 */
export function classifierOutput<V>(ops: Ops<V>, tail: ClassifierTail, a: V, output: ModelOutput = 'logits'): V {
  if (output === 'features') return a;
  const h = ops.flatten(ops.call(tail.pool, a));
  if (output === 'embedding') return h;
  if (output === 'projection') {
    if (!tail.projector) throw new Error('classifierOutput: the model has no projection head');
    return ops.call(tail.projector, h);
  }
  if (output === 'boxes') {
    if (!tail.boxHead) throw new Error('classifierOutput: the model has no box-regression head');
    return ops.call(tail.boxHead, h);
  }
  return ops.call(tail.head, h);
}
