// The JSON config of an augmentation pipeline: an ordered list of steps, each with its probability
// and parameter ranges, its zod schema (errors name the bad key's path), and the default pipeline.
import { z } from 'zod';
import {
  boolean,
  mustBe,
  number,
  oneOf,
  parseOrThrow,
  probability,
  refineWith,
  show,
  strict,
  triple,
  tuple,
} from '../schema';
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

/**
 * With probability `p` (default 1), v' = a v + b with a uniform in `scale` (default [0.9, 1.1]) and b in `shift`
 * (default [-0.05, 0.05]).
 */
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

const p = probability().optional();
const finite = () => number({}, 'a finite number');

/** [low, high] within [lo, hi], judged as a pair (`scale: low 1.2 is above high 0.8`). */
function range(lo: number, hi: number) {
  return refineWith(tuple([finite(), finite()], '[low, high] (two finite numbers)'), ([a, b], problem) => {
    if (a > b) problem([], `low ${a} is above high ${b}`);
    else if (a < lo || b > hi) problem([], `must lie in [${lo}, ${hi}], got [${a}, ${b}]`);
  }).optional();
}

const AXES_PHRASE = 'distinct axes from 0 (z), 1 (y), 2 (x)';
const axes = refineWith(
  z.array(z.literal([0, 1, 2], { error: mustBe(AXES_PHRASE) }), { error: mustBe(AXES_PHRASE) }),
  (a, problem) => {
    if (new Set(a).size !== a.length) problem([], mustBe(AXES_PHRASE)({ input: a }));
  },
);

/** A step's object: its op and `shape`; other keys fail with `unknown key for "<op>" (expected ...)`. */
function step<Op extends AugmentStep['op'], S extends z.core.$ZodLooseShape>(op: Op, shape: S) {
  const full = { op: z.literal(op), ...shape };
  return strict(full, { unknownKey: `unknown key for "${op}" (expected ${Object.keys(full).join(', ')})` });
}

const crop = refineWith(
  step('crop', {
    size: triple({ int: true, in: [1, 4096] }, '(D, H, W) of the cropped box'),
    outputShape: triple({ int: true, in: [1, 4096] }).optional(),
    padValue: finite().optional(),
  }),
  (c, problem) => {
    c.outputShape?.forEach((o, k) => {
      if (o < c.size[k]) problem(['outputShape', k], `${o} is smaller than size[${k}] ${c.size[k]}`);
    });
  },
);

const OPS = ['flip', 'rot90', 'affine', 'intensity', 'noise', 'crop'] as const;

/** The schema of a pipeline config, `{"steps": [...]}`, each step chosen by its `op`. */
export const AugmentConfigSchema = strict(
  {
    steps: z.array(
      z.discriminatedUnion(
        'op',
        [
          step('flip', { axes: axes.optional(), p }),
          step('rot90', { planes: oneOf(['axial', 'all']).optional(), p }),
          step('affine', {
            rotationDeg: triple({ in: [0, 180] }).optional(),
            scale: range(0.25, 4),
            isotropic: boolean().optional(),
            translation: triple({ in: [0, 1e6] }).optional(),
            p,
          }),
          step('intensity', { scale: range(-1e6, 1e6), shift: range(-1e6, 1e6), p }),
          step('noise', { std: range(0, 1e6), p }),
          crop,
        ],
        {
          error: (issue) =>
            issue.code === 'invalid_union'
              ? `unknown op ${show((issue.input as { op?: unknown }).op)} (expected one of ${OPS.join(', ')})`
              : mustBe('an object {"op": ...}')(issue),
        },
      ),
      { error: mustBe('an array of steps') },
    ),
  },
  { type: 'an object {"steps": [...]}', unknownKey: 'unknown key (expected "steps")' },
) satisfies z.ZodType<AugmentConfig>;

/**
 * Validates a parsed pipeline config and returns it typed. Throws an AugmentConfigError listing every
 * problem with its path, e.g. `augment.steps[2].scale: low 1.2 is above high 0.8`.
 */
export function validateAugmentConfig(doc: unknown): AugmentConfig {
  return parseOrThrow(AugmentConfigSchema, doc, (problems) => new AugmentConfigError(problems), { prefix: 'augment' });
}
