// The JSON config of an augmentation pipeline: an ordered list of steps, each with its probability
// and parameter ranges, a validator whose errors name the bad key's path, and the default pipeline.
import { Axis } from './types';

/** Flip each of `axes` (default all three) independently with probability `p` (default 0.5). */
export interface FlipStep {
  op: 'flip';
  axes?: Axis[];
  p?: number;
}

/**
 * With probability `p` (default 1), rotate by k * 90 degrees, k uniform in {0, 1, 2, 3}, in the axial
 * (y, x) plane, or with `planes: 'all'` in one of the three planes chosen uniformly. The rotated
 * plane must be square (for 'all': a cubic volume), so the shape never changes.
 */
export interface Rot90Step {
  op: 'rot90';
  planes?: 'axial' | 'all';
  p?: number;
}

/**
 * With probability `p` (default 0.5), a small affine map: a rotation uniform in +-rotationDeg about
 * each of the (z, y, x) axes (default [10, 0, 0]: in-plane only), a scale uniform in `scale` (default
 * [0.9, 1.1]; one factor for all axes unless `isotropic: false`), a translation uniform in
 * +-translation voxels per axis (default [0, 0, 0]).
 */
export interface AffineStep {
  op: 'affine';
  rotationDeg?: [number, number, number];
  scale?: [number, number];
  isotropic?: boolean;
  translation?: [number, number, number];
  p?: number;
}

/** With probability `p` (default 1), v' = a v + b with a uniform in `scale` (default [0.9, 1.1]) and b in `shift` (default [-0.05, 0.05]). */
export interface IntensityStep {
  op: 'intensity';
  scale?: [number, number];
  shift?: [number, number];
  p?: number;
}

/** With probability `p` (default 0.5), white Gaussian noise of std uniform in `std` (default [0, 0.03]). */
export interface NoiseStep {
  op: 'noise';
  std?: [number, number];
  p?: number;
}

/**
 * Always: a box of `size` (D, H, W) voxels at a uniform random position, padded (centred, with
 * `padValue`, default 0; masks with 0) back to the input shape or to `outputShape` (>= size per axis).
 * The input must be at least `size` along every axis.
 */
export interface CropStep {
  op: 'crop';
  size: [number, number, number];
  outputShape?: [number, number, number];
  padValue?: number;
}

/** One step of a pipeline config. */
export type AugmentStep = FlipStep | Rot90Step | AffineStep | IntensityStep | NoiseStep | CropStep;

/** A pipeline: the steps, applied in order. JSON-serializable. */
export interface AugmentConfig {
  steps: AugmentStep[];
}

/**
 * The default training pipeline for window-normalized [0, 1] volumes: random flips on every axis,
 * axial 90-degree rotations, a small in-plane affine half of the time, intensity scale/shift, and
 * light noise half of the time.
 */
export const DEFAULT_AUGMENT_CONFIG: AugmentConfig = Object.freeze({
  steps: [
    { op: 'flip', axes: [0, 1, 2], p: 0.5 },
    { op: 'rot90', planes: 'axial', p: 1 },
    { op: 'affine', rotationDeg: [10, 0, 0], scale: [0.9, 1.1], translation: [1, 1, 1], p: 0.5 },
    { op: 'intensity', scale: [0.9, 1.1], shift: [-0.05, 0.05], p: 1 },
    { op: 'noise', std: [0, 0.03], p: 0.5 },
  ],
}) as AugmentConfig;

/** The error thrown for an invalid config: every problem with its path. */
export class AugmentConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid augmentation config:\n  ${problems.join('\n  ')}`);
    this.name = 'AugmentConfigError';
  }
}

const KEYS: Record<AugmentStep['op'], string[]> = {
  flip: ['op', 'axes', 'p'],
  rot90: ['op', 'planes', 'p'],
  affine: ['op', 'rotationDeg', 'scale', 'isotropic', 'translation', 'p'],
  intensity: ['op', 'scale', 'shift', 'p'],
  noise: ['op', 'std', 'p'],
  crop: ['op', 'size', 'outputShape', 'padValue'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const show = (v: unknown): string => (v === undefined ? 'undefined' : typeof v === 'number' ? String(v) : JSON.stringify(v));

function checkRange(v: unknown, path: string, lo: number, hi: number, errors: string[]): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.length !== 2 || !isNum(v[0]) || !isNum(v[1])) errors.push(`${path}: must be [low, high] (two finite numbers), got ${show(v)}`);
  else if (v[0] > v[1]) errors.push(`${path}: low ${v[0]} is above high ${v[1]}`);
  else if (v[0] < lo || v[1] > hi) errors.push(`${path}: must lie in [${lo}, ${hi}], got [${v[0]}, ${v[1]}]`);
}

function checkTriple(v: unknown, path: string, lo: number, hi: number, integer: boolean, errors: string[]): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.length !== 3) {
    errors.push(`${path}: must be an array of 3 numbers (z, y, x), got ${show(v)}`);
    return;
  }
  v.forEach((x, k) => {
    if (!isNum(x) || x < lo || x > hi || (integer && !Number.isInteger(x))) {
      errors.push(`${path}[${k}]: must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${show(x)}`);
    }
  });
}

/**
 * Validates a parsed pipeline config and returns it typed. Throws an AugmentConfigError listing every
 * problem with its path, e.g. `augment.steps[2].scale: low 1.2 is above high 0.8`.
 */
export function validateAugmentConfig(doc: unknown): AugmentConfig {
  const errors: string[] = [];
  if (!isObject(doc)) throw new AugmentConfigError([`augment: must be an object {"steps": [...]}, got ${show(doc)}`]);
  for (const k of Object.keys(doc)) if (k !== 'steps') errors.push(`augment.${k}: unknown key (expected "steps")`);
  if (!Array.isArray(doc.steps)) throw new AugmentConfigError([...errors, `augment.steps: must be an array of steps, got ${show(doc.steps)}`]);
  doc.steps.forEach((step: unknown, i: number) => {
    const P = `augment.steps[${i}]`;
    if (!isObject(step)) {
      errors.push(`${P}: must be an object {"op": ...}, got ${show(step)}`);
      return;
    }
    const op = step.op as AugmentStep['op'];
    if (typeof op !== 'string' || !(op in KEYS)) {
      errors.push(`${P}.op: unknown op ${show(step.op)} (expected one of ${Object.keys(KEYS).join(', ')})`);
      return;
    }
    for (const k of Object.keys(step)) if (!KEYS[op].includes(k)) errors.push(`${P}.${k}: unknown key for "${op}" (expected ${KEYS[op].join(', ')})`);
    if (step.p !== undefined && (!isNum(step.p) || step.p < 0 || step.p > 1)) errors.push(`${P}.p: must be a probability in [0, 1], got ${show(step.p)}`);
    switch (op) {
      case 'flip': {
        const a = step.axes;
        if (a !== undefined && (!Array.isArray(a) || a.some((x) => x !== 0 && x !== 1 && x !== 2) || new Set(a).size !== a.length)) {
          errors.push(`${P}.axes: must be distinct axes from 0 (z), 1 (y), 2 (x), got ${show(a)}`);
        }
        break;
      }
      case 'rot90':
        if (step.planes !== undefined && step.planes !== 'axial' && step.planes !== 'all') errors.push(`${P}.planes: must be "axial" or "all", got ${show(step.planes)}`);
        break;
      case 'affine':
        checkTriple(step.rotationDeg, `${P}.rotationDeg`, 0, 180, false, errors);
        checkRange(step.scale, `${P}.scale`, 0.25, 4, errors);
        checkTriple(step.translation, `${P}.translation`, 0, 1e6, false, errors);
        if (step.isotropic !== undefined && typeof step.isotropic !== 'boolean') errors.push(`${P}.isotropic: must be true or false, got ${show(step.isotropic)}`);
        break;
      case 'intensity':
        checkRange(step.scale, `${P}.scale`, -1e6, 1e6, errors);
        checkRange(step.shift, `${P}.shift`, -1e6, 1e6, errors);
        break;
      case 'noise':
        checkRange(step.std, `${P}.std`, 0, 1e6, errors);
        break;
      case 'crop':
        if (step.size === undefined) errors.push(`${P}.size: required (D, H, W) of the cropped box`);
        checkTriple(step.size, `${P}.size`, 1, 4096, true, errors);
        checkTriple(step.outputShape, `${P}.outputShape`, 1, 4096, true, errors);
        if (Array.isArray(step.size) && Array.isArray(step.outputShape)) {
          for (let k = 0; k < 3; k++) {
            if (isNum(step.size[k]) && isNum(step.outputShape[k]) && step.outputShape[k] < step.size[k]) {
              errors.push(`${P}.outputShape[${k}]: ${step.outputShape[k]} is smaller than size[${k}] ${step.size[k]}`);
            }
          }
        }
        if (step.padValue !== undefined && !isNum(step.padValue)) errors.push(`${P}.padValue: must be a finite number, got ${show(step.padValue)}`);
        break;
    }
  });
  if (errors.length > 0) throw new AugmentConfigError(errors);
  return doc as unknown as AugmentConfig;
}
