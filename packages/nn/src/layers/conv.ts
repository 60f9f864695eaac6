// Conv3d and ConvTranspose3d layers: weights in PyTorch's layouts, PyTorch's default initialization.
import { Generator, Tensor, conv3d, convTranspose3d } from '@nodulab/tensor';
import { defaultGenerator, kaimingUniform_, uniform_ } from '../init';
import { Module } from '../module';

/** A size given as one number for all three dimensions or as (depth, height, width). */
export type Size3 = number | [number, number, number];

function triple(layer: string, name: string, v: Size3, min: number): [number, number, number] {
  const t = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(t) || t.length !== 3 || t.some((x) => !Number.isInteger(x) || x < min)) {
    throw new Error(`${layer}: ${name} must be an integer >= ${min} or three of them, got ${JSON.stringify(v)}`);
  }
  return [t[0], t[1], t[2]];
}

function positiveInt(layer: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${layer}: ${name} must be a positive integer, got ${v}`);
  return v;
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

/** Default init of PyTorch's conv layers: kaiming_uniform_(a=sqrt(5)) weights, U(-1/sqrt(fan_in), ..) bias. */
function resetConv(weight: Tensor, bias: Tensor | null, fanIn: number, g: Generator): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) }, g);
  if (bias) {
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound, g);
  }
}

/**
 * 3-D convolution, like `torch.nn.Conv3d`: x (N,Ci,D,H,W) -> (N,Co,oD,oH,oW).
 * weight: (Co,Ci,kD,kH,kW), bias: (Co).
 */
export class Conv3d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: [number, number, number];
  readonly padding: [number, number, number];
  readonly dilation: [number, number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Size3, options: ConvOptions = {}) {
    super();
    positiveInt('Conv3d', 'inChannels', inChannels);
    positiveInt('Conv3d', 'outChannels', outChannels);
    const k = triple('Conv3d', 'kernelSize', kernelSize, 1);
    this.stride = triple('Conv3d', 'stride', options.stride ?? 1, 1);
    this.padding = triple('Conv3d', 'padding', options.padding ?? 0, 0);
    this.dilation = triple('Conv3d', 'dilation', options.dilation ?? 1, 1);
    this.weight = this.registerParameter('weight', Tensor.zeros([outChannels, inChannels, ...k]));
    this.bias = this.registerParameter('bias', options.bias === false ? null : Tensor.zeros([outChannels]));
    resetConv(this.weight, this.bias, inChannels * k[0] * k[1] * k[2], options.generator ?? defaultGenerator);
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
export class ConvTranspose3d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: [number, number, number];
  readonly padding: [number, number, number];
  readonly outputPadding: [number, number, number];
  readonly dilation: [number, number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Size3, options: ConvTransposeOptions = {}) {
    super();
    positiveInt('ConvTranspose3d', 'inChannels', inChannels);
    positiveInt('ConvTranspose3d', 'outChannels', outChannels);
    const k = triple('ConvTranspose3d', 'kernelSize', kernelSize, 1);
    this.stride = triple('ConvTranspose3d', 'stride', options.stride ?? 1, 1);
    this.padding = triple('ConvTranspose3d', 'padding', options.padding ?? 0, 0);
    this.outputPadding = triple('ConvTranspose3d', 'outputPadding', options.outputPadding ?? 0, 0);
    this.dilation = triple('ConvTranspose3d', 'dilation', options.dilation ?? 1, 1);
    this.weight = this.registerParameter('weight', Tensor.zeros([inChannels, outChannels, ...k]));
    this.bias = this.registerParameter('bias', options.bias === false ? null : Tensor.zeros([outChannels]));
    // PyTorch computes fan_in from weight dim 1 (= out channels here) times the kernel volume.
    resetConv(this.weight, this.bias, outChannels * k[0] * k[1] * k[2], options.generator ?? defaultGenerator);
  }

  override forward(x: Tensor): Tensor {
    return convTranspose3d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation,
    });
  }
}
