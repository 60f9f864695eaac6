// Spatial transforms of volumes (D, H, W), x fastest: axis flips and 90-degree rotations (exact voxel
// permutations), crop-and-pad, and affine resampling (trilinear for volumes, nearest for masks).
import { trilinearAt } from '../volume/trilinear';
import { AffineOp, Axis, CropOp, Shape3 } from './types';

const { cos, sin, floor, PI } = Math;

/** A voxel array: a volume (Float32Array) or a mask (Uint8Array). */
export type Voxels = Float32Array | Uint8Array;

function like<T extends Voxels>(src: T, n: number): T {
  return (src instanceof Float32Array ? new Float32Array(n) : new Uint8Array(n)) as T;
}

/**
 * out[o0, o1, o2] = src[i] where input axis perm[k] takes index o_k (or n - 1 - o_k when flip[k]):
 * the general axis permutation with flips. Returns the new array and its shape.
 */
export function permuteFlip<T extends Voxels>(
  src: T,
  shape: Shape3,
  perm: [Axis, Axis, Axis],
  flip: [boolean, boolean, boolean],
): { data: T; shape: Shape3 } {
  const inStride = [shape[1] * shape[2], shape[2], 1];
  const out: Shape3 = [shape[perm[0]], shape[perm[1]], shape[perm[2]]];
  const st = [0, 0, 0];
  let base = 0;
  for (let k = 0; k < 3; k++) {
    const s = inStride[perm[k]];
    if (flip[k]) {
      st[k] = -s;
      base += (out[k] - 1) * s;
    } else st[k] = s;
  }
  const [A, B, C] = out;
  const [s0, s1, s2] = st;
  const dst = like(src, A * B * C);
  let o = 0;
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      let i = base + a * s0 + b * s1;
      if (s2 === 1) {
        for (let c = 0; c < C; c++) dst[o++] = src[i++];
      } else {
        for (let c = 0; c < C; c++, i += s2) dst[o++] = src[i];
      }
    }
  }
  return { data: dst, shape: out };
}

/** Flips `src` (shape (D, H, W)) along each of `axes`. */
export function flipVolume<T extends Voxels>(src: T, shape: Shape3, axes: readonly Axis[]): T {
  const f: [boolean, boolean, boolean] = [axes.includes(0), axes.includes(1), axes.includes(2)];
  return permuteFlip(src, shape, [0, 1, 2], f).data;
}

/**
 * Rotates `src` by k * 90 degrees in the plane (a, b), a != b, as numpy.rot90(src, k, axes=(a, b)):
 * for k = 1, out[.., i_a, .., i_b, ..] = src[.., i_b, .., n_b - 1 - i_a, ..]. Sizes of a and b swap
 * when k is odd.
 */
export function rot90Volume<T extends Voxels>(
  src: T,
  shape: Shape3,
  k: number,
  plane: readonly [Axis, Axis],
): { data: T; shape: Shape3 } {
  const [a, b] = plane;
  if (a === b) throw new Error(`rot90: plane axes must differ, got (${a}, ${b})`);
  const kk = ((k % 4) + 4) % 4;
  const perm: [Axis, Axis, Axis] = [0, 1, 2];
  const flip: [boolean, boolean, boolean] = [false, false, false];
  if (kk === 2) {
    flip[a] = true;
    flip[b] = true;
  } else if (kk === 1) {
    perm[a] = b; // out axis a reads input axis b, reversed
    flip[a] = true;
    perm[b] = a;
  } else if (kk === 3) {
    perm[a] = b;
    perm[b] = a; // out axis b reads input axis a, reversed
    flip[b] = true;
  }
  return permuteFlip(src, shape, perm, flip);
}

/**
 * Cuts the box `op.size` at `op.start` out of `src` and places it at `op.offset` in an `op.outputShape` volume filled
 * with `fill`.
 */
export function cropPad<T extends Voxels>(src: T, shape: Shape3, op: CropOp, fill: number): T {
  const [D, H, W] = op.outputShape;
  const dst = like(src, D * H * W);
  if (fill !== 0) dst.fill(fill);
  const [cz, cy, cx] = op.size;
  for (let z = 0; z < cz; z++) {
    for (let y = 0; y < cy; y++) {
      const s = ((op.start[0] + z) * shape[1] + op.start[1] + y) * shape[2] + op.start[2];
      const d = ((op.offset[0] + z) * H + op.offset[1] + y) * W + op.offset[2];
      dst.set(src.subarray(s, s + cx), d);
    }
  }
  return dst;
}

/**
 * The 3x3 matrix M (row-major) of the inverse map in voxels: p_in = c + M (p_out - c - t), i.e.
 * M = S^-1 Z^-1 R^T S for the forward map of an AffineOp.
 */
export function inverseAffineMatrix(op: AffineOp): number[] {
  const [az, ay, ax] = op.rotationDeg.map((d) => (d * PI) / 180);
  // Rotations in (z, y, x) coordinates: about z acts on (y, x), about y on (z, x), about x on (z, y).
  const Rz = [1, 0, 0, 0, cos(az), -sin(az), 0, sin(az), cos(az)];
  const Ry = [cos(ay), 0, sin(ay), 0, 1, 0, -sin(ay), 0, cos(ay)];
  const Rx = [cos(ax), -sin(ax), 0, sin(ax), cos(ax), 0, 0, 0, 1];
  const R = mul3(mul3(Rz, Ry), Rx);
  const M = new Array<number>(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      // (S^-1 Z^-1 R^T S)_ij = R_ji * s_j / (z_i * s_i)
      M[i * 3 + j] = (R[j * 3 + i] * op.spacing[j]) / (op.scale[i] * op.spacing[i]);
    }
  }
  return M;
}

function mul3(A: number[], B: number[]): number[] {
  const C = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) C[i * 3 + j] += A[i * 3 + k] * B[k * 3 + j];
  return C;
}

/**
 * Resamples `src` (shape (D, H, W)) through `op` onto the same grid: trilinear for a Float32Array,
 * nearest neighbour for a Uint8Array mask; sample points outside clamp to the border.
 */
export function affineVolume<T extends Voxels>(src: T, shape: Shape3, op: AffineOp): T {
  const [D, H, W] = shape;
  const M = inverseAffineMatrix(op);
  const c = [(D - 1) / 2, (H - 1) / 2, (W - 1) / 2];
  const dst = like(src, D * H * W);
  const nearest = src instanceof Uint8Array;
  const maxZ = D - 1,
    maxY = H - 1,
    maxX = W - 1;
  let o = 0;
  for (let z = 0; z < D; z++) {
    const qz = z - c[0] - op.translation[0];
    for (let y = 0; y < H; y++) {
      const qy = y - c[1] - op.translation[1];
      const qx0 = -c[2] - op.translation[2];
      // p_in(x) = p0 + x * step
      let pz = c[0] + M[0] * qz + M[1] * qy + M[2] * qx0;
      let py = c[1] + M[3] * qz + M[4] * qy + M[5] * qx0;
      let px = c[2] + M[6] * qz + M[7] * qy + M[8] * qx0;
      const dz = M[2],
        dy = M[5],
        dx = M[8];
      for (let x = 0; x < W; x++, o++, pz += dz, py += dy, px += dx) {
        const fz = pz < 0 ? 0 : pz > maxZ ? maxZ : pz;
        const fy = py < 0 ? 0 : py > maxY ? maxY : py;
        const fx = px < 0 ? 0 : px > maxX ? maxX : px;
        if (nearest) {
          dst[o] = src[(floor(fz + 0.5) * H + floor(fy + 0.5)) * W + floor(fx + 0.5)];
          continue;
        }
        dst[o] = trilinearAt(src as Float32Array, D, H, W, fz, fy, fx);
      }
    }
  }
  return dst;
}
