// Surface distances between two segmentation masks in mm: HD95 (the 95th percentile Hausdorff distance)
// and the full Hausdorff distance, from the surface voxels of each mask and the voxel spacing.

/** The voxels of a binary (D, H, W) mask that have a 6-neighbour outside it (the volume's outside counts). */
function surfaceVoxels(
  mask: ArrayLike<number>,
  inClass: (v: number) => boolean,
  D: number,
  H: number,
  W: number,
): number[] {
  const inside = (z: number, y: number, x: number) =>
    z >= 0 && z < D && y >= 0 && y < H && x >= 0 && x < W && inClass(mask[(z * H + y) * W + x]);
  const out: number[] = [];
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        if (!inside(z, y, x)) continue;
        if (
          !inside(z - 1, y, x) ||
          !inside(z + 1, y, x) ||
          !inside(z, y - 1, x) ||
          !inside(z, y + 1, x) ||
          !inside(z, y, x - 1) ||
          !inside(z, y, x + 1)
        )
          out.push(z, y, x);
      }
  return out;
}

/** For each surface voxel of a (z, y, x triples), the distance in mm to the nearest surface voxel of b. */
function directedDistances(a: number[], b: number[], spacing: readonly number[]): Float64Array {
  const [sz, sy, sx] = spacing;
  const out = new Float64Array(a.length / 3);
  for (let i = 0; i < a.length; i += 3) {
    let best = Infinity;
    for (let j = 0; j < b.length; j += 3) {
      const dz = (a[i] - b[j]) * sz;
      const dy = (a[i + 1] - b[j + 1]) * sy;
      const dx = (a[i + 2] - b[j + 2]) * sx;
      const d2 = dz * dz + dy * dy + dx * dx;
      if (d2 < best) best = d2;
    }
    out[i / 3] = Math.sqrt(best);
  }
  return out;
}

/** The q-th percentile (0..100) with linear interpolation between order statistics, as numpy.percentile. */
function percentile(values: Float64Array, q: number): number {
  const v = Float64Array.from(values).sort();
  const pos = ((v.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/** Options of {@link hausdorffDistance}. */
export interface HausdorffOptions {
  /** Voxel spacing (z, y, x) in mm; default 1 mm. */
  spacing?: readonly [number, number, number];
  /**
   * The class compared (default 1): `pred` holds class indices; for class 1 any non-zero `truth` counts,
   * as in {@link dice}.
   */
  cls?: number;
  /** The percentile of surface distances (default 95: HD95; 100: the Hausdorff distance). */
  percentile?: number;
}

/**
 * The percentile Hausdorff distance in mm between the surfaces of class `cls` in a predicted and a true
 * (D, H, W) mask, as MONAI's `compute_hausdorff_distance(percentile=95)`: the surface voxels of each
 * mask (those with a 6-neighbour outside it), the distance from each to the nearest surface voxel of the
 * other mask, and the larger of the two directed percentiles. 0 when both masks are empty, Infinity when
 * exactly one is (no surface to reach). Throws naming the input on mismatched sizes or bad spacing.
 */
export function hausdorffDistance(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly [number, number, number],
  options: HausdorffOptions = {},
): number {
  const what = 'hausdorffDistance';
  const spacing = options.spacing ?? [1, 1, 1];
  const cls = options.cls ?? 1;
  const q = options.percentile ?? 95;
  if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d < 1))
    throw new Error(`${what}: shape must be (D, H, W) of positive integers, got [${shape.join(', ')}]`);
  const [D, H, W] = shape;
  for (const [name, m] of [
    ['pred', pred],
    ['truth', truth],
  ] as const)
    if (m.length !== D * H * W)
      throw new Error(`${what}: ${name} has ${m.length} voxels but shape [${shape.join(', ')}] needs ${D * H * W}`);
  if (spacing.length !== 3 || spacing.some((s) => !(s > 0 && Number.isFinite(s))))
    throw new Error(`${what}: spacing must be three positive numbers (mm), got [${spacing.join(', ')}]`);
  if (!(q >= 0 && q <= 100)) throw new Error(`${what}: percentile must be in [0, 100], got ${q}`);
  // As dice: pred holds class indices; truth counts as class 1 wherever it is non-zero (a 0/255 mask works).
  const a = surfaceVoxels(pred, (v) => v === cls, D, H, W);
  const b = surfaceVoxels(truth, (v) => (cls === 1 ? v !== 0 : v === cls), D, H, W);
  if (a.length === 0 && b.length === 0) return 0;
  if (a.length === 0 || b.length === 0) return Infinity;
  return Math.max(percentile(directedDistances(a, b, spacing), q), percentile(directedDistances(b, a, spacing), q));
}

/** HD95 in mm: {@link hausdorffDistance} at the 95th percentile. */
export function hd95(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: readonly [number, number, number],
  options: Omit<HausdorffOptions, 'percentile'> = {},
): number {
  return hausdorffDistance(pred, truth, shape, { ...options, percentile: 95 });
}
