// Reconstruction artifacts in HU: motion ghosting (displaced copies along y), metal-like streaks
// radiating from a point, and ring artifacts about the scanner's axis, each the same in every slice.
import { Distortion, defineDistortion } from './types';

const { cos, exp, hypot, min, PI, round, sin } = Math;

/** Ghost displacement as a fraction of H. */
export const GHOST_SHIFT_FRACTION = 0.25;

/** HU' = (1 - strength) HU + strength * (HU shifted by +d along y + HU shifted by -d) / 2, circularly. */
export const motionGhosting: Distortion = defineDistortion(
  'motion-ghosting',
  `Motion ghosting (breathing during acquisition): the volume blended with two copies displaced by +-${GHOST_SHIFT_FRACTION} H along y (wrapping around); strength is the ghosts' total weight.`,
  [0.08, 0.16, 0.25, 0.35, 0.5].map((strength) => ({ strength })),
  (hu, [D, H, W], _spacing, p) => {
    const d = Math.max(1, round(GHOST_SHIFT_FRACTION * H));
    const src = hu.slice();
    const a = p.strength;
    for (let z = 0; z < D; z++) {
      for (let y = 0; y < H; y++) {
        const o = (z * H + y) * W;
        const up = (z * H + ((y + d) % H)) * W;
        const down = (z * H + ((y - d + H) % H)) * W;
        for (let x = 0; x < W; x++) hu[o + x] = (1 - a) * src[o + x] + 0.5 * a * (src[up + x] + src[down + x]);
      }
    }
  },
);

/** Number of streak lines. */
export const STREAK_COUNT = 8;

/** Lines through a random point near the axial centre, alternating bright and dark, of amplitude `amplitudeHU`. */
export const streak: Distortion = defineDistortion(
  'streak',
  `Streak artifact (metal / photon starvation): ${STREAK_COUNT} lines at random angles through a point near the axial centre, alternately bright and dark, Gaussian profile 0.7 voxel wide, amplitude amplitudeHU, the same in every slice.`,
  [40, 80, 130, 200, 300].map((amplitudeHU) => ({ amplitudeHU })),
  (hu, [D, H, W], _spacing, p, g) => {
    const cy = (H - 1) / 2 + ((g.uniform() - 0.5) * H) / 4;
    const cx = (W - 1) / 2 + ((g.uniform() - 0.5) * W) / 4;
    const normals: number[] = [];
    for (let k = 0; k < STREAK_COUNT; k++) {
      const t = g.uniform() * PI;
      normals.push(cos(t), sin(t));
    }
    const plane = new Float32Array(H * W);
    const inv2w2 = 1 / (2 * 0.7 * 0.7);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let k = 0; k < STREAK_COUNT; k++) {
          const dist = (y - cy) * normals[2 * k] + (x - cx) * normals[2 * k + 1];
          s += (k % 2 === 0 ? 1 : -1) * exp(-dist * dist * inv2w2);
        }
        plane[y * W + x] = p.amplitudeHU * s;
      }
    }
    addPlane(hu, plane, D);
  },
);

/** Number of rings. */
export const RING_COUNT = 5;

/** Concentric rings about the axial centre at random radii, alternating bright and dark. */
export const ring: Distortion = defineDistortion(
  'ring',
  `Ring artifact (miscalibrated detector elements): ${RING_COUNT} concentric rings about the axial centre at random radii, alternately bright and dark, Gaussian profile 0.7 voxel wide, amplitude amplitudeHU, the same in every slice.`,
  [20, 40, 70, 110, 160].map((amplitudeHU) => ({ amplitudeHU })),
  (hu, [D, H, W], _spacing, p, g) => {
    const cy = (H - 1) / 2,
      cx = (W - 1) / 2;
    const rmax = min(H, W) / 2;
    const radii: number[] = [];
    for (let k = 0; k < RING_COUNT; k++) radii.push(1 + g.uniform() * (rmax - 1));
    const plane = new Float32Array(H * W);
    const inv2w2 = 1 / (2 * 0.7 * 0.7);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const r = hypot(y - cy, x - cx);
        let s = 0;
        for (let k = 0; k < RING_COUNT; k++)
          s += (k % 2 === 0 ? 1 : -1) * exp(-(r - radii[k]) * (r - radii[k]) * inv2w2);
        plane[y * W + x] = p.amplitudeHU * s;
      }
    }
    addPlane(hu, plane, D);
  },
);

/** Adds an (H, W) plane to every one of D slices. */
function addPlane(hu: Float32Array, plane: Float32Array, D: number): void {
  const n = plane.length;
  for (let z = 0; z < D; z++) {
    const o = z * n;
    for (let i = 0; i < n; i++) hu[o + i] += plane[i];
  }
}
