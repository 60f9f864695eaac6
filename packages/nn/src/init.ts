// Seeded in-place initializers in torch.nn.init's conventions (fan_in/fan_out, gain), plus the
// default Generator layers draw from when none is given.
import { Generator, Tensor } from '@nodulab/tensor';

/** The generator layers use when their options name none (like torch's global default generator). */
export const defaultGenerator = new Generator(0);

/** Reseeds {@link defaultGenerator} (PyTorch's `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

/** Nonlinearities known to {@link calculateGain}. */
export type Nonlinearity = 'linear' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain` (param = leaky_relu slope, default
 * 0.01).
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    default:
      throw new Error(`calculateGain: unknown nonlinearity "${nonlinearity as string}"`);
  }
}

/**
 * fan_in and fan_out of a weight as PyTorch computes them: dims 0 and 1 times the receptive field,
 * e.g. Conv3d weight (Co,Ci,kD,kH,kW): fan_in = Ci*kD*kH*kW, fan_out = Co*kD*kH*kW.
 * (ConvTranspose3d stores (Ci,Co,k...) so the roles swap, exactly as in PyTorch.)
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2)
    throw new Error(`init: fan in and fan out need a tensor with >= 2 dimensions, got shape [${t.shape.join(', ')}]`);
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/** Options of the Kaiming (He) initializers. */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU after this layer (default 0). */
  a?: number;
  /** 'fan_in' (default) preserves the forward variance, 'fan_out' the backward one. */
  mode?: 'fan_in' | 'fan_out';
  /** Default 'leaky_relu' (with a = 0 this is ReLU's gain sqrt(2)), as in PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const mode = o.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out')
    throw new Error(`init: mode must be 'fan_in' or 'fan_out', got "${mode as string}"`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) throw new Error(`init: cannot initialize a tensor of shape [${t.shape.join(', ')}] with a zero fan`);
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** Fills `t` in place with U(low, high) from `generator`; returns t. */
export function uniform_(t: Tensor, low: number, high: number, generator: Generator = defaultGenerator): Tensor {
  if (!(low <= high)) throw new Error(`uniform_: low ${low} must be <= high ${high}`);
  for (let i = 0; i < t.size; i++) t.data[i] = generator.uniformRange(low, high);
  return t;
}

/** Fills `t` in place with N(mean, std^2) from `generator`; returns t. */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(std >= 0)) throw new Error(`normal_: std must be >= 0, got ${std}`);
  for (let i = 0; i < t.size; i++) t.data[i] = mean + std * generator.normal();
  return t;
}

/** Fills `t` with a constant; returns t. */
export function constant_(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t;
}

/** Fills `t` with zeros; returns t. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills `t` with ones; returns t. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** He normal: N(0, std^2) with std = gain / sqrt(fan), like `torch.nn.init.kaiming_normal_`; returns t. */
export function kaimingNormal_(
  t: Tensor,
  options: KaimingOptions = {},
  generator: Generator = defaultGenerator,
): Tensor {
  return normal_(t, 0, kaimingStd(t, options), generator);
}

/** He uniform: U(-b, b) with b = gain * sqrt(3 / fan), like `torch.nn.init.kaiming_uniform_`; returns t. */
export function kaimingUniform_(
  t: Tensor,
  options: KaimingOptions = {},
  generator: Generator = defaultGenerator,
): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform_(t, -bound, bound, generator);
}
