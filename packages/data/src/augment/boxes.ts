// Boxes and points that move with an augmented volume: a voxel position (z, y, x) or a box's inclusive voxel bounds
// carried through an AugmentRecord's flips, 90-degree rotations and crops exactly as the voxels are; and which
// pipeline steps a box can follow (an affine resampling turns a box into a rotated one, so it cannot).
import type { BBox } from '../generator/generator';
import type { AugmentConfig } from './config';
import { AppliedOp, AugmentRecord, Shape3 } from './types';

/** The pipeline steps a box can follow exactly: voxel permutations and intensity changes. */
export const BOX_PRESERVING_OPS = ['flip', 'rot90', 'intensity', 'noise'] as const;

/**
 * Throws, naming `what` and the first offending step, unless every step of `config` keeps boxes exact
 * ({@link BOX_PRESERVING_OPS}): an affine resampling rotates and scales the nodule off its axis-aligned box, and a
 * random crop can cut it out of the volume.
 */
export function checkBoxPreserving(config: AugmentConfig, what: string): void {
  config.steps.forEach((step, i) => {
    if (!(BOX_PRESERVING_OPS as readonly string[]).includes(step.op))
      throw new Error(
        `${what}: step ${i} (${step.op}) cannot move a box with the volume; a box-consistent pipeline has only ` +
          `${BOX_PRESERVING_OPS.join(', ')} steps`,
      );
  });
}

/** One op applied to the point p (voxels, z, y, x) of a volume of `shape`: the point and the shape after it. */
function movePoint(op: AppliedOp, p: Shape3, shape: Shape3): { p: Shape3; shape: Shape3 } {
  const q: Shape3 = [p[0], p[1], p[2]];
  switch (op.op) {
    case 'flip':
      for (const a of op.axes) q[a] = shape[a] - 1 - p[a];
      return { p: q, shape };
    case 'rot90': {
      // numpy.rot90 with k = 1: out[i_a, i_b] = in[i_b, n_b - 1 - i_a], so in (p_a, p_b) lands at (n_b - 1 - p_b, p_a).
      const [a, b] = op.plane;
      const s: Shape3 = [shape[0], shape[1], shape[2]];
      for (let k = 0; k < op.k; k++) {
        const [pa, pb] = [q[a], q[b]];
        q[a] = s[b] - 1 - pb;
        q[b] = pa;
        [s[a], s[b]] = [s[b], s[a]];
      }
      return { p: q, shape: s };
    }
    case 'crop':
      return { p: [0, 1, 2].map((k) => p[k] - op.start[k] + op.offset[k]) as Shape3, shape: [...op.outputShape] };
    case 'intensity':
    case 'noise':
      return { p: q, shape };
    case 'affine':
      throw new Error('an affine resampling does not map a box to an axis-aligned box');
    default:
      throw new Error(`unknown op ${JSON.stringify((op as { op?: unknown }).op)} in the record`);
  }
}

/**
 * Where the voxel position `p` (z, y, x; fractional allowed) of the record's input lands in its output: the same
 * flips, rotations and crops as `replay(record, input)` applies to the voxels. Throws naming the op for an affine.
 */
export function pointThroughRecord(record: AugmentRecord, p: readonly number[]): Shape3 {
  if (p.length !== 3 || !p.every(Number.isFinite))
    throw new Error(`pointThroughRecord: the point must be three finite numbers (z, y, x), got (${p.join(', ')})`);
  let cur: { p: Shape3; shape: Shape3 } = { p: [p[0], p[1], p[2]], shape: [...record.inputShape] };
  record.ops.forEach((op, i) => {
    try {
      cur = movePoint(op, cur.p, cur.shape);
    } catch (e) {
      throw new Error(`pointThroughRecord: op ${i} (${op.op}): ${(e as Error).message}`);
    }
  });
  return cur.p;
}

/**
 * The inclusive voxel bounds `box` (as the generator records a nodule's) of the record's input, moved with the
 * volume: its two corners carried through the record and sorted per axis, so a flipped or rotated nodule stays
 * inside its moved box. Throws naming the op for an affine.
 *
 * @example
 * const out = aug.call(sample, g);                        // flips and axial 90-degree rotations
 * const bbox = boxThroughRecord(out.record, sample.bbox!); // the nodule's box in out.volume
 */
export function boxThroughRecord(record: AugmentRecord, box: BBox): BBox {
  for (let k = 0; k < 3; k++)
    if (!(box.max[k] >= box.min[k]))
      throw new Error(
        `boxThroughRecord: max [${box.max.join(', ')}] is below min [${box.min.join(', ')}] on axis ${k}`,
      );
  const a = pointThroughRecord(record, box.min);
  const b = pointThroughRecord(record, box.max);
  return {
    min: [0, 1, 2].map((k) => Math.min(a[k], b[k])) as Shape3,
    max: [0, 1, 2].map((k) => Math.max(a[k], b[k])) as Shape3,
  };
}
