// Binary morphology on 3D masks: dilation and erosion by an ellipsoid of given voxel radii, and the
// band of voxels near a structure's surface, where calibration is measured in segmentation.

/** A radius in voxels: one for every axis, or (rD, rH, rW) for anisotropic spacing. */
export type VoxelRadius = number | readonly [number, number, number];

function checkMask(what: string, mask: ArrayLike<number>, shape: readonly number[]): [number, number, number, number] {
  if (shape.length < 3 || shape.some((d) => !Number.isInteger(d) || d < 1))
    throw new Error(`${what}: shape must be (...batch, D, H, W) of positive integers, got [${shape.join(', ')}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (mask.length !== size)
    throw new Error(`${what}: mask has ${mask.length} voxels but shape [${shape.join(', ')}] needs ${size}`);
  const [D, H, W] = shape.slice(-3);
  return [size / (D * H * W), D, H, W];
}

/** Offsets (dz, dy, dx) of the ellipsoid (dz/rD)² + (dy/rH)² + (dx/rW)² <= 1. */
function ellipsoid(what: string, radius: VoxelRadius): [number, number, number][] {
  const r = typeof radius === 'number' ? [radius, radius, radius] : [...radius];
  if (r.length !== 3 || r.some((v) => !Number.isInteger(v) || v < 0))
    throw new Error(`${what}: radius must be a non-negative integer or three of them, got ${JSON.stringify(radius)}`);
  const out: [number, number, number][] = [];
  const q = (d: number, rr: number) => (rr === 0 ? (d === 0 ? 0 : Infinity) : (d / rr) ** 2);
  for (let dz = -r[0]; dz <= r[0]; dz++)
    for (let dy = -r[1]; dy <= r[1]; dy++)
      for (let dx = -r[2]; dx <= r[2]; dx++) if (q(dz, r[0]) + q(dy, r[1]) + q(dx, r[2]) <= 1) out.push([dz, dy, dx]);
  return out;
}

function dilateWith(
  mask: ArrayLike<number>,
  dims: [number, number, number, number],
  offsets: [number, number, number][],
  foreground: boolean,
): Uint8Array {
  const [N, D, H, W] = dims;
  const V = D * H * W;
  const out = new Uint8Array(mask.length);
  for (let n = 0; n < N; n++)
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          if (!mask[n * V + (z * H + y) * W + x] !== !foreground) continue;
          for (const [dz, dy, dx] of offsets) {
            const zz = z + dz;
            const yy = y + dy;
            const xx = x + dx;
            if (zz < 0 || zz >= D || yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
            out[n * V + (zz * H + yy) * W + xx] = 1;
          }
        }
  return out;
}

/**
 * Binary dilation of `mask` (non-zero = inside) of shape (...batch, D, H, W) by an ellipsoid of voxel
 * radius `radius` (like scipy.ndimage.binary_dilation with a ball): a voxel is in the result when some
 * mask voxel lies within the ellipsoid around it. Each volume of the batch is dilated on its own.
 */
export function dilate3d(mask: ArrayLike<number>, shape: readonly number[], radius: VoxelRadius): Uint8Array {
  const dims = checkMask('dilate3d', mask, shape);
  return dilateWith(mask, dims, ellipsoid('dilate3d', radius), true);
}

/**
 * Binary erosion of `mask` of shape (...batch, D, H, W) by an ellipsoid of voxel radius `radius`: a voxel
 * stays when every voxel of the ellipsoid around it that lies inside the volume is in the mask (outside
 * the volume counts as inside, so a structure touching the border is not eroded from there).
 */
export function erode3d(mask: ArrayLike<number>, shape: readonly number[], radius: VoxelRadius): Uint8Array {
  const dims = checkMask('erode3d', mask, shape);
  const grown = dilateWith(mask, dims, ellipsoid('erode3d', radius), false);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = mask[i] && !grown[i] ? 1 : 0;
  return out;
}

/**
 * The voxels within `radius` of a structure's surface, on both sides: dilate3d(mask) minus erode3d(mask).
 * Calibration in segmentation is measured here as well as over the whole volume, because far from a
 * structure almost every voxel is confidently and correctly background. Use dilate3d(mask) alone for the
 * structure with a margin around it.
 */
export function boundaryBand(mask: ArrayLike<number>, shape: readonly number[], radius: VoxelRadius): Uint8Array {
  const dims = checkMask('boundaryBand', mask, shape);
  const offsets = ellipsoid('boundaryBand', radius);
  const outside = dilateWith(mask, dims, offsets, true);
  const grownBackground = dilateWith(mask, dims, offsets, false);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = outside[i] && !(mask[i] && !grownBackground[i]) ? 1 : 0;
  return out;
}
