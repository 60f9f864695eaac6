// Small 3-D helpers shared by the anatomy and nodule renderers: a random unit vector and a growing
// voxel bounding box.
import { Generator } from '@nodulab/tensor';

export type Vec3 = [number, number, number];

/** A direction uniform on the sphere (rejection sampling in the unit ball). */
export function unitVector(gen: Generator): Vec3 {
  for (;;) {
    const v: Vec3 = [2 * gen.uniform() - 1, 2 * gen.uniform() - 1, 2 * gen.uniform() - 1];
    const n = Math.hypot(v[0], v[1], v[2]);
    if (n > 0.05 && n <= 1) return [v[0] / n, v[1] / n, v[2] / n];
  }
}

/** The smallest voxel box holding every (z, y, x) added; empty until the first add. */
export class VoxelBox {
  private z0 = Infinity;
  private y0 = Infinity;
  private x0 = Infinity;
  private z1 = -1;
  private y1 = -1;
  private x1 = -1;

  add(z: number, y: number, x: number): void {
    if (z < this.z0) this.z0 = z;
    if (z > this.z1) this.z1 = z;
    if (y < this.y0) this.y0 = y;
    if (y > this.y1) this.y1 = y;
    if (x < this.x0) this.x0 = x;
    if (x > this.x1) this.x1 = x;
  }

  /** { min, max } (inclusive), or null when nothing was added. */
  bounds(): { min: Vec3; max: Vec3 } | null {
    return this.z1 < 0 ? null : { min: [this.z0, this.y0, this.x0], max: [this.z1, this.y1, this.x1] };
  }
}
