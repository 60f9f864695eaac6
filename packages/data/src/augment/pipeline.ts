// The augmentation pipeline (torchvision's Compose, for volumes with masks): draws every random
// parameter from a Generator into a record, then applies the record, so `replay(record, input)`
// reproduces a call exactly.
import { Generator } from '@nodulab/tensor';
import { AugmentConfig, AugmentStep, DEFAULT_AUGMENT_CONFIG, validateAugmentConfig } from './config';
import { addGaussianNoise, scaleShift } from './intensity';
import { affineVolume, cropPad, flipVolume, rot90Volume } from './spatial';
import { AppliedOp, AugmentInput, AugmentOutput, AugmentRecord, Axis, Shape3, checkShape3, checkVolume } from './types';

const PLANES: [Axis, Axis][] = [
  [1, 2],
  [0, 2],
  [0, 1],
];

function uniform(g: Generator, r: readonly [number, number]): number {
  return r[0] === r[1] ? r[0] : g.uniformRange(r[0], r[1]);
}

/** Draws the op of one step for a volume of `shape` (null when the step's coin says skip), and the shape after it. */
function drawStep(
  step: AugmentStep,
  shape: Shape3,
  spacing: Shape3,
  g: Generator,
  where: string,
): { op: AppliedOp | null; shape: Shape3 } {
  const skip = { op: null, shape };
  if (
    step.op !== 'crop' &&
    step.op !== 'flip' &&
    g.uniform() >= (step.p ?? (step.op === 'rot90' || step.op === 'intensity' ? 1 : 0.5))
  )
    return skip;
  switch (step.op) {
    case 'flip': {
      const p = step.p ?? 0.5;
      const axes = (step.axes ?? ([0, 1, 2] as Axis[])).filter(() => g.uniform() < p);
      return axes.length === 0 ? skip : { op: { op: 'flip', axes }, shape };
    }
    case 'rot90': {
      if (step.planes === 'all' && !(shape[0] === shape[1] && shape[1] === shape[2])) {
        throw new Error(`${where}: rot90 with planes "all" needs a cubic volume, got (${shape.join(', ')})`);
      }
      const plane = step.planes === 'all' ? PLANES[g.randint(3)] : PLANES[0];
      const k = g.randint(4) as 0 | 1 | 2 | 3;
      if (shape[plane[0]] !== shape[plane[1]]) {
        throw new Error(
          `${where}: rot90 needs a square plane (axes ${plane[0]}, ${plane[1]}) but the volume is (${shape.join(', ')})`,
        );
      }
      return k === 0 ? skip : { op: { op: 'rot90', k, plane: [plane[0], plane[1]] }, shape };
    }
    case 'affine': {
      const rot = step.rotationDeg ?? [10, 0, 0];
      const sr = step.scale ?? [0.9, 1.1];
      const tr = step.translation ?? [0, 0, 0];
      const rotationDeg = rot.map((m) => (m === 0 ? 0 : g.uniformRange(-m, m))) as [number, number, number];
      const s0 = uniform(g, sr);
      const scale: [number, number, number] =
        step.isotropic === false ? [s0, uniform(g, sr), uniform(g, sr)] : [s0, s0, s0];
      const translation = tr.map((m) => (m === 0 ? 0 : g.uniformRange(-m, m))) as [number, number, number];
      return { op: { op: 'affine', rotationDeg, scale, translation, spacing: [...spacing] }, shape };
    }
    case 'intensity':
      return {
        op: {
          op: 'intensity',
          scale: uniform(g, step.scale ?? [0.9, 1.1]),
          shift: uniform(g, step.shift ?? [-0.05, 0.05]),
        },
        shape,
      };
    case 'noise':
      return { op: { op: 'noise', std: uniform(g, step.std ?? [0, 0.03]), seed: g.nextUint32() }, shape };
    case 'crop': {
      const size = step.size;
      const out = step.outputShape ?? shape;
      for (let k = 0; k < 3; k++) {
        if (size[k] > shape[k])
          throw new Error(`${where}: crop size (${size.join(', ')}) does not fit in the volume (${shape.join(', ')})`);
      }
      const start = shape.map((n, k) => g.randint(n - size[k] + 1)) as Shape3;
      const offset = out.map((n, k) => Math.floor((n - size[k]) / 2)) as Shape3;
      return {
        op: { op: 'crop', start, size: [...size], outputShape: [...out], offset, padValue: step.padValue ?? 0 },
        shape: [...out],
      };
    }
  }
}

/** Applies one recorded op to a volume and mask of `shape`; returns them with the new shape. */
function applyOp(
  op: AppliedOp,
  v: Float32Array,
  m: Uint8Array | undefined,
  shape: Shape3,
): { v: Float32Array; m?: Uint8Array; shape: Shape3 } {
  switch (op.op) {
    case 'flip':
      return { v: flipVolume(v, shape, op.axes), m: m && flipVolume(m, shape, op.axes), shape };
    case 'rot90': {
      const r = rot90Volume(v, shape, op.k, op.plane);
      return { v: r.data, m: m && rot90Volume(m, shape, op.k, op.plane).data, shape: r.shape };
    }
    case 'affine':
      return { v: affineVolume(v, shape, op), m: m && affineVolume(m, shape, op), shape };
    case 'intensity':
      return { v: scaleShift(v, op), m, shape };
    case 'noise':
      return { v: addGaussianNoise(v, op), m, shape };
    case 'crop':
      return { v: cropPad(v, shape, op, op.padValue), m: m && cropPad(m, shape, op, 0), shape: [...op.outputShape] };
    default:
      throw new Error(`replay: unknown op ${JSON.stringify((op as { op?: unknown }).op)} in the record`);
  }
}

/**
 * Applies a record to `input` (its shape must be the record's inputShape): the same output as the
 * call that made the record. Never modifies the input.
 */
export function replay(record: AugmentRecord, input: AugmentInput): AugmentOutput {
  let shape = checkVolume(input.volume, input.shape, input.mask, 'replay');
  if (shape.some((n, k) => n !== record.inputShape[k])) {
    throw new Error(
      `replay: the record was made for shape (${record.inputShape.join(', ')}), got (${shape.join(', ')})`,
    );
  }
  let v = input.volume;
  let m = input.mask;
  for (const op of record.ops) ({ v, m, shape } = applyOp(op, v, m, shape));
  if (v === input.volume) v = v.slice();
  if (m !== undefined && m === input.mask) m = m.slice();
  return { volume: v, mask: m, shape, record };
}

/**
 * A seeded, recorded augmentation pipeline built from a JSON config.
 *
 * @example
 * const aug = new Compose({ steps: [{ op: 'flip' }, { op: 'rot90' }, { op: 'noise', std: [0, 0.02] }] });
 * const out = aug.call(sample, new Generator(7));   // out.volume, out.mask, out.record
 * const again = replay(out.record, sample);          // the same volume and mask
 */
export class Compose {
  readonly config: AugmentConfig;

  /** @param config a pipeline config (validated and copied); default DEFAULT_AUGMENT_CONFIG */
  constructor(config: AugmentConfig = DEFAULT_AUGMENT_CONFIG) {
    this.config = validateAugmentConfig(JSON.parse(JSON.stringify(config)));
  }

  /**
   * Draws what the pipeline will do to a volume of `shape` (spacing (z, y, x) mm, default 1): each
   * step draws from its own fork of `generator`, in order.
   */
  draw(shape: readonly number[], generator: Generator, spacing?: readonly number[]): AugmentRecord {
    const inputShape = checkShape3(shape, 'Compose.draw');
    const sp = spacing === undefined ? ([1, 1, 1] as Shape3) : checkSpacing(spacing);
    let cur: Shape3 = [...inputShape];
    const ops: AppliedOp[] = [];
    this.config.steps.forEach((step, i) => {
      const r = drawStep(step, cur, sp, generator.fork(), `Compose step ${i} (${step.op})`);
      if (r.op !== null) ops.push(r.op);
      cur = r.shape;
    });
    return { inputShape, outputShape: cur, ops };
  }

  /** Augments one volume (and its mask): returns the new volume, mask, shape and the record. */
  call(input: AugmentInput, generator: Generator): AugmentOutput {
    checkVolume(input.volume, input.shape, input.mask, 'Compose.call');
    return replay(this.draw(input.shape, generator, input.spacing), input);
  }
}

function checkSpacing(spacing: readonly number[]): Shape3 {
  if (spacing.length !== 3 || !Array.from(spacing).every((s) => Number.isFinite(s) && s > 0)) {
    throw new Error(
      `Compose: spacing must be three positive numbers (z, y, x) mm, got (${Array.from(spacing).join(', ')})`,
    );
  }
  return [spacing[0], spacing[1], spacing[2]];
}
