// Shared types of the training augmentations: the input (a volume with its optional mask), the
// record of each applied operation (JSON, exact enough to replay) and the output.

/** A volume shape (D, H, W) in voxels. */
export type Shape3 = [number, number, number];

/** A volume axis: 0 = z (slices), 1 = y (rows), 2 = x (columns). */
export type Axis = 0 | 1 | 2;

/**
 * One volume to augment: volume: (D, H, W), x fastest, in any units (the defaults suit the generator's
 * window-normalized [0, 1] volumes); mask: (D, H, W) labels that move with it (nearest neighbour);
 * spacing (z, y, x) in mm, used only so affine rotations are rotations in mm (default 1 mm).
 * A generator `Sample` has all of these fields.
 */
export interface AugmentInput {
  volume: Float32Array;
  shape: readonly number[];
  mask?: Uint8Array;
  spacing?: readonly number[];
}

/** Flipped along each listed axis (v[.., i, ..] <- v[.., n - 1 - i, ..]). */
export interface FlipOp {
  op: 'flip';
  axes: Axis[];
}

/** Rotated by k * 90 degrees in the plane (a, b), exactly as numpy.rot90(v, k, axes=(a, b)). */
export interface Rot90Op {
  op: 'rot90';
  k: 0 | 1 | 2 | 3;
  plane: [Axis, Axis];
}

/**
 * Resampled through an affine map about the volume centre c (in voxels): a voxel at p_in moves to
 * p_out = c + S^-1 R Z S (p_in - c) + t, where S = diag(spacing), R rotates by `rotationDeg` about
 * the z, then y, then x axis (R = Rz Ry Rx; about z means in the (y, x) plane), Z = diag(scale) and t
 * = `translation` in voxels (z, y, x). Volume: trilinear; mask: nearest; outside: the nearest border voxel.
 */
export interface AffineOp {
  op: 'affine';
  rotationDeg: [number, number, number];
  scale: [number, number, number];
  translation: [number, number, number];
  spacing: [number, number, number];
}

/** v' = scale * v + shift on the volume (the mask is unchanged). */
export interface IntensityOp {
  op: 'intensity';
  scale: number;
  shift: number;
}

/** Additive white Gaussian noise of standard deviation `std`, drawn from a Generator seeded with `seed`. */
export interface NoiseOp {
  op: 'noise';
  std: number;
  seed: number;
}

/**
 * The box of `size` voxels starting at `start` (z, y, x) cut out and placed at `offset` in a volume of
 * `outputShape` filled with `padValue` (mask: 0).
 */
export interface CropOp {
  op: 'crop';
  start: Shape3;
  size: Shape3;
  outputShape: Shape3;
  offset: Shape3;
  padValue: number;
}

/** One applied operation with every parameter it used. */
export type AppliedOp = FlipOp | Rot90Op | AffineOp | IntensityOp | NoiseOp | CropOp;

/** Exactly what a pipeline did to one volume, in order: JSON-serializable, and `replay` reproduces the output. */
export interface AugmentRecord {
  inputShape: Shape3;
  outputShape: Shape3;
  ops: AppliedOp[];
}

/** An augmented volume (and mask when one was given) with the record of what was applied. */
export interface AugmentOutput {
  volume: Float32Array;
  mask?: Uint8Array;
  shape: Shape3;
  record: AugmentRecord;
}

/** Checks that `shape` is three positive integers and returns it as a Shape3. */
export function checkShape3(shape: readonly number[], what: string): Shape3 {
  if (shape == null || typeof shape.length !== 'number')
    throw new Error(`${what}: shape must be (D, H, W), got ${JSON.stringify(shape)}`);
  if (shape.length !== 3 || !shape.every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(`${what}: shape must be three positive integers (D, H, W), got (${Array.from(shape).join(', ')})`);
  }
  return [shape[0], shape[1], shape[2]];
}

/** Checks a volume (and mask) against its shape. */
export function checkVolume(
  volume: Float32Array,
  shape: readonly number[],
  mask: Uint8Array | undefined,
  what: string,
): Shape3 {
  const s = checkShape3(shape, what);
  const n = s[0] * s[1] * s[2];
  if (!(volume instanceof Float32Array)) throw new Error(`${what}: volume must be a Float32Array`);
  if (volume.length !== n)
    throw new Error(`${what}: volume has ${volume.length} voxels, shape (${s.join(', ')}) needs ${n}`);
  if (mask !== undefined) {
    if (!(mask instanceof Uint8Array)) throw new Error(`${what}: mask must be a Uint8Array`);
    if (mask.length !== n)
      throw new Error(`${what}: mask has ${mask.length} voxels, shape (${s.join(', ')}) needs ${n}`);
  }
  return s;
}
