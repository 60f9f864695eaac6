// ResNet3D-10: a small 3-D ResNet — stem Conv3d(k3)-BN-ReLU, four stages of BasicBlocks (widths
// 16/32/64/128, stride 2 from stage 2, 1x1x1 conv + BN shortcut on shape change), global average
// pool, Linear; same embed/project API as NoduleNet3D.
import { Generator, Tensor, add, flatten, relu } from '@nodulab/tensor';
import { Module } from '../module';
import { BatchNorm3d } from '../layers/batchnorm';
import { Conv3d } from '../layers/conv';
import { Linear } from '../layers/linear';
import { GlobalAvgPool3d } from '../layers/pooling';
import { Sequential } from '../layers/container';
import { ProjectionHead } from './projection_head';
import { checkPositiveInt, checkVolume, convBnRelu, initKaiming, ModelInitOptions, modelGenerator } from './common';
import { GraphTracer, TraceOutput, traceModule } from '../export/trace';

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
    this.conv1 = this.registerModule('conv1', new Conv3d(inC, outC, 3, { stride, padding: 1, bias: false, generator: g }));
    this.bn1 = this.registerModule('bn1', new BatchNorm3d(outC));
    this.conv2 = this.registerModule('conv2', new Conv3d(outC, outC, 3, { padding: 1, bias: false, generator: g }));
    this.bn2 = this.registerModule('bn2', new BatchNorm3d(outC));
    this.downsample = stride !== 1 || inC !== outC
      ? this.registerModule('downsample', new Sequential(new Conv3d(inC, outC, 1, { stride, bias: false, generator: g }), new BatchNorm3d(outC)))
      : null;
  }

  override forward(x: Tensor): Tensor {
    const out = this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))));
    return relu(add(out, this.downsample ? this.downsample.forward(x) : x));
  }

  /** Describes forward to an exporter: convs and BNs as layers, the residual add and ReLUs as glue. */
  trace<V>(t: GraphTracer<V>, x: V): V {
    const h = t.relu(traceModule(t, this.bn1, traceModule(t, this.conv1, x)));
    const out = traceModule(t, this.bn2, traceModule(t, this.conv2, h));
    return t.relu(t.add(out, this.downsample ? traceModule(t, this.downsample, x) : x));
  }
}

/** Options of {@link ResNet3D}. */
export interface ResNet3DOptions extends ModelInitOptions {
  inChannels?: number;
  numClasses?: number;
  /** Stage widths (default [16, 32, 64, 128]). */
  widths?: [number, number, number, number];
  /** BasicBlocks per stage (default [1, 1, 1, 1]: ResNet-10). */
  blocks?: [number, number, number, number];
  projectionHead?: boolean;
  projectionDim?: number;
}

/**
 * 3-D ResNet. x: (N,inChannels,D,H,W) with D,H,W >= 8 (three stride-2 stages).
 * Keys: stem.{0,1}.*, layer1..layer4.<block>.{conv1,bn1,conv2,bn2,downsample.0,downsample.1}.*, fc.*.
 */
export class ResNet3D extends Module {
  readonly stem: Sequential;
  readonly layers: Sequential[] = [];
  readonly pool: GlobalAvgPool3d;
  readonly fc: Linear;
  readonly projector: ProjectionHead | null;
  readonly inChannels: number;
  readonly numClasses: number;
  readonly embedDim: number;

  constructor(options: ResNet3DOptions = {}) {
    super();
    this.inChannels = options.inChannels ?? 1;
    this.numClasses = options.numClasses ?? 2;
    checkPositiveInt('ResNet3D', 'inChannels', this.inChannels);
    checkPositiveInt('ResNet3D', 'numClasses', this.numClasses);
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
    this.pool = this.registerModule('pool', new GlobalAvgPool3d());
    this.fc = this.registerModule('fc', new Linear(inC, this.numClasses, { generator: g }));
    this.projector = options.projectionHead
      ? this.registerModule('projector', new ProjectionHead(inC, inC, options.projectionDim ?? 128, g))
      : null;
    initKaiming(this, g);
  }

  /** Globally pooled last-stage features (N, embedDim). */
  embed(x: Tensor): Tensor {
    checkVolume('ResNet3D', x, this.inChannels, 8);
    let h = this.stem.forward(x);
    for (const layer of this.layers) h = layer.forward(h);
    return flatten(this.pool.forward(h));
  }

  /** Class logits (N, numClasses). */
  override forward(x: Tensor): Tensor {
    return this.fc.forward(this.embed(x));
  }

  /** Projection-head output (N, projectionDim); throws without a head. */
  project(x: Tensor): Tensor {
    if (!this.projector) throw new Error('ResNet3D: project() needs a model built with { projectionHead: true }');
    return this.projector.forward(this.embed(x));
  }

  /** Describes forward ('logits'), embed ('embedding') or project ('projection') to an exporter. */
  trace<V>(t: GraphTracer<V>, x: V, output: TraceOutput = 'logits'): V {
    let h = traceModule(t, this.stem, x);
    for (const layer of this.layers) h = traceModule(t, layer, h);
    h = t.flatten(traceModule(t, this.pool, h));
    if (output === 'embedding') return h;
    if (output === 'projection') {
      if (!this.projector) throw new Error('ResNet3D: no projection head to trace');
      return traceModule(t, this.projector.net, h);
    }
    return traceModule(t, this.fc, h);
  }
}
