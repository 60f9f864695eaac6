// Conv3d and ConvTranspose3d layers: weights in PyTorch's layouts, PyTorch's default initialization.
import { Generator, Tensor, conv3d, convTranspose3d } from '@nodulab/tensor';
import { defaultGenerator, kaimingUniform_, uniform_ } from '../init';
import { Module } from '../module';
import { checkPositiveInt } from '../check';

/** A size given as one number for all three dimensions or as (depth, height, width). */
export type Size3 = number | [number, number, number];

function triple(layer: string, name: string, v: Size3, min: number): [number, number, number] {
  const t = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(t) || t.length !== 3 || t.some((x) => !Number.isInteger(x) || x < min)) {
    throw new Error(`${layer}: ${name} must be an integer >= ${min} or three of them, got ${JSON.stringify(v)}`);
  }
  return [t[0], t[1], t[2]];
}

/** Options shared by the convolution layers. */
export interface ConvOptions {
  stride?: Size3;
  padding?: Size3;
  dilation?: Size3;
  /** Learn an additive bias per output channel (default true, as in PyTorch). */
  bias?: boolean;
  /** Initialization randomness (default: the shared default generator). */
  generator?: Generator;
}

/**
 * What Conv3d and ConvTranspose3d share (like PyTorch's `_ConvNd`): checked sizes, the weight
 * (Co,Ci,k...) or, transposed, (Ci,Co,k...), the bias (Co), and PyTorch's default init:
 * kaiming_uniform_(a=sqrt(5)) weights, U(-1/sqrt(fan_in), ..) bias, fan_in from weight dim 1.
 */
abstract class ConvNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: [number, number, number];
  readonly padding: [number, number, number];
  readonly dilation: [number, number, number];

  constructor(
    layer: string,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size3,
    options: ConvOptions,
    transposed: boolean,
  ) {
    super();
    checkPositiveInt(layer, 'inChannels', inChannels);
    checkPositiveInt(layer, 'outChannels', outChannels);
    const k = triple(layer, 'kernelSize', kernelSize, 1);
    this.stride = triple(layer, 'stride', options.stride ?? 1, 1);
    this.padding = triple(layer, 'padding', options.padding ?? 0, 0);
    this.dilation = triple(layer, 'dilation', options.dilation ?? 1, 1);
    const [a, b] = transposed ? [inChannels, outChannels] : [outChannels, inChannels];
    this.weight = this.registerParameter('weight', Tensor.zeros([a, b, ...k]));
    this.bias = this.registerParameter('bias', options.bias === false ? null : Tensor.zeros([outChannels]));
    const g = options.generator ?? defaultGenerator;
    kaimingUniform_(this.weight, { a: Math.sqrt(5) }, g);
    if (this.bias) {
      const fanIn = b * k[0] * k[1] * k[2];
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound, g);
    }
  }
}

/**
 * 3-D convolution, like `torch.nn.Conv3d`: x (N,Ci,D,H,W) -> (N,Co,oD,oH,oW).
 * weight: (Co,Ci,kD,kH,kW), bias: (Co).
 */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Size3, options: ConvOptions = {}) {
    super('Conv3d', inChannels, outChannels, kernelSize, options, false);
  }

  override forward(x: Tensor): Tensor {
    return conv3d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }
}

/** Options of {@link ConvTranspose3d}. */
export interface ConvTransposeOptions extends ConvOptions {
  /** Extra size added to one side of each output dimension (default 0). */
  outputPadding?: Size3;
}

/**
 * Transposed 3-D convolution, like `torch.nn.ConvTranspose3d` (e.g. k2 s2 doubles D, H, W).
 * weight: (Ci,Co,kD,kH,kW) as in PyTorch, bias: (Co).
 */
export class ConvTranspose3d extends ConvNd {
  readonly outputPadding: [number, number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: Size3, options: ConvTransposeOptions = {}) {
    super('ConvTranspose3d', inChannels, outChannels, kernelSize, options, true);
    this.outputPadding = triple('ConvTranspose3d', 'outputPadding', options.outputPadding ?? 0, 0);
  }

  override forward(x: Tensor): Tensor {
    return convTranspose3d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilation: this.dilation,
    });
  }
}
