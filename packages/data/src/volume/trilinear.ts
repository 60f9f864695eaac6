// Trilinear interpolation of a volume v: (D, H, W), x fastest, at a fractional voxel position.

const { floor } = Math;

/**
 * v at (z, y, x), each within [0, D - 1], [0, H - 1], [0, W - 1]: the trilinear blend of the eight
 * voxels around it (on the last index of an axis, the voxel itself stands in for the one after it).
 */
export function trilinearAt(v: Float32Array, D: number, H: number, W: number, z: number, y: number, x: number): number {
  const iz = floor(z),
    iy = floor(y),
    ix = floor(x);
  const tz = z - iz,
    ty = y - iy,
    tx = x - ix;
  const jz = iz < D - 1 ? H * W : 0,
    jy = iy < H - 1 ? W : 0,
    jx = ix < W - 1 ? 1 : 0;
  const b = (iz * H + iy) * W + ix;
  const c00 = v[b] + tx * (v[b + jx] - v[b]);
  const c01 = v[b + jy] + tx * (v[b + jy + jx] - v[b + jy]);
  const c10 = v[b + jz] + tx * (v[b + jz + jx] - v[b + jz]);
  const c11 = v[b + jz + jy] + tx * (v[b + jz + jy + jx] - v[b + jz + jy]);
  const c0 = c00 + ty * (c01 - c00);
  const c1 = c10 + ty * (c11 - c10);
  return c0 + tz * (c1 - c0);
}
