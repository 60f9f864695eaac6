// NoduleNet3D, the reference nodule classifier: [Conv3d(k3,p1,no bias)-BN-ReLU](1->16) -> MaxPool2
// -> (16->32) -> MaxPool2 -> (32->64) -> global average pool -> Linear(64->numClasses),
// with an optional 64->64->128 projection head for contrastive training.
import { Linear } from '../layers/linear';
import { GlobalAvgPool3d, MaxPool3d } from '../layers/pooling';
import { Sequential } from '../layers/container';
import type { Ops } from '../graph/ops';
import { ProjectionHead } from './projection_head';
import type { BoxHead3d } from './box_head';
import { convBnRelu, initKaiming, modelGenerator } from './common';
import { addClassifierTail, classifierOutput } from './classifier_tail';
import { Model, ModelOutput } from './model';
import type { NoduleNet3DOptions } from './spec';

/**
 * The 3-block 3-D CNN of nodulab's studies. x: (N,inChannels,D,H,W) with D,H,W >= 4.
 * Layers (and state-dict keys): features.{0,4,8} (convs), features.{1,5,9} (BatchNorm),
 * features.{2,6,10} (ReLU), features.{3,7} (MaxPool), pool, classifier (the head), projector.net.{0,2} and
 * boxHead.{heat,size} (if present).
 */
export class NoduleNet3D extends Model {
  readonly kind = 'nodulenet3d';
  readonly task = 'classification';
  readonly featureLayer = 'features';
  /** The conv blocks, registered as "features": x -> (N, embedDim, D/4, H/4, W/4). */
  readonly backbone: Sequential;
  readonly pool: GlobalAvgPool3d;
  /** Linear(embedDim -> numClasses), registered as "classifier". */
  readonly head: Linear;
  readonly projector: ProjectionHead | null;
  /** The box-regression head on the last feature map, registered as "boxHead" (if built with `boxHead: true`). */
  readonly boxHead: BoxHead3d | null;
  /** Size of the embedding (64 at width multiplier 1). */
  readonly embedDim: number;

  constructor(options: NoduleNet3DOptions = {}) {
    super(options, 4);
    const m = options.widthMultiplier ?? 1;
    if (!(m > 0) || !Number.isFinite(m))
      throw new Error(`NoduleNet3D: widthMultiplier must be a positive number, got ${m}`);
    const [w1, w2, w3] = [16, 32, 64].map((w) => Math.max(1, Math.round(w * m)));
    const g = modelGenerator(options);
    this.backbone = this.registerModule(
      'features',
      new Sequential(
        ...convBnRelu(this.inChannels, w1, g),
        new MaxPool3d(2),
        ...convBnRelu(w1, w2, g),
        new MaxPool3d(2),
        ...convBnRelu(w2, w3, g),
      ),
    );
    this.embedDim = w3;
    const tail = addClassifierTail(this, 'classifier', w3, this.numClasses, g, options);
    [this.pool, this.head, this.projector, this.boxHead] = [tail.pool, tail.head, tail.projector, tail.boxHead];
    initKaiming(this, g);
  }

  /** features -> pool -> flatten -> classifier | projector. */
  override forwardWith<V>(ops: Ops<V>, x: V, output: ModelOutput = 'logits'): V {
    return classifierOutput(ops, this, ops.call(this.backbone, x), output);
  }
}
