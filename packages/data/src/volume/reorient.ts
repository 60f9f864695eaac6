// Reorientation of a volume to RAS, nodulab's own orientation (the identity-with-spacing affine its NIfTI
// writer stores): array x (fastest) runs Left→Right, y Posterior→Anterior, z Inferior→Superior.
import { Affine, axisOrientation, columnNorm, orientationCode } from '../formats/nifti_affine';

/** How a volume (D, H, W) with a given affine maps onto the RAS grid; see {@link rasReorientation}. */
export interface Reorientation {
  /** For each RAS voxel (flat index, x fastest) the flat index of the source voxel. */
  source: Int32Array;
  /** The source (D, H, W) and the RAS grid's (D, H, W). */
  sourceShape: [number, number, number];
  shape: [number, number, number];
  /** The RAS grid's voxel size (z, y, x) mm: the affine's column lengths. */
  spacing: [number, number, number];
  /** The source's axis codes, e.g. "LPS"; "RAS" means nothing moves. */
  orientation: string;
}

/**
 * The permutation and flips that put a volume data: (D, H, W) (x fastest) with voxel→world `affine`
 * in RAS order (by whole-axis permutation and flips only; an oblique affine gets its closest orthogonal
 * orientation, as nibabel's `as_closest_canonical`).
 */
export function rasReorientation(shape: readonly number[], affine: Affine): Reorientation {
  const [D, H, W] = shape;
  const n = [W, H, D]; // voxel axes i, j, k
  const o = axisOrientation(affine);
  const out = [0, 0, 0]; // world x, y, z sizes
  const size = [0, 0, 0];
  o.forEach(({ axis }, a) => {
    out[axis] = n[a];
    size[axis] = columnNorm(affine, a);
  });
  const source = new Int32Array(W * H * D);
  const stride = [1, W, W * H];
  let t = 0;
  const idx = [0, 0, 0];
  for (idx[2] = 0; idx[2] < out[2]; idx[2]++)
    for (idx[1] = 0; idx[1] < out[1]; idx[1]++)
      for (idx[0] = 0; idx[0] < out[0]; idx[0]++) {
        let s = 0;
        for (let a = 0; a < 3; a++) {
          const p = idx[o[a].axis];
          s += (o[a].sign > 0 ? p : n[a] - 1 - p) * stride[a];
        }
        source[t++] = s;
      }
  return {
    source,
    sourceShape: [D, H, W],
    shape: [out[2], out[1], out[0]],
    spacing: [size[2], size[1], size[0]],
    orientation: orientationCode(affine),
  };
}

/** `data` in the source order → a new Float32Array in RAS order. */
export function toRas(data: ArrayLike<number>, r: Reorientation): Float32Array {
  const out = new Float32Array(r.source.length);
  for (let t = 0; t < out.length; t++) out[t] = data[r.source[t]];
  return out;
}

/** `ras` in RAS order → a new Uint8Array (e.g. a mask) in the source's own voxel order. */
export function fromRas(ras: ArrayLike<number>, r: Reorientation): Uint8Array {
  const out = new Uint8Array(r.source.length);
  for (let t = 0; t < out.length; t++) out[r.source[t]] = ras[t];
  return out;
}

/**
 * The voxel → world affine of the RAS grid of `r` (what {@link toRas} gives), from the source's `affine`: the
 * same world positions, with axes permuted and flipped as `r` moves the voxels.
 */
export function rasAffine(affine: Affine, r: Reorientation): Affine {
  const o = axisOrientation(affine);
  const n = [r.sourceShape[2], r.sourceShape[1], r.sourceShape[0]];
  const out: Affine = [
    [0, 0, 0, affine[0][3]],
    [0, 0, 0, affine[1][3]],
    [0, 0, 0, affine[2][3]],
    [0, 0, 0, 1],
  ];
  o.forEach(({ axis, sign }, a) => {
    for (let w = 0; w < 3; w++) {
      out[w][axis] = sign * affine[w][a];
      if (sign < 0) out[w][3] += affine[w][a] * (n[a] - 1);
    }
  });
  return out;
}
