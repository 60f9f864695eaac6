// Satellite micronodules: small solid spheres scattered around the main nodule (factors satelliteCount and
// satelliteDiameter), so a volume holds small lesions beside the large one. Each satellite is recorded (centre
// and diameter) and drawn into its own mask.
import type { Generator } from '@nodulab/tensor';
import type { FactorRecord } from '../spec/factors';
import { unitVector } from './geometry';

/** One rendered satellite: centre in voxel coordinates (z, y, x) and diameter in mm. */
export interface Satellite {
  centre: [number, number, number];
  diameter: number;
}

/** Width (mm) of the soft edge over which a satellite's intensity ramps from the parenchyma to its own. */
export const SATELLITE_EDGE_MM = 0.5;
/** The gap (mm) between the main nodule's outer radius and a satellite's surface is uniform in this range. */
export const SATELLITE_GAP_MM: readonly [number, number] = [1, 6];

/**
 * Draws `f.satelliteCount` satellites of diameter `f.satelliteDiameter` at the nodule's attenuation into `hu`
 * (D, H, W), and 1 into `mask` inside each. A satellite sits in a random direction from the main nodule's
 * centre, beyond its outer radius (diameter/2 · elongation^(2/3) · (1 + lobulation)) by a gap uniform in
 * {@link SATELLITE_GAP_MM}; a centre that would leave the volume is redrawn (8 tries) and then clamped inside.
 * Without a main nodule the satellites surround the volume centre plus the nodule offsets. The voxel nearest
 * a centre is always in the mask, so a satellite smaller than a voxel is still marked.
 */
export function renderSatellites(
  hu: Float32Array,
  mask: Uint8Array,
  shape: readonly number[],
  spacing: readonly number[],
  f: FactorRecord,
  gen: Generator,
): Satellite[] {
  const [D, H, W] = shape;
  const [sz, sy, sx] = spacing;
  const extent = [(D - 1) * sz, (H - 1) * sy, (W - 1) * sx];
  const centre = [extent[0] / 2 + f.offsetZ, extent[1] / 2 + f.offsetY, extent[2] / 2 + f.offsetX];
  const outer = f.hasNodule ? (f.diameter / 2) * Math.pow(f.elongation, 2 / 3) * (1 + f.lobulation) : 0;
  const r = f.satelliteDiameter / 2;
  const out: Satellite[] = [];
  for (let s = 0; s < f.satelliteCount; s++) {
    const gap = SATELLITE_GAP_MM[0] + (SATELLITE_GAP_MM[1] - SATELLITE_GAP_MM[0]) * gen.uniform();
    const distance = outer + gap + r;
    let p = [0, 0, 0];
    for (let attempt = 0; attempt < 8; attempt++) {
      const u = unitVector(gen);
      p = centre.map((c, k) => c + distance * u[k]);
      if (p.every((v, k) => v >= r && v <= extent[k] - r)) break;
    }
    p = p.map((v, k) => Math.min(Math.max(v, 0), extent[k]));
    drawSphere(hu, mask, shape, spacing, p, r, f.attenuation);
    out.push({ centre: [p[0] / sz, p[1] / sy, p[2] / sx], diameter: f.satelliteDiameter });
  }
  return out;
}

/** A soft-edged sphere at `p` (mm) of radius r (mm) blended towards `value` HU, and its mask. */
function drawSphere(
  hu: Float32Array,
  mask: Uint8Array,
  shape: readonly number[],
  spacing: readonly number[],
  p: number[],
  r: number,
  value: number,
): void {
  const [D, H, W] = shape;
  const [sz, sy, sx] = spacing;
  const reach = r + SATELLITE_EDGE_MM;
  const nearest = [Math.round(p[0] / sz), Math.round(p[1] / sy), Math.round(p[2] / sx)];
  const lo = (c: number, s: number) => Math.max(0, Math.floor((c - reach) / s));
  const hi = (c: number, s: number, n: number) => Math.min(n - 1, Math.ceil((c + reach) / s));
  for (let z = lo(p[0], sz); z <= hi(p[0], sz, D); z++) {
    for (let y = lo(p[1], sy); y <= hi(p[1], sy, H); y++) {
      for (let x = lo(p[2], sx); x <= hi(p[2], sx, W); x++) {
        const d = Math.hypot(z * sz - p[0], y * sy - p[1], x * sx - p[2]);
        const occupancy = Math.min(1, Math.max(0, 0.5 - (d - r) / SATELLITE_EDGE_MM));
        const i = (z * H + y) * W + x;
        if (occupancy > 0) hu[i] += occupancy * (value - hu[i]);
        if (d <= r || (z === nearest[0] && y === nearest[1] && x === nearest[2])) mask[i] = 1;
      }
    }
  }
}
