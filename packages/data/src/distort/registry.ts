// The registry of robustness distortions (name -> description, parameters of severities 1..5, apply),
// with lookups that name the known categories, and a batch helper for x: (N, 1, D, H, W).
import { Generator, Tensor } from '@nodulab/tensor';
import { motionGhosting, ring, streak } from './artifacts';
import { biasField, contrast, gaussianNoise, huShift } from './intensity';
import { downsample, gaussianBlur, sliceThickness } from './resolution';
import { Distortion, DistortOptions, checkSeverity } from './types';

/** Every distortion category, in the order reports list them. */
export const DISTORTIONS: readonly Distortion[] = Object.freeze([
  gaussianNoise,
  gaussianBlur,
  sliceThickness,
  downsample,
  contrast,
  huShift,
  motionGhosting,
  streak,
  ring,
  biasField,
]);

const BY_NAME = new Map(DISTORTIONS.map((d) => [d.name, d]));

/** The names of all distortion categories. */
export function distortionNames(): string[] {
  return DISTORTIONS.map((d) => d.name);
}

/** The distortion called `name`; throws naming the known ones otherwise. */
export function getDistortion(name: string): Distortion {
  const d = BY_NAME.get(name);
  if (d === undefined)
    throw new Error(`unknown distortion ${JSON.stringify(name)}; known: ${distortionNames().join(', ')}`);
  return d;
}

/**
 * Applies distortion `name` at `severity` (an integer in 1..5) to volume: (D, H, W); returns a new
 * volume. See `Distortion.apply` and `DistortOptions` for units.
 *
 * @example
 * const s = gen.sample('test', 0);
 * const opts = { window: s.window, spacing: s.spacing };
 * const v = distort('motion-ghosting', s.volume, s.shape, 3, new Generator(1), opts);
 */
export function distort(
  name: string,
  volume: Float32Array,
  shape: readonly number[],
  severity: number,
  generator: Generator,
  options: DistortOptions = {},
): Float32Array {
  return getDistortion(name).apply(volume, shape, severity, generator, options);
}

/**
 * Distorts every sample of x: (N, 1, D, H, W) with `name` at `severity`; sample k draws from the
 * k-th fork of `generator`. Returns a new tensor of the same shape.
 */
export function distortBatch(
  x: Tensor,
  name: string,
  severity: number,
  generator: Generator,
  options: DistortOptions = {},
): Tensor {
  const d = getDistortion(name);
  checkSeverity(name, severity);
  if (!(x instanceof Tensor) || x.shape.length !== 5 || x.shape[1] !== 1) {
    throw new Error(
      `distortBatch "${name}": x must be a Tensor (N, 1, D, H, W), got ${x instanceof Tensor ? `(${x.shape.join(', ')})` : typeof x}`,
    );
  }
  const shape = [x.shape[2], x.shape[3], x.shape[4]];
  const n = shape[0] * shape[1] * shape[2];
  const out = new Float32Array(x.data.length);
  for (let k = 0; k < x.shape[0]; k++) {
    out.set(d.apply(x.data.subarray(k * n, (k + 1) * n), shape, severity, generator.fork(), options), k * n);
  }
  return new Tensor(out, x.shape);
}
