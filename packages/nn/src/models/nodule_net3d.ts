// NoduleNet3D, the reference nodule classifier: [Conv3d(k3,p1,no bias)-BN-ReLU](1->16) -> MaxPool2
// -> (16->32) -> MaxPool2 -> (32->64) -> global average pool -> Linear(64->numClasses),
// with an optional 64->64->128 projection head for contrastive training.
import { Tensor, flatten } from '@nodulab/tensor';
import { Module } from '../module';
import { Linear } from '../layers/linear';
import { MaxPool3d, GlobalAvgPool3d } from '../layers/pooling';
import { Sequential } from '../layers/container';
import { ProjectionHead } from './projection_head';
import { checkPositiveInt, checkVolume, convBnRelu, initKaiming, ModelInitOptions, modelGenerator } from './common';
import { GraphTracer, TraceOutput, traceModule } from '../export/trace';

/** Options of {@link NoduleNet3D}. */
export interface NoduleNet3DOptions extends ModelInitOptions {
  /** Input channels (default 1). */
  inChannels?: number;
  /** Classes of the linear classifier (default 2). */
  numClasses?: number;
  /** Multiplies the widths 16/32/64 (default 1; e.g. 0.5 for a tiny test model). */
  widthMultiplier?: number;
  /** Add the projection head (embedding -> embedding -> projectionDim) for contrastive losses. */
  projectionHead?: boolean;
  /** Output size of the projection head (default 128). */
  projectionDim?: number;
}

/**
 * The 3-block 3-D CNN of nodulab's studies. x: (N,inChannels,D,H,W) with D,H,W >= 4.
 * State-dict keys: features.{0,4,8}.weight (convs), features.{1,5,9}.* (BatchNorm),
 * classifier.weight/bias, projector.net.{0,2}.* (if present).
 */
export class NoduleNet3D extends Module {
  readonly features: Sequential;
  readonly pool: GlobalAvgPool3d;
  readonly classifier: Linear;
  readonly projector: ProjectionHead | null;
  readonly inChannels: number;
  readonly numClasses: number;
  /** Size of the embedding (64 at width multiplier 1). */
  readonly embedDim: number;

  constructor(options: NoduleNet3DOptions = {}) {
    super();
    this.inChannels = options.inChannels ?? 1;
    this.numClasses = options.numClasses ?? 2;
    checkPositiveInt('NoduleNet3D', 'inChannels', this.inChannels);
    checkPositiveInt('NoduleNet3D', 'numClasses', this.numClasses);
    const m = options.widthMultiplier ?? 1;
    if (!(m > 0) || !Number.isFinite(m)) throw new Error(`NoduleNet3D: widthMultiplier must be a positive number, got ${m}`);
    const [w1, w2, w3] = [16, 32, 64].map((w) => Math.max(1, Math.round(w * m)));
    const g = modelGenerator(options);
    this.features = this.registerModule('features', new Sequential(
      ...convBnRelu(this.inChannels, w1, g), new MaxPool3d(2),
      ...convBnRelu(w1, w2, g), new MaxPool3d(2),
      ...convBnRelu(w2, w3, g),
    ));
    this.embedDim = w3;
    this.pool = this.registerModule('pool', new GlobalAvgPool3d());
    this.classifier = this.registerModule('classifier', new Linear(w3, this.numClasses, { generator: g }));
    this.projector = options.projectionHead
      ? this.registerModule('projector', new ProjectionHead(w3, w3, options.projectionDim ?? 128, g))
      : null;
    initKaiming(this, g);
  }

  /** Penultimate features: (N,C,D,H,W) -> (N, embedDim). */
  embed(x: Tensor): Tensor {
    checkVolume('NoduleNet3D', x, this.inChannels, 4);
    return flatten(this.pool.forward(this.features.forward(x)));
  }

  /** Class logits (N, numClasses). */
  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.embed(x));
  }

  /** Projection-head output (N, projectionDim) for contrastive losses; throws without a head. */
  project(x: Tensor): Tensor {
    if (!this.projector) throw new Error('NoduleNet3D: project() needs a model built with { projectionHead: true }');
    return this.projector.forward(this.embed(x));
  }

  /** Describes forward ('logits'), embed ('embedding') or project ('projection') to an exporter. */
  trace<V>(t: GraphTracer<V>, x: V, output: TraceOutput = 'logits'): V {
    const h = t.flatten(traceModule(t, this.pool, traceModule(t, this.features, x)));
    if (output === 'embedding') return h;
    if (output === 'projection') {
      if (!this.projector) throw new Error('NoduleNet3D: no projection head to trace');
      return traceModule(t, this.projector.net, h);
    }
    return traceModule(t, this.classifier, h);
  }
}
