// The nodule: its geometry (ellipsoid with spherical-harmonic-like lobulation, tapering spicules,
// orientation) from the factor record plus a 'shape' random stream, and its rasterization into
// hu: (D, H, W), the binary mask and the label map (nodule, calcium, cavity ids inside the mask). Random
// draws do not depend on factor values (counts only take prefixes), so overriding one factor changes only
// what that factor controls.
import { Generator } from '@nodulab/tensor';
import { AIR_HU, CALCIUM_HU, GROUND_GLASS_HALO_HU, NODULE_TEXTURE_CELL_MM, marginWidthMm } from './constants';
import { FactorRecord } from '../spec/factors';
import { Vec3, VoxelBox, unitVector } from './geometry';
import { PointNoise } from './noise';
import { LABEL_IDS } from '../spec/structures';

// Module-level aliases: hot loops avoid global lookups (slow inside vm contexts such as jest).
const { abs, ceil, floor, hypot, max, min, sqrt } = Math;

/** Zonal harmonics used for lobulation: degree per term (Legendre P2..P5 about random axes). */
const HARMONIC_DEGREES = [2, 3, 3, 4, 4, 5, 5];
/** Directions (a Fibonacci sphere) on which the modulation is normalized to a maximum |value| of 1. */
const PROBE_DIRECTIONS: Float64Array = (() => {
  const n = 512;
  const d = new Float64Array(3 * n);
  const golden = Math.PI * (3 - sqrt(5));
  for (let i = 0; i < n; i++) {
    const z = 1 - (2 * (i + 0.5)) / n;
    const r = sqrt(1 - z * z);
    d.set([z, r * Math.cos(golden * i), r * Math.sin(golden * i)], 3 * i);
  }
  return d;
})();
/** A spicule's half-width narrows linearly from its base to this fraction at its tip. */
const SPICULE_TIP_FRACTION = 0.4;
/** Spicule directions are drawn for this many spicules; a sample uses the first spiculationCount. */
const MAX_SPICULES = 32;
/** Popcorn calcification blob count and radius (fraction of the nodule radius). */
const POPCORN_BLOBS = 4;
const POPCORN_RADIUS = 0.2;

/**
 * sum_k coefs[k] * P_{HARMONIC_DEGREES[k]}(n . axis_k) for a unit direction n: the Legendre polynomials
 * P2 = (3t^2 - 1)/2, P3 = t(5t^2 - 3)/2, P4 = (35t^4 - 30t^2 + 3)/8, P5 = t(63t^4 - 70t^2 + 15)/8,
 * unrolled for the degrees (2, 3, 3, 4, 4, 5, 5) (the hot loop of rasterization).
 */
function harmonicSum(HA: Float64Array, HC: Float64Array, nz: number, ny: number, nx: number): number {
  let t = nz * HA[0] + ny * HA[1] + nx * HA[2];
  let t2 = t * t;
  let L = 0;
  L += HC[0] * (1.5 * t2 - 0.5);
  t = nz * HA[3] + ny * HA[4] + nx * HA[5];
  t2 = t * t;
  L += HC[1] * (t * (2.5 * t2 - 1.5));
  t = nz * HA[6] + ny * HA[7] + nx * HA[8];
  t2 = t * t;
  L += HC[2] * (t * (2.5 * t2 - 1.5));
  t = nz * HA[9] + ny * HA[10] + nx * HA[11];
  t2 = t * t;
  L += HC[3] * ((35 * t2 * t2 - 30 * t2 + 3) / 8);
  t = nz * HA[12] + ny * HA[13] + nx * HA[14];
  t2 = t * t;
  L += HC[4] * ((35 * t2 * t2 - 30 * t2 + 3) / 8);
  t = nz * HA[15] + ny * HA[16] + nx * HA[17];
  t2 = t * t;
  L += HC[5] * ((t * (63 * t2 * t2 - 70 * t2 + 15)) / 8);
  t = nz * HA[18] + ny * HA[19] + nx * HA[20];
  t2 = t * t;
  L += HC[6] * ((t * (63 * t2 * t2 - 70 * t2 + 15)) / 8);
  return L;
}

/** Random draws that shape a nodule, independent of its factor values. */
export interface NoduleDraws {
  harmonicAxes: Float64Array; // 3 per term
  harmonicCoefs: Float64Array; // scaled so that the modulation's maximum |value| over the sphere is 1
  spiculeDirs: Float64Array; // 3 per spicule
  spiculeLength: Float64Array; // relative jitter, mean 1
  spiculeWidth: Float64Array; // relative jitter, mean 1
  cavityOffset: Vec3; // unit direction of the cavity's offset
  popcorn: Float64Array; // 3 per blob, points in the unit ball
}

/** Draws a nodule's random shape parameters from its 'shape' stream (a fixed number of draws). */
export function drawNodule(gen: Generator): NoduleDraws {
  const K = HARMONIC_DEGREES.length;
  const harmonicAxes = new Float64Array(3 * K);
  const harmonicCoefs = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    harmonicAxes.set(unitVector(gen), 3 * k);
    harmonicCoefs[k] = (gen.uniform() < 0.5 ? -1 : 1) * (0.3 + gen.uniform());
  }
  let peak = 0;
  for (let i = 0; i < PROBE_DIRECTIONS.length; i += 3) {
    const L = harmonicSum(
      harmonicAxes,
      harmonicCoefs,
      PROBE_DIRECTIONS[i],
      PROBE_DIRECTIONS[i + 1],
      PROBE_DIRECTIONS[i + 2],
    );
    peak = max(peak, abs(L));
  }
  for (let k = 0; k < K; k++) harmonicCoefs[k] /= peak;
  const spiculeDirs = new Float64Array(3 * MAX_SPICULES);
  const spiculeLength = new Float64Array(MAX_SPICULES);
  const spiculeWidth = new Float64Array(MAX_SPICULES);
  for (let j = 0; j < MAX_SPICULES; j++) {
    spiculeDirs.set(unitVector(gen), 3 * j);
    spiculeLength[j] = 0.6 + 0.8 * gen.uniform();
    spiculeWidth[j] = 0.7 + 0.6 * gen.uniform();
  }
  const cavityOffset = unitVector(gen);
  const popcorn = new Float64Array(3 * POPCORN_BLOBS);
  for (let k = 0; k < POPCORN_BLOBS; k++) {
    const u = unitVector(gen);
    const r = 0.25 + 0.35 * gen.uniform();
    popcorn.set([u[0] * r, u[1] * r, u[2] * r], 3 * k);
  }
  return { harmonicAxes, harmonicCoefs, spiculeDirs, spiculeLength, spiculeWidth, cavityOffset, popcorn };
}

/** Rotation matrix (row-major) taking volume (z, y, x) offsets into the nodule's frame (long axis first). */
function rotation(yawDeg: number, pitchDeg: number, rollDeg: number): Float64Array {
  const r = Math.PI / 180;
  const [ca, sa] = [Math.cos(yawDeg * r), Math.sin(yawDeg * r)];
  const [cb, sb] = [Math.cos(pitchDeg * r), Math.sin(pitchDeg * r)];
  const [cg, sg] = [Math.cos(rollDeg * r), Math.sin(rollDeg * r)];
  // R = Rz(yaw) Ry(pitch) Rx(roll) in (x, y, z) axes; we apply R^T to (x, y, z) offsets.
  const Rxyz = [
    [ca * cb, ca * sb * sg - sa * cg, ca * sb * cg + sa * sg],
    [sa * cb, sa * sb * sg + ca * cg, sa * sb * cg - ca * sg],
    [-sb, cb * sg, cb * cg],
  ];
  // Map volume (z, y, x) to frame (z', y', x'), with z' the long axis: entry [i][j] = R^T[2-i][2-j].
  const m = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m[3 * i + j] = Rxyz[2 - j][2 - i];
  return m;
}

/** Geometry and position of a nodule in the volume, and where it was drawn. */
export interface NoduleRaster {
  /** Centre in voxel coordinates (z, y, x). */
  centre: [number, number, number];
  /** Voxels with mask 1: count. */
  maskVoxels: number;
  /** Inclusive (z, y, x) bounds of the mask voxels, null when none. */
  bbox: { min: [number, number, number]; max: [number, number, number] } | null;
  /** Inclusive (z, y, x) bounds of every voxel the nodule's intensity reaches (soft margin, thin spicules). */
  footprint: { min: [number, number, number]; max: [number, number, number] } | null;
}

/**
 * Rasterizes the nodule of factor record `f` into `hu` (blending with its soft margin) and `mask`
 * (1 inside). Volume shape (D, H, W), spacing (sz, sy, sx) mm; the nodule's centre is the volume
 * centre plus the offsets. `textureGen` draws the internal texture lattice. `labels` (if given) gets,
 * at every mask voxel, the calcium or cavity id where the voxel is calcium or air, else the nodule id.
 */
export function renderNodule(
  hu: Float32Array,
  mask: Uint8Array,
  shape: readonly number[],
  spacing: readonly number[],
  f: FactorRecord,
  draws: NoduleDraws,
  textureGen: Generator,
  labels?: Uint8Array,
): NoduleRaster {
  const [D, H, W] = shape;
  const [sz, sy, sx] = spacing;
  const cz = ((D - 1) * sz) / 2 + f.offsetZ,
    cy = ((H - 1) * sy) / 2 + f.offsetY,
    cx = ((W - 1) * sx) / 2 + f.offsetX;
  const centre: [number, number, number] = [cz / sz, cy / sy, cx / sx];
  const R = f.diameter / 2;
  const long = R * Math.pow(f.elongation, 2 / 3),
    short = R * Math.pow(f.elongation, -1 / 3);
  const invLong = 1 / long,
    invShort = 1 / short;
  const lob = f.lobulation;
  const m = rotation(f.orientationYaw, f.orientationPitch, f.orientationRoll);
  const edge = marginWidthMm(f.marginSharpness);
  const invEdge = 1 / edge;
  const K = HARMONIC_DEGREES.length;
  const { harmonicAxes: HA, harmonicCoefs: HC } = draws;
  const modulation = (nz: number, ny: number, nx: number): number => {
    return 1 + lob * harmonicSum(HA, HC, nz, ny, nx);
  };
  // Spicules in the nodule frame: unit direction, base distance (surface), tip distance, base half-width.
  const S = f.spiculationCount;
  const spic = new Float64Array(6 * S);
  let maxTip = 0;
  for (let j = 0; j < S; j++) {
    const dz = draws.spiculeDirs[3 * j],
      dy = draws.spiculeDirs[3 * j + 1],
      dx = draws.spiculeDirs[3 * j + 2];
    const ez = dz * invLong,
      ey = dy * invShort,
      ex = dx * invShort;
    const e = hypot(ez, ey, ex);
    const base = modulation(ez / e, ey / e, ex / e) / e;
    const tip = base + f.spiculationLength * draws.spiculeLength[j];
    spic.set([dz, dy, dx, base, tip, (f.spiculationWidth / 2) * draws.spiculeWidth[j]], 6 * j);
    maxTip = max(maxTip, tip);
  }
  const bodyMax = long * (1 + lob);
  const reach = max(bodyMax, maxTip) + edge;
  // |modulation - 1| <= lob * sum |coef| (|P_l| <= 1), so in normalized radius rho the body surface lies
  // within [1 - lobBound, 1 + lobBound]. Beyond `outerRho` the body is at least edge / 2 away (occupancy
  // 0); inside `innerRho` at least edge / 2 deep (occupancy 1, mask 1, t < 1). Both exact shortcuts skip
  // the harmonic sum where its value cannot change the result (the margin absorbs rounding).
  let coefSum = 0;
  for (let k = 0; k < K; k++) coefSum += abs(HC[k]);
  const lobBound = lob * coefSum * (1 + 1e-6) + 1e-9;
  const outerRho = 1 + lobBound + (0.5 * edge) / R + 1e-9;
  const innerRho = 1 - lobBound - (0.5 * edge) / R - 1e-9;
  const reach2 = reach * reach;
  // Voxel box around the centre.
  const z0 = max(0, floor((cz - reach) / sz)),
    z1 = min(D - 1, ceil((cz + reach) / sz));
  const y0 = max(0, floor((cy - reach) / sy)),
    y1 = min(H - 1, ceil((cy + reach) / sy));
  const x0 = max(0, floor((cx - reach) / sx)),
    x1 = min(W - 1, ceil((cx + reach) / sx));
  const texture =
    f.texture > 0
      ? new PointNoise(
          [cz - reach, cy - reach, cx - reach],
          [2 * reach, 2 * reach, 2 * reach],
          NODULE_TEXTURE_CELL_MM,
          textureGen,
        )
      : null;
  const partSolid = f.densityType === 'part-solid';
  const solidLimit = partSolid ? f.solidFraction : 2;
  const haloHU = partSolid ? GROUND_GLASS_HALO_HU : f.attenuation;
  const cavR = f.cavitation * short;
  const cavOff = 0.15 * f.cavitation * short;
  const cavZ = draws.cavityOffset[0] * cavOff,
    cavY = draws.cavityOffset[1] * cavOff,
    cavX = draws.cavityOffset[2] * cavOff;
  const calc = f.calcification;
  const popR2 = (POPCORN_RADIUS * short) ** 2;
  // Inside innerRho the value needs t only for a part-solid core or calcium; otherwise the voxel is fully
  // nodule whatever the spicules do (they can only lower s further below -edge / 2).
  const plainInterior = !partSolid && calc === 'none';
  let maskVoxels = 0;
  const body = new VoxelBox(); // the mask
  const footprint = new VoxelBox(); // every voxel the nodule's intensity reaches
  // Along a row, e = (ez, ey, ex) is c + px * u with u the frame's x column scaled to the ellipsoid.
  const uz = m[2] * invLong,
    uy = m[5] * invShort,
    ux = m[8] * invShort;
  const uu = uz * uz + uy * uy + ux * ux;
  for (let z = z0; z <= z1; z++) {
    const pz = z * sz - cz;
    for (let y = y0; y <= y1; y++) {
      const py = y * sy - cy;
      const rowBase = (z * H + y) * W;
      // The x range that can draw: inside the reach sphere and, without spicules, inside outerRho (both
      // quadratics in px), widened by a voxel so rounding never drops a voxel the per-voxel tests keep.
      const rest = reach2 - pz * pz - py * py;
      if (rest < -1e-9 * reach2) continue;
      let pxLo = -sqrt(max(0, rest)),
        pxHi = -pxLo;
      if (S === 0) {
        const ccz = (m[0] * pz + m[1] * py) * invLong,
          ccy = (m[3] * pz + m[4] * py) * invShort,
          ccx = (m[6] * pz + m[7] * py) * invShort;
        const b = ccz * uz + ccy * uy + ccx * ux;
        const disc = b * b - uu * (ccz * ccz + ccy * ccy + ccx * ccx - outerRho * outerRho);
        if (disc < 0) continue; // the whole row is beyond outerRho (which keeps a margin for rounding)
        const r = sqrt(disc);
        pxLo = max(pxLo, (-b - r) / uu);
        pxHi = min(pxHi, (-b + r) / uu);
      }
      const xa = max(x0, floor((pxLo + cx) / sx) - 1),
        xb = min(x1, ceil((pxHi + cx) / sx) + 1);
      for (let x = xa; x <= xb; x++) {
        const px = x * sx - cx;
        const r2 = pz * pz + py * py + px * px;
        if (r2 > reach2) continue;
        // Into the nodule frame.
        const qz = m[0] * pz + m[1] * py + m[2] * px;
        const qy = m[3] * pz + m[4] * py + m[5] * px;
        const qx = m[6] * pz + m[7] * py + m[8] * px;
        const ez = qz * invLong,
          ey = qy * invShort,
          ex = qx * invShort;
        const rho = sqrt(ez * ez + ey * ey + ex * ex);
        const idx = rowBase + x;
        if (rho > outerRho && S === 0) continue; // occupancy 0: nothing to draw
        if (rho < innerRho && plainInterior) {
          // Occupancy 1 and mask 1 (s <= -edge / 2); the value does not depend on t.
          footprint.add(z, y, x);
          mask[idx] = 1;
          maskVoxels++;
          body.add(z, y, x);
          let value = f.attenuation;
          let label: number = LABEL_IDS.nodule;
          if (texture !== null) value += f.texture * texture.at(z * sz, y * sy, x * sx);
          if (cavR > 0) {
            const vz = qz - cavZ,
              vy = qy - cavY,
              vx = qx - cavX;
            if (vz * vz + vy * vy + vx * vx < cavR * cavR) {
              value = AIR_HU;
              label = LABEL_IDS.cavity;
            }
          }
          hu[idx] += value - hu[idx];
          if (labels !== undefined) labels[idx] = label;
          continue;
        }
        let t: number; // radius relative to the surface along this direction (1 on the surface)
        let s: number; // approximate signed distance to the body surface, mm
        if (rho < 1e-9) {
          t = 0;
          s = -R;
        } else if (rho > outerRho) {
          // The body is more than edge / 2 away: only a spicule can draw here, and then t > 1.
          t = 2;
          s = edge;
        } else {
          const mod = lob === 0 ? 1 : modulation(ez / rho, ey / rho, ex / rho);
          t = rho / mod;
          s = (rho - mod) * R;
        }
        let inSpicule = false;
        if (S > 0 && s > -edge) {
          const qr = sqrt(r2);
          for (let j = 0; j < S; j++) {
            const o = 6 * j;
            const along = qz * spic[o] + qy * spic[o + 1] + qx * spic[o + 2];
            const base = spic[o + 3],
              tip = spic[o + 4];
            if (along < 0.5 * base || along > tip + edge) continue;
            const perp = sqrt(max(0, qr * qr - along * along));
            const frac = along <= base ? 0 : along >= tip ? 1 : (along - base) / (tip - base);
            const hw = spic[o + 5] * (1 - (1 - SPICULE_TIP_FRACTION) * frac);
            const ds = along > tip ? hypot(perp, along - tip) - hw : perp - hw;
            if (ds < s) {
              s = ds;
              inSpicule = true;
            }
          }
        }
        let occ = 0.5 - s * invEdge;
        if (occ <= 0) continue;
        if (occ > 1) occ = 1;
        footprint.add(z, y, x);
        if (s <= 0) {
          mask[idx] = 1;
          maskVoxels++;
          body.add(z, y, x);
        }
        let value: number;
        let label: number = LABEL_IDS.nodule;
        if (inSpicule && t > 1) value = haloHU;
        else {
          value = t < solidLimit ? f.attenuation : haloHU;
          if (texture !== null) value += f.texture * texture.at(z * sz, y * sy, x * sx);
          if (calc !== 'none') {
            let calcified = false;
            if (calc === 'central') calcified = t < 0.35;
            else if (calc === 'laminated') calcified = t < 0.15 || abs(t - 0.55) < 0.07;
            else if (calc === 'popcorn') {
              for (let k = 0; k < POPCORN_BLOBS && !calcified; k++) {
                const bz = qz - draws.popcorn[3 * k] * short,
                  by = qy - draws.popcorn[3 * k + 1] * short,
                  bx = qx - draws.popcorn[3 * k + 2] * short;
                calcified = bz * bz + by * by + bx * bx < popR2;
              }
            }
            if (calcified) {
              value = CALCIUM_HU;
              label = LABEL_IDS.calcium;
            }
          }
          if (cavR > 0) {
            const vz = qz - cavZ,
              vy = qy - cavY,
              vx = qx - cavX;
            if (vz * vz + vy * vy + vx * vx < cavR * cavR) {
              value = AIR_HU;
              label = LABEL_IDS.cavity;
            }
          }
        }
        hu[idx] += occ * (value - hu[idx]);
        if (labels !== undefined && s <= 0) labels[idx] = label;
      }
    }
  }
  return { centre, maskVoxels, bbox: body.bounds(), footprint: footprint.bounds() };
}
