// The model a run trains, built from its config and seed, seen through one small interface: the
// encoder (embed), the classifier head on embeddings and the projection head, whatever the model kind.
import { Tensor } from '@nodulab/tensor';
import { Linear, NoduleNet3D, ProjectionHead, ResNet3D, ModelSpec } from '@nodulab/nn';
import type { RunConfig } from './config';
import { derivedGenerator } from './seeds';

/** A classifier with an embedding: x: (N,1,D,H,W) -> h: (N, embedDim) -> logits (N, 2) | z (N, projectionDim). */
export interface TrainableNet {
  readonly model: NoduleNet3D | ResNet3D;
  readonly spec: ModelSpec;
  /** The encoder: (N,1,D,H,W) -> (N, embedDim). */
  embed(x: Tensor): Tensor;
  /** The linear classifier on embeddings: (N, embedDim) -> (N, 2). */
  readonly head: Linear;
  /** The projection head of the contrastive losses, or null. */
  readonly projector: ProjectionHead | null;
}

/** The model's spec (kind + options, without generator) as recorded in checkpoints. */
export function modelSpec(config: RunConfig): ModelSpec {
  return { kind: config.model.kind, options: { ...config.model.options, numClasses: 2, inChannels: 1 } } as ModelSpec;
}

/** Builds the run's model, initialized from a generator derived from the run seed. */
export function buildNet(config: RunConfig): TrainableNet {
  const spec = modelSpec(config);
  const generator = derivedGenerator(config.seed, 'model-init');
  const model = spec.kind === 'resnet3d' ? new ResNet3D({ ...spec.options, generator }) : new NoduleNet3D({ ...(spec.options as object), generator });
  const head = model instanceof ResNet3D ? model.fc : model.classifier;
  return {
    model,
    spec,
    embed: (x) => model.embed(x),
    head,
    projector: model.projector,
  };
}

/** The parameters of `net` that are not the classifier head's. */
export function encoderParameters(net: TrainableNet): Tensor[] {
  const headParams = new Set(net.head.parameters());
  return net.model.parameters().filter((p) => !headParams.has(p));
}
