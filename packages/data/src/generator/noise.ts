// Fast seeded noise for volumes (D, H, W) stored row-major (x fastest): table-based normal variates,
// smooth value noise (trilinear lattice), and separable Gaussian blur along one axis. The hot loops run
// in the native addon's noise kernels (native/src/ops/noise); randomness still comes from `Generator`.
import { Generator, native } from '@nodulab/tensor';
import { trilinearAt } from '../volume/trilinear';

if (
  typeof native.fillNormal !== 'function' ||
  typeof native.addCorrelatedNoise !== 'function' ||
  typeof native.addValueNoise !== 'function'
) {
  throw new Error(
    '@nodulab/data: the native addon lacks the noise kernels (fillNormal, addCorrelatedNoise, addValueNoise); rebuild it (npm run build:native)',
  );
}

// Module-level aliases: hot loops avoid global lookups (slow inside vm contexts such as jest).
const { ceil, floor, max, min, sqrt } = Math;

/** 2^16 standard-normal values (fixed, standardized to mean 0 / variance 1); a random 16-bit index picks one. */
const NORMAL_TABLE: Float32Array = (() => {
  const n = 65536;
  const g = new Generator(0x5eed);
  const v = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    v[i] = g.normal();
    mean += v[i];
  }
  mean /= n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (v[i] - mean) * (v[i] - mean);
  const inv = 1 / sqrt(sq / n);
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) t[i] = (v[i] - mean) * inv;
  return t;
})();

/**
 * Fills `out` with approximately standard-normal values times `scale`: a xoshiro128** stream seeded
 * from four draws of `gen`, two table lookups per 32 bits (native FillNormal; `scale` is applied in
 * double precision, then rounded to float32).
 */
export function fillNormal(out: Float32Array, gen: Generator, scale = 1): void {
  const seed = [gen.nextUint32() >>> 0, gen.nextUint32() >>> 0, gen.nextUint32() >>> 0, gen.nextUint32() >>> 0];
  native.fillNormal(out, seed, NORMAL_TABLE, scale);
}

/** One standard-normal value from the table. */
export function tableNormal(gen: Generator): number {
  return NORMAL_TABLE[gen.nextUint32() & 0xffff];
}

/** Linear interpolation of i.i.d. unit lattice values has mean variance (2/3)^3 in 3D; this undoes it. */
const TRILINEAR_STD_GAIN = sqrt(27 / 8);

/**
 * Adds smooth value noise of standard deviation ~`amplitude` to `out` (shape (D, H, W), spacing
 * (sz, sy, sx) mm): i.i.d. normals on a lattice of `cellMm` spacing, trilinearly interpolated
 * (native AddValueNoise).
 */
export function addValueNoise(
  out: Float32Array,
  shape: readonly number[],
  spacing: readonly number[],
  cellMm: number,
  amplitude: number,
  gen: Generator,
): void {
  const [D, H, W] = shape;
  // Voxel i sits at lattice coordinate i * step; an axis needs its last voxel's cell and the point after it.
  const step: [number, number, number] = [spacing[0] / cellMm, spacing[1] / cellMm, spacing[2] / cellMm];
  const lshape: [number, number, number] = [
    floor((D - 1) * step[0]) + 2,
    floor((H - 1) * step[1]) + 2,
    floor((W - 1) * step[2]) + 2,
  ];
  const lattice = new Float32Array(lshape[0] * lshape[1] * lshape[2]);
  fillNormal(lattice, gen, amplitude * TRILINEAR_STD_GAIN);
  native.addValueNoise(out, [D, H, W], lattice, lshape, step);
}

/** Point-evaluated smooth value noise over a box: unit standard deviation, lattice spacing `cellMm`. */
export class PointNoise {
  private readonly lattice: Float32Array;
  private readonly gz: number;
  private readonly gy: number;
  private readonly gx: number;

  /** Covers [origin, origin + extent] mm along (z, y, x). */
  constructor(
    private readonly origin: readonly number[],
    extent: readonly number[],
    private readonly cellMm: number,
    gen: Generator,
  ) {
    const gz = floor(extent[0] / cellMm) + 2;
    this.gy = floor(extent[1] / cellMm) + 2;
    this.gx = floor(extent[2] / cellMm) + 2;
    this.gz = gz;
    this.lattice = new Float32Array(gz * this.gy * this.gx);
    fillNormal(this.lattice, gen, TRILINEAR_STD_GAIN);
  }

  /** The noise at (z, y, x) mm; points outside the box are clamped to it. */
  at(z: number, y: number, x: number): number {
    const c = this.cellMm;
    const pz = min(max((z - this.origin[0]) / c, 0), this.gz - 1.001);
    const py = min(max((y - this.origin[1]) / c, 0), this.gy - 1.001);
    const px = min(max((x - this.origin[2]) / c, 0), this.gx - 1.001);
    return trilinearAt(this.lattice, this.gz, this.gy, this.gx, pz, py, px);
  }
}

/** A normalized Gaussian kernel of standard deviation `sigma` voxels, truncated at 3 sigma. */
export function gaussianKernel(sigma: number): Float32Array {
  const r = max(1, ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    s += k[i + r];
  }
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/**
 * Convolves `src` (shape (D, H, W)) with `kernel` along `axis` (0 = z, 1 = y, 2 = x) into `dst`
 * (a different array), repeating edge values at the borders.
 */
export function convolveAxis(
  src: Float32Array,
  dst: Float32Array,
  shape: readonly number[],
  axis: 0 | 1 | 2,
  kernel: Float32Array,
): void {
  const [D, H, W] = shape;
  const n = shape[axis];
  const inner = axis === 0 ? H * W : axis === 1 ? W : 1;
  const outer = axis === 0 ? 1 : axis === 1 ? D : D * H;
  const r = (kernel.length - 1) >> 1;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let k = -r; k <= r; k++) {
          const j = i + k < 0 ? 0 : i + k >= n ? n - 1 : i + k;
          acc += kernel[k + r] * src[base + j];
        }
        dst[base + i] = acc;
      }
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < n; i++) {
      const d = base + i * inner;
      for (let j = 0; j < inner; j++) dst[d + j] = 0;
      for (let k = -r; k <= r; k++) {
        const ii = i + k < 0 ? 0 : i + k >= n ? n - 1 : i + k;
        const s = base + ii * inner;
        const w = kernel[k + r];
        for (let j = 0; j < inner; j++) dst[d + j] += w * src[s + j];
      }
    }
  }
}
