// Intensity augmentations of a volume (D, H, W): a linear scale/shift and additive white Gaussian
// noise drawn from a recorded seed (the data package's table normals, so a noise draw is cheap).
import { Generator } from '@nodulab/tensor';
import { fillNormal } from '../generator/noise';
import { IntensityOp, NoiseOp } from './types';

/** A new volume v' = op.scale * v + op.shift. */
export function scaleShift(src: Float32Array, op: IntensityOp): Float32Array {
  const dst = new Float32Array(src.length);
  const a = op.scale,
    b = op.shift;
  for (let i = 0; i < src.length; i++) dst[i] = a * src[i] + b;
  return dst;
}

/** A new volume v' = v + op.std * n, n white standard-normal noise from Generator(op.seed). */
export function addGaussianNoise(src: Float32Array, op: NoiseOp): Float32Array {
  const dst = new Float32Array(src.length);
  fillNormal(dst, new Generator(op.seed), op.std);
  for (let i = 0; i < src.length; i++) dst[i] += src[i];
  return dst;
}
