// Model: the interface every nodulab network implements — feature maps, embed, head, optional
// projector — with its forward pass written once (forwardWith) for eager execution and ONNX tracing.
import { Tensor } from '@nodulab/tensor';
import { Module } from '../module';
import { eagerOps, Ops } from '../graph/ops';
import { GraphTracer, TraceOutput, traceModule } from '../export/trace';
import { checkPositiveInt } from '../check';
import { checkVolume } from './common';
import type { ProjectionHead } from './projection_head';
import type { BoxHead3d } from './box_head';
import type { ModelKind, ModelOptions, ModelSpec } from './spec';

/** What a model predicts: one class per volume, or one class per voxel. */
export type ModelTask = 'classification' | 'segmentation';

/**
 * The outputs a model computes: 'features' the last conv feature map (N,C,d,h,w) the head reads
 * (segmentation) or that is pooled into the embedding (classification); 'embedding' (N, embedDim);
 * 'logits' (N, numClasses) or per voxel (N, numClasses, D, H, W); 'projection' the projector's output; 'boxes'
 * the box head's (N, 6) normalised boxes.
 */
export type ModelOutput = 'features' | TraceOutput;

/**
 * Base class of NoduleNet3D, ResNet3D and UNet3D: the same parts under the same names. A subclass
 * registers its layers and writes its forward pass once, in {@link forwardWith}; `forward`, `embed`,
 * `features`, `project` run it eagerly and `trace` hands it to an exporter's tracer.
 * Any layer's output can be tapped by name with forward hooks (`getSubmodule`, `captureOutputs`).
 */
export abstract class Model extends Module {
  /** The model kind, as in a {@link ModelSpec}. */
  abstract readonly kind: ModelKind;
  abstract readonly task: ModelTask;
  /** Size of `embed(x)`'s second dimension. */
  abstract readonly embedDim: number;
  /** The classification head (embedding -> logits) or, for segmentation, the per-voxel head (features -> logits). */
  abstract readonly head: Module;
  /** The contrastive projection head (embedding -> projection), or null. */
  abstract readonly projector: ProjectionHead | null;
  /** The box-regression head (embedding -> (N, 6) normalised boxes), or null. */
  abstract readonly boxHead: BoxHead3d | null;
  /** Dotted name of the layer whose output `features(x)` returns: the last conv block, Grad-CAM's default layer. */
  abstract readonly featureLayer: string;
  readonly inChannels: number;
  readonly numClasses: number;
  /** The constructor options without the initialization (generator, seed): with `kind`, the spec. */
  private readonly specOptions: Record<string, unknown>;

  /**
   * Checks the channel options; `minInputSize` is the smallest D, H, W the model accepts
   * (e.g. 8 for three stride-2 stages).
   */
  constructor(
    options: ModelOptions,
    readonly minInputSize: number,
  ) {
    super();
    this.inChannels = checkPositiveInt(this.constructor.name, 'inChannels', options.inChannels ?? 1);
    this.numClasses = checkPositiveInt(this.constructor.name, 'numClasses', options.numClasses ?? 2);
    const { generator: _g, seed: _s, ...rest } = options;
    this.specOptions = rest as Record<string, unknown>;
  }

  /** The model's {@link ModelSpec}: kind and constructor options (without generator or seed). */
  get spec(): ModelSpec {
    return { kind: this.kind, options: { ...this.specOptions } } as ModelSpec;
  }

  /**
   * The forward pass, written once against `ops` (eager tensors or an exporter's symbolic values)
   * up to `output`. Input checks and the projector's presence are checked by the callers.
   */
  abstract forwardWith<V>(ops: Ops<V>, x: V, output?: ModelOutput): V;

  /** Throws, naming the model, unless x is (N, inChannels, D, H, W) with D, H, W >= minInputSize. */
  protected checkInput(x: Tensor): void {
    checkVolume(this.constructor.name, x, this.inChannels, this.minInputSize);
  }

  /** Runs the forward pass eagerly up to `output` (see {@link ModelOutput}). */
  forwardTo(x: Tensor, output: ModelOutput): Tensor {
    this.checkInput(x);
    this.checkOutput(output);
    return this.forwardWith(eagerOps, x, output);
  }

  /** Logits: (N, numClasses) for classification, (N, numClasses, D, H, W) for segmentation. */
  override forward(x: Tensor): Tensor {
    return this.forwardTo(x, 'logits');
  }

  /** The embedding (N, embedDim). */
  embed(x: Tensor): Tensor {
    return this.forwardTo(x, 'embedding');
  }

  /** The output of {@link featureLayer}: (N, C, d, h, w). */
  features(x: Tensor): Tensor {
    return this.forwardTo(x, 'features');
  }

  /** The projection head's output (N, projectionDim) for contrastive losses; throws without a projector. */
  project(x: Tensor): Tensor {
    return this.forwardTo(x, 'projection');
  }

  /**
   * The box-regression head's boxes (N, 6): centre (z, y, x) and size (d, h, w), each divided by the input's
   * (D, H, W), in (0, 1); throws without a box head (build the model with `{ boxHead: true }`).
   */
  boxes(x: Tensor): Tensor {
    return this.forwardTo(x, 'boxes');
  }

  /**
   * Throws, naming the model, unless `forwardTo(x, output)` takes x and output: x (N, inChannels, D, H, W) with
   * D, H, W >= minInputSize, and the head `output` needs present. For callers that run the pass elsewhere.
   */
  checkForward(x: Tensor, output: ModelOutput): void {
    this.checkInput(x);
    this.checkOutput(output);
  }

  /** Describes the eval-mode forward pass up to `output` to an exporter's tracer (the same {@link forwardWith}). */
  trace<V>(t: GraphTracer<V>, x: V, output: TraceOutput = 'logits'): V {
    this.checkOutput(output);
    return traceModule(t, this, x, output);
  }

  private checkOutput(output: ModelOutput): void {
    if (output === 'projection' && !this.projector) {
      throw new Error(
        `${this.constructor.name}: has no projection head; project() needs a model built with { projectionHead: true }`,
      );
    }
    if (output === 'boxes' && !this.boxHead) {
      throw new Error(
        `${this.constructor.name}: has no box-regression head; boxes() needs a model built with { boxHead: true }`,
      );
    }
  }
}

/** Whether m is one of nodulab's models (NoduleNet3D, ResNet3D, UNet3D). */
export function isModel(m: unknown): m is Model {
  return m instanceof Model;
}
