// The background anatomy of a volume hu: (D, H, W) in HU — lung parenchyma with smooth correlated
// variation, an optional pleural (chest) wall on one side, and straight vessels crossing the field.
// Wall and vessels also write their label ids into a label map (D, H, W) where they cover half a voxel or more.
import { Generator } from '@nodulab/tensor';
import { ANATOMY_EDGE_MM, BLOOD_HU, PARENCHYMA_CELL_MM, SOFT_TISSUE_HU } from './constants';
import { Vec3, unitVector } from './geometry';
import { addValueNoise } from './noise';
import { LABEL_IDS } from '../spec/structures';

// Module-level aliases: hot loops avoid global lookups (slow inside vm contexts such as jest).
const { abs, ceil, floor, hypot, max, min, sqrt } = Math;

/** Fills `hu` with parenchyma: `level` HU plus smooth variation of std `textureStd` HU. */
export function renderParenchyma(
  hu: Float32Array,
  shape: readonly number[],
  spacing: readonly number[],
  level: number,
  textureStd: number,
  gen: Generator,
): void {
  hu.fill(level);
  if (textureStd > 0) addValueNoise(hu, shape, spacing, PARENCHYMA_CELL_MM, textureStd, gen);
}

/**
 * Blends a chest wall into `hu`: soft tissue beyond a slightly tilted plane 3–6 mm inside one of the
 * four in-plane faces (chosen by `gen`), with a partial-volume edge. `labels` (if given) gets
 * `LABEL_IDS['pleural-wall']` where the wall covers at least half the voxel.
 */
export function renderPleuralWall(
  hu: Float32Array,
  shape: readonly number[],
  spacing: readonly number[],
  gen: Generator,
  labels?: Uint8Array,
): void {
  const [D, H, W] = shape;
  const face = floor(gen.uniform() * 4); // 0: y = 0, 1: y = end, 2: x = 0, 3: x = end
  const depth = 3 + 3 * gen.uniform();
  const tiltA = 0.3 * (gen.uniform() - 0.5);
  const tiltB = 0.3 * (gen.uniform() - 0.5);
  const ext = [(D - 1) * spacing[0], (H - 1) * spacing[1], (W - 1) * spacing[2]];
  const alongY = face < 2;
  // Normal pointing into the wall; the wall is where n . (p - p0) > 0.
  const n: Vec3 = alongY ? [tiltA, face === 0 ? -1 : 1, tiltB] : [tiltA, tiltB, face === 2 ? -1 : 1];
  const len = hypot(n[0], n[1], n[2]);
  n[0] /= len;
  n[1] /= len;
  n[2] /= len;
  const p0: Vec3 = [ext[0] / 2, ext[1] / 2, ext[2] / 2];
  if (alongY) p0[1] = face === 0 ? depth : ext[1] - depth;
  else p0[2] = face === 2 ? depth : ext[2] - depth;
  const inv = 1 / ANATOMY_EDGE_MM;
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      const base = (z * H + y) * W;
      const s0 = n[0] * (z * spacing[0] - p0[0]) + n[1] * (y * spacing[1] - p0[1]) - n[2] * p0[2];
      for (let x = 0; x < W; x++) {
        const s = s0 + n[2] * x * spacing[2];
        let o = 0.5 + s * inv;
        if (o <= 0) continue;
        if (o > 1) o = 1;
        hu[base + x] += o * (SOFT_TISSUE_HU - hu[base + x]);
        if (labels !== undefined && o >= 0.5) labels[base + x] = LABEL_IDS['pleural-wall'];
      }
    }
  }
}

/**
 * Blends `count` straight vessels (radius 0.5–1.5 mm, blood HU, partial-volume edge) into `hu`. Each
 * vessel passes near the field's centre in a random direction; only voxels near its axis are visited.
 * `labels` (if given) gets `LABEL_IDS.vessel` where a vessel covers at least half the voxel.
 */
export function renderVessels(
  hu: Float32Array,
  shape: readonly number[],
  spacing: readonly number[],
  count: number,
  gen: Generator,
  labels?: Uint8Array,
): void {
  const dims = shape as readonly [number, number, number];
  const ext = [0, 1, 2].map((a) => (dims[a] - 1) * spacing[a]);
  const strides = [dims[1] * dims[2], dims[2], 1];
  for (let v = 0; v < count; v++) {
    const d = unitVector(gen);
    const p0 = ext.map((e) => e * (0.15 + 0.7 * gen.uniform()));
    const radius = 0.5 + gen.uniform();
    const reach = radius + ANATOMY_EDGE_MM;
    // Walk along the axis with the largest direction component; visit a window around the line.
    const a = abs(d[0]) >= abs(d[1]) && abs(d[0]) >= abs(d[2]) ? 0 : abs(d[1]) >= abs(d[2]) ? 1 : 2;
    const b = (a + 1) % 3,
      c = (a + 2) % 3;
    const half = reach / abs(d[a]);
    for (let i = 0; i < dims[a]; i++) {
      const lambda = (i * spacing[a] - p0[a]) / d[a];
      const cb = p0[b] + lambda * d[b],
        cc = p0[c] + lambda * d[c];
      const jb0 = max(0, floor((cb - half) / spacing[b])),
        jb1 = min(dims[b] - 1, ceil((cb + half) / spacing[b]));
      const jc0 = max(0, floor((cc - half) / spacing[c])),
        jc1 = min(dims[c] - 1, ceil((cc + half) / spacing[c]));
      for (let jb = jb0; jb <= jb1; jb++) {
        for (let jc = jc0; jc <= jc1; jc++) {
          const q = [0, 0, 0];
          q[a] = i * spacing[a] - p0[a];
          q[b] = jb * spacing[b] - p0[b];
          q[c] = jc * spacing[c] - p0[c];
          const t = q[0] * d[0] + q[1] * d[1] + q[2] * d[2];
          const dist = sqrt(max(0, q[0] * q[0] + q[1] * q[1] + q[2] * q[2] - t * t));
          let o = 0.5 + (radius - dist) / ANATOMY_EDGE_MM;
          if (o <= 0) continue;
          if (o > 1) o = 1;
          const idx = i * strides[a] + jb * strides[b] + jc * strides[c];
          hu[idx] += o * (BLOOD_HU - hu[idx]);
          if (labels !== undefined && o >= 0.5) labels[idx] = LABEL_IDS.vessel;
        }
      }
    }
  }
}
