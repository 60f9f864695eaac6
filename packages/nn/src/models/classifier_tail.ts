// The layers after a classifier's last feature map, shared by NoduleNet3D and ResNet3D: global
// average pool -> embedding -> linear head (logits) or projection head, and their forward pass.
import { Generator } from '@nodulab/tensor';
import { Module } from '../module';
import { Linear } from '../layers/linear';
import { GlobalAvgPool3d } from '../layers/pooling';
import type { Ops } from '../graph/ops';
import { ProjectionHead } from './projection_head';
import type { ModelOutput, ProjectionOptions } from './model';

/** A classifier's pool, linear head and optional projector. */
export interface ClassifierTail {
  pool: GlobalAvgPool3d;
  head: Linear;
  projector: ProjectionHead | null;
}

/**
 * Registers on `model`, in this order, "pool", the head Linear(embedDim -> numClasses) under `headName`
 * (the state-dict prefix: "classifier", "fc") and, if asked, "projector" (embedDim -> embedDim -> projectionDim).
 */
export function addClassifierTail(
  model: Module,
  headName: string,
  embedDim: number,
  numClasses: number,
  g: Generator,
  options: ProjectionOptions,
): ClassifierTail {
  return {
    pool: model.registerModule('pool', new GlobalAvgPool3d()),
    head: model.registerModule(headName, new Linear(embedDim, numClasses, { generator: g })),
    projector: options.projectionHead
      ? model.registerModule('projector', new ProjectionHead(embedDim, embedDim, options.projectionDim ?? 128, g))
      : null,
  };
}

/**
 * The classifier's output from its feature map a: (N,C,d,h,w): a itself ('features'), the pooled
 * embedding (N,C), the head's logits (N,numClasses) or the projection (N,projectionDim).
 */
export function classifierOutput<V>(ops: Ops<V>, tail: ClassifierTail, a: V, output: ModelOutput = 'logits'): V {
  if (output === 'features') return a;
  const h = ops.flatten(ops.call(tail.pool, a));
  if (output === 'embedding') return h;
  if (output === 'projection') {
    if (!tail.projector) throw new Error('classifierOutput: the model has no projection head');
    return ops.call(tail.projector, h);
  }
  return ops.call(tail.head, h);
}
