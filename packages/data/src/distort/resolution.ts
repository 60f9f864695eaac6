// Resolution distortions (linear filters on HU, so the same in any units): isotropic Gaussian blur,
// slice-thickness blur through-plane, and down-then-up sampling.
import { applySliceThickness } from '../generator/acquisition';
import { convolveAxis, gaussianKernel } from '../generator/noise';
import { Distortion, defineDistortion } from './types';

/** Runs `pass(src, dst, axis)` along z, y and x in turn, ping-ponging buffers; the result ends in `hu`. */
function alongEachAxis(hu: Float32Array, pass: (src: Float32Array, dst: Float32Array, axis: 0 | 1 | 2) => void): void {
  let src: Float32Array = hu;
  let dst: Float32Array = new Float32Array(hu.length);
  for (const axis of [0, 1, 2] as const) {
    pass(src, dst, axis);
    [src, dst] = [dst, src];
  }
  if (src !== hu) hu.set(src);
}

/** Gaussian blur of sigma `sigmaMm` along every axis (edges repeated). */
export const gaussianBlur: Distortion = defineDistortion(
  'gaussian-blur',
  'Isotropic 3D Gaussian blur (a soft reconstruction kernel / defocus): sigmaMm, the standard deviation in mm along z, y and x.',
  [0.5, 0.75, 1, 1.5, 2].map((sigmaMm) => ({ sigmaMm })),
  (hu, shape, spacing, p) =>
    alongEachAxis(hu, (src, dst, axis) =>
      convolveAxis(src, dst, shape, axis, gaussianKernel(p.sigmaMm / spacing[axis])),
    ),
);

/** Through-plane blur to a slice thickness of `thicknessPerSpacing` times the z spacing (FWHM). */
export const sliceThickness: Distortion = defineDistortion(
  'slice-thickness',
  "Thick slices: a Gaussian blur along z only, to a slice profile whose FWHM is thicknessPerSpacing times the z spacing (as the generator's sliceThickness factor).",
  [2, 3, 4, 5, 6].map((thicknessPerSpacing) => ({ thicknessPerSpacing })),
  (hu, shape, spacing, p) => {
    applySliceThickness(hu, new Float32Array(hu.length), shape, spacing[0], p.thicknessPerSpacing * spacing[0]);
  },
);

/**
 * The n x n matrix (row-major) that averages n samples down to m = round(n / factor) cells (area
 * weights) and interpolates them back to n (linear, cell centres aligned, edges held).
 */
export function downUpMatrix(n: number, factor: number): Float64Array {
  const m = Math.max(1, Math.round(n / factor));
  const A = new Float64Array(m * n); // down: (m, n)
  const r = n / m;
  for (let j = 0; j < m; j++) {
    const a = j * r,
      b = (j + 1) * r;
    for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
      A[j * n + i] = (Math.min(b, i + 1) - Math.max(a, i)) / r;
    }
  }
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const t = Math.min(Math.max((i + 0.5) / r - 0.5, 0), m - 1);
    const j0 = Math.floor(t),
      j1 = Math.min(j0 + 1, m - 1),
      w = t - j0;
    for (let k = 0; k < n; k++) P[i * n + k] = (1 - w) * A[j0 * n + k] + w * A[j1 * n + k];
  }
  return P;
}

/** dst = src with `mat` (n x n, n = shape[axis]) applied along `axis`. */
function applyAlongAxis(
  src: Float32Array,
  dst: Float32Array,
  shape: readonly number[],
  axis: 0 | 1 | 2,
  mat: Float64Array,
): void {
  const n = shape[axis];
  const inner = axis === 0 ? shape[1] * shape[2] : axis === 1 ? shape[2] : 1;
  const outer = src.length / (n * inner);
  dst.fill(0);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < n; i++) {
      const d = base + i * inner;
      for (let k = 0; k < n; k++) {
        const w = mat[i * n + k];
        if (w === 0) continue;
        const s = base + k * inner;
        for (let j = 0; j < inner; j++) dst[d + j] += w * src[s + j];
      }
    }
  }
}

/** Averages down by `factor` along every axis and interpolates back up to the original grid. */
export const downsample: Distortion = defineDistortion(
  'downsample',
  'Low resolution: each axis averaged down by factor (n -> round(n / factor) voxels) and linearly interpolated back to n.',
  [1.5, 2, 2.5, 3, 4].map((factor) => ({ factor })),
  (hu, shape, _spacing, p) =>
    alongEachAxis(hu, (src, dst, axis) => applyAlongAxis(src, dst, shape, axis, downUpMatrix(shape[axis], p.factor))),
);
