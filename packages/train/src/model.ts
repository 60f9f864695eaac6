// The model a run trains, built from its config and seed, seen through one small interface: the
// encoder (embed), the classifier head on embeddings and the projection head, whatever the model kind.
import { Tensor } from '@nodulab/tensor';
import { createModel, Model, Module, ModelSpec, ProjectionHead } from '@nodulab/nn';
import { DatasetSpec, targetClasses } from '@nodulab/data';
import type { RunConfig } from './config';
import { derivedGenerator } from './seeds';

/**
 * A classifier with an embedding: x: (N,1,D,H,W) -> h: (N, embedDim) -> logits (N, K) | z (N, projectionDim);
 * or a segmenter (UNet3D), trained through `model.forward`: x -> logits (N, 2, D, H, W), whose embed is the
 * pooled bottleneck and whose head is the per-voxel 1x1x1 conv.
 */
export interface TrainableNet {
  readonly model: Model;
  readonly spec: ModelSpec;
  /** The encoder: (N,1,D,H,W) -> (N, embedDim). */
  embed(x: Tensor): Tensor;
  /** The linear classifier on embeddings: (N, embedDim) -> (N, K), K the classes of the data's target. */
  readonly head: Module;
  /** The projection head of the contrastive losses, or null. */
  readonly projector: ProjectionHead | null;
}

/** Classes of a run's data: those of its spec's `target` (2 for the label rule, 5 for the grade, 8 for composition). */
export function runClasses(config: RunConfig): number {
  return targetClasses((config.data.spec as DatasetSpec).target);
}

/** The model's spec (kind + options, without generator) as recorded in checkpoints. */
export function modelSpec(config: RunConfig): ModelSpec {
  return {
    kind: config.model.kind,
    options: { ...config.model.options, numClasses: runClasses(config), inChannels: 1 },
  } as ModelSpec;
}

/** Builds the run's model, initialized from a generator derived from the run seed. */
export function buildNet(config: RunConfig): TrainableNet {
  const spec = modelSpec(config);
  const model = createModel(spec, { generator: derivedGenerator(config.seed, 'model-init') });
  return {
    model,
    spec,
    embed: (x) => model.embed(x),
    head: model.head,
    projector: model.projector,
  };
}

/** The parameters of `net` that are not the classifier head's. */
export function encoderParameters(net: TrainableNet): Tensor[] {
  const headParams = new Set(net.head.parameters());
  return net.model.parameters().filter((p) => !headParams.has(p));
}
