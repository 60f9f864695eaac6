// UNet3D: a small 3-D U-Net — [Conv-BN-ReLU]x2 blocks, MaxPool down, ConvTranspose3d(k2,s2) up,
// skip connections concatenated on channels, 1x1x1 conv to per-voxel class logits (N,C,D,H,W).
import { Tensor } from '@nodulab/tensor';
import { Conv3d, ConvTranspose3d } from '../layers/conv';
import { Dropout } from '../layers/dropout';
import { MaxPool3d } from '../layers/pooling';
import { ModuleList, Sequential } from '../layers/container';
import type { Ops } from '../graph/ops';
import { captureOutputs } from '../hooks';
import { checkPositiveInt } from '../check';
import { convBnRelu, initKaiming, modelGenerator } from './common';
import { Model, ModelOutput } from './model';
import type { UNet3DOptions } from './spec';

/** Features a U-Net forward pass exposes besides its logits. */
export interface UNet3DOutputs {
  /** Per-voxel logits (N, numClasses, D, H, W). */
  logits: Tensor;
  /** The bottleneck feature map (N, base*2^levels, D/2^levels, H/2^levels, W/2^levels). */
  bottleneck: Tensor;
  /** The last decoder feature map before the 1x1x1 head (N, base, D, H, W). */
  decoder: Tensor;
}

/**
 * 3-D U-Net. x: (N,inChannels,D,H,W), D,H,W divisible by 2^levels -> logits (N,numClasses,D,H,W).
 * Layers (and keys): encoders.<i>, bottleneck, upsamplers.<i>, decoders.<i>, head (level 0 is the finest),
 * pool (the MaxPool3d run once per level), dropout (if present). It has no projector and no box head.
 */
export class UNet3D extends Model {
  readonly kind = 'unet3d';
  readonly task = 'segmentation';
  readonly featureLayer = 'decoders.0';
  readonly projector = null;
  readonly boxHead = null;
  readonly encoders: ModuleList<Sequential>;
  readonly bottleneck: Sequential;
  readonly upsamplers: ModuleList<ConvTranspose3d>;
  readonly decoders: ModuleList<Sequential>;
  /** The per-voxel head Conv3d(1x1x1): decoder features -> logits. */
  readonly head: Conv3d;
  readonly pool: MaxPool3d;
  readonly dropout: Dropout | null;
  readonly levels: number;
  /** Size of embed()'s output: the bottleneck's channels. */
  readonly embedDim: number;

  constructor(options: UNet3DOptions = {}) {
    super(options, 1);
    this.levels = options.levels ?? 2;
    const base = options.baseChannels ?? 8;
    checkPositiveInt('UNet3D', 'levels', this.levels);
    checkPositiveInt('UNet3D', 'baseChannels', base);
    const g = modelGenerator(options);
    const width = (level: number) => base * 2 ** level;
    const block = (inC: number, outC: number) =>
      new Sequential(...convBnRelu(inC, outC, g), ...convBnRelu(outC, outC, g));
    const encoders: Sequential[] = [];
    for (let l = 0; l < this.levels; l++) encoders.push(block(l === 0 ? this.inChannels : width(l - 1), width(l)));
    this.encoders = this.registerModule('encoders', new ModuleList(encoders));
    this.bottleneck = this.registerModule('bottleneck', block(width(this.levels - 1), width(this.levels)));
    const ups: ConvTranspose3d[] = [];
    const decs: Sequential[] = [];
    for (let l = 0; l < this.levels; l++) {
      ups.push(new ConvTranspose3d(width(l + 1), width(l), 2, { stride: 2, generator: g }));
      decs.push(block(2 * width(l), width(l)));
    }
    this.upsamplers = this.registerModule('upsamplers', new ModuleList(ups));
    this.decoders = this.registerModule('decoders', new ModuleList(decs));
    this.pool = this.registerModule('pool', new MaxPool3d(2));
    this.head = this.registerModule('head', new Conv3d(base, this.numClasses, 1, { generator: g }));
    const p = options.dropout ?? 0;
    this.dropout = p > 0 ? this.registerModule('dropout', new Dropout(p, undefined, { seed: g.nextUint32() })) : null;
    this.embedDim = width(this.levels);
    initKaiming(this, g);
  }

  protected override checkInput(x: Tensor): void {
    super.checkInput(x);
    const f = 2 ** this.levels;
    const [, , d, h, w] = x.shape;
    if (d % f || h % f || w % f) {
      throw new Error(
        `UNet3D: input D, H, W (${d}, ${h}, ${w}) must each be divisible by 2^levels = ${f} (e.g. ${f}, ${2 * f}, ${4 * f}, ...); pad or crop the volume`,
      );
    }
  }

  /**
   * encoders (each output kept as a skip, then pooled) -> bottleneck ('embedding': its global average)
   * -> dropout -> per level up: upsample, concat the skip, decode ('features': the last decoder map) -> head.
   * Dropout is the identity in eval mode (an exporter leaves it out).
   */
  override forwardWith<V>(ops: Ops<V>, x: V, output: ModelOutput = 'logits'): V {
    if (output === 'projection') throw new Error('UNet3D: has no projection head');
    const skips: V[] = [];
    let h = x;
    for (let l = 0; l < this.levels; l++) {
      h = ops.call(this.encoders.at(l), h);
      skips.push(h);
      h = ops.call(this.pool, h);
    }
    h = ops.call(this.bottleneck, h);
    if (output === 'embedding') return ops.flatten(ops.globalAvgPool(h));
    if (this.dropout) h = ops.call(this.dropout, h);
    for (let l = this.levels - 1; l >= 0; l--) {
      h = ops.call(this.upsamplers.at(l), h);
      h = ops.call(this.decoders.at(l), ops.concat([skips[l], h], 1));
    }
    return output === 'features' ? h : ops.call(this.head, h);
  }

  /** Logits and the intermediate feature maps (for spectral OOD scores or probes), tapped with forward hooks. */
  forwardWithFeatures(x: Tensor): UNet3DOutputs {
    const bottleneck = this.dropout ? 'dropout' : 'bottleneck';
    const { result, outputs } = captureOutputs(this, [bottleneck, 'decoders.0'], () => this.forward(x));
    return { logits: result, bottleneck: outputs[bottleneck], decoder: outputs['decoders.0'] };
  }
}
