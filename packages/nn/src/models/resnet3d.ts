// ResNet3D-10: a small 3-D ResNet — stem Conv3d(k3)-BN-ReLU, four stages of BasicBlocks (widths
// 16/32/64/128, stride 2 from stage 2, 1x1x1 conv + BN shortcut on shape change), global average
// pool, Linear; the same model interface as NoduleNet3D.
import { Generator, Tensor } from '@nodulab/tensor';
import { Module } from '../module';
import { BatchNorm3d } from '../layers/batchnorm';
import { Conv3d } from '../layers/conv';
import { Linear } from '../layers/linear';
import { GlobalAvgPool3d } from '../layers/pooling';
import { Sequential } from '../layers/container';
import { eagerOps, Ops } from '../graph/ops';
import { checkPositiveInt } from '../check';
import { ProjectionHead } from './projection_head';
import type { BoxHead3d } from './box_head';
import { convBnRelu, initKaiming, modelGenerator } from './common';
import { addClassifierTail, classifierOutput } from './classifier_tail';
import { Model, ModelOutput } from './model';
import type { ResNet3DOptions } from './spec';

/**
 * relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), convs 3x3x3; the shortcut is the identity or,
 * when stride or width change, "downsample" = Conv3d(1x1x1, stride) + BN (torchvision's names).
 */
export class BasicBlock3d extends Module {
  readonly conv1: Conv3d;
  readonly bn1: BatchNorm3d;
  readonly conv2: Conv3d;
  readonly bn2: BatchNorm3d;
  readonly downsample: Sequential | null;

  constructor(inC: number, outC: number, stride: number, g: Generator) {
    super();
    this.conv1 = this.registerModule(
      'conv1',
      new Conv3d(inC, outC, 3, { stride, padding: 1, bias: false, generator: g }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm3d(outC));
    this.conv2 = this.registerModule('conv2', new Conv3d(outC, outC, 3, { padding: 1, bias: false, generator: g }));
    this.bn2 = this.registerModule('bn2', new BatchNorm3d(outC));
    this.downsample =
      stride !== 1 || inC !== outC
        ? this.registerModule(
            'downsample',
            new Sequential(new Conv3d(inC, outC, 1, { stride, bias: false, generator: g }), new BatchNorm3d(outC)),
          )
        : null;
  }

  /**
   * The block, written once for eager execution and tracing: convs and BNs as modules, the residual add and ReLUs as
   * glue.
   */
  forwardWith<V>(ops: Ops<V>, x: V): V {
    const h = ops.relu(ops.call(this.bn1, ops.call(this.conv1, x)));
    const out = ops.call(this.bn2, ops.call(this.conv2, h));
    return ops.relu(ops.add(out, this.downsample ? ops.call(this.downsample, x) : x));
  }

  override forward(x: Tensor): Tensor {
    return this.forwardWith(eagerOps, x);
  }
}

/**
 * 3-D ResNet. x: (N,inChannels,D,H,W) with D,H,W >= 8 (three stride-2 stages).
 * Layers (and keys): stem.{0,1,2}, layer1..layer4.<block>.{conv1,bn1,conv2,bn2,downsample.0,downsample.1},
 * pool, fc (the head), projector.net.{0,2}, boxHead.{heat,size} (if present).
 */
export class ResNet3D extends Model {
  readonly kind = 'resnet3d';
  readonly task = 'classification';
  readonly featureLayer = 'layer4';
  readonly stem: Sequential;
  /** The four stages, registered as "layer1".."layer4". */
  readonly layers: Sequential[] = [];
  readonly pool: GlobalAvgPool3d;
  /** Linear(embedDim -> numClasses), registered as "fc". */
  readonly head: Linear;
  readonly projector: ProjectionHead | null;
  /** The box-regression head on the last feature map, registered as "boxHead" (if built with `boxHead: true`). */
  readonly boxHead: BoxHead3d | null;
  readonly embedDim: number;

  constructor(options: ResNet3DOptions = {}) {
    super(options, 8);
    const widths = options.widths ?? [16, 32, 64, 128];
    const blocks = options.blocks ?? [1, 1, 1, 1];
    if (widths.length !== 4 || blocks.length !== 4) throw new Error('ResNet3D: widths and blocks must list 4 stages');
    widths.forEach((w, i) => checkPositiveInt('ResNet3D', `widths[${i}]`, w));
    blocks.forEach((b, i) => checkPositiveInt('ResNet3D', `blocks[${i}]`, b));
    const g = modelGenerator(options);
    this.stem = this.registerModule('stem', new Sequential(...convBnRelu(this.inChannels, widths[0], g)));
    let inC = widths[0];
    widths.forEach((w, stage) => {
      const layer = new Sequential();
      for (let b = 0; b < blocks[stage]; b++) {
        layer.append(new BasicBlock3d(inC, w, b === 0 && stage > 0 ? 2 : 1, g));
        inC = w;
      }
      this.layers.push(this.registerModule(`layer${stage + 1}`, layer));
    });
    this.embedDim = inC;
    const tail = addClassifierTail(this, 'fc', inC, this.numClasses, g, options);
    [this.pool, this.head, this.projector, this.boxHead] = [tail.pool, tail.head, tail.projector, tail.boxHead];
    initKaiming(this, g);
  }

  /** stem -> layer1..layer4 -> pool -> flatten -> fc | projector. */
  override forwardWith<V>(ops: Ops<V>, x: V, output: ModelOutput = 'logits'): V {
    let h = ops.call(this.stem, x);
    for (const layer of this.layers) h = ops.call(layer, h);
    return classifierOutput(ops, this, h, output);
  }
}
