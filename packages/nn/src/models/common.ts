// Helpers shared by the models: the seeded generator a model initializes from, Kaiming
// initialization of a whole module tree, Conv-BN-ReLU blocks and input checks.
import { Generator, Tensor } from '@nodulab/tensor';
import { constant_, kaimingNormal_ } from '../init';
import { Module } from '../module';
import { BatchNorm3d } from '../layers/batchnorm';
import { ReLU } from '../layers/activation';
import { Conv3d, ConvTranspose3d } from '../layers/conv';
import { BoxHead3d } from './box_head';

/** How a model seeds its initialization: a Generator, or a seed for a fresh one (default seed 0). */
export interface ModelInitOptions {
  seed?: number;
  generator?: Generator;
}

/** The generator a model initializes from. */
export function modelGenerator(o: ModelInitOptions): Generator {
  return o.generator ?? new Generator(o.seed ?? 0);
}

/**
 * Re-initializes in module order: conv weights Kaiming normal (fan_out, ReLU gain, as torchvision's
 * ResNets), conv biases 0, BatchNorm weight 1 and bias 0. Linear layers keep PyTorch's default init. A box head
 * then starts from its own init (a flat heat map: every box starts at the volume's centre).
 */
export function initKaiming(model: Module, g: Generator): void {
  const heads: BoxHead3d[] = [];
  for (const [, m] of model.namedModules()) {
    if (m instanceof BoxHead3d) heads.push(m);
    if (m instanceof Conv3d || m instanceof ConvTranspose3d) {
      kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' }, g);
      if (m.bias) constant_(m.bias, 0);
    } else if (m instanceof BatchNorm3d) {
      if (m.weight) constant_(m.weight, 1);
      if (m.bias) constant_(m.bias, 0);
    }
  }
  for (const h of heads) h.resetParameters();
}

/** The three layers Conv3d(k3, p1, no bias), BatchNorm3d, ReLU (spread into a Sequential). */
export function convBnRelu(inC: number, outC: number, g: Generator, stride = 1): Module[] {
  return [
    new Conv3d(inC, outC, 3, { padding: 1, stride, bias: false, generator: g }),
    new BatchNorm3d(outC),
    new ReLU(),
  ];
}

/** Throws unless x is (N, channels, D, H, W) with every spatial size >= minSize. */
export function checkVolume(model: string, x: Tensor, channels: number, minSize: number): void {
  if (x.ndim !== 5 || x.shape[1] !== channels) {
    throw new Error(`${model}: expected input (N, ${channels}, D, H, W), got shape [${x.shape.join(', ')}]`);
  }
  if (x.shape[0] < 1 || x.shape.slice(2).some((d) => d < minSize)) {
    throw new Error(`${model}: input shape [${x.shape.join(', ')}] needs N >= 1 and D, H, W >= ${minSize}`);
  }
}
