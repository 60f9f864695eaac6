// Sliding-window inference over a volume of any size with overlapping windows blended by a Gaussian importance
// map, as MONAI's sliding_window_inference; centre crop / pad (one implementation, in @nodulab/data) re-exported.
import { centerCropOrPad } from '@nodulab/data';

export { centerCropOrPad };

/** Options of {@link slidingWindow}. */
export interface SlidingWindowOptions {
  /** Fraction by which neighbouring windows overlap along each axis (default 0.25, MONAI's default), in [0, 1). */
  overlap?: number;
  /** Gaussian sigma as a fraction of the window size (default 0.125, MONAI's `sigma_scale`). */
  sigmaScale?: number;
  /** Windows per model call (default 4). */
  windowBatch?: number;
}

/**
 * Window starts along one axis of `size` voxels for windows of `roi` (MONAI's scan interval
 * ⌊roi·(1 − overlap)⌋, at least 1; the last window ends at the edge).
 */
export function windowStarts(size: number, roi: number, overlap: number): number[] {
  if (size <= roi) return [0];
  const step = Math.max(1, Math.floor(roi * (1 - overlap)));
  const starts: number[] = [];
  for (let s = 0; ; s += step) {
    starts.push(Math.min(s, size - roi));
    if (s + roi >= size) return starts;
  }
}

/**
 * The Gaussian importance map (D, H, W) of a window: exp(−d²/2σ²) per axis around voxel ⌊roi/2⌋ with
 * σ = sigmaScale·roi, largest value 1, floored at its smallest positive value (as MONAI).
 */
export function gaussianImportance(roi: readonly number[], sigmaScale: number): Float32Array {
  const g = roi.map((n) => {
    const sigma = Math.max(sigmaScale * n, 1e-6);
    const c = Math.floor(n / 2);
    return Float64Array.from({ length: n }, (_, i) => Math.exp(-((i - c) ** 2) / (2 * sigma * sigma)));
  });
  const out = new Float32Array(roi[0] * roi[1] * roi[2]);
  let t = 0;
  let min = Infinity;
  for (let z = 0; z < roi[0]; z++)
    for (let y = 0; y < roi[1]; y++)
      for (let x = 0; x < roi[2]; x++) {
        const v = g[0][z] * g[1][y] * g[2][x];
        out[t++] = v;
        if (v > 0 && v < min) min = v;
      }
  for (let i = 0; i < out.length; i++) if (out[i] < min) out[i] = min;
  return out;
}

/**
 * Per-voxel model outputs (K, D, H, W) for a whole volume v: (D, H, W) of any size: the volume is padded
 * with `padValue` (centred) to at least `roi` along each axis, covered by overlapping windows of `roi`,
 * each run through `run` (batch (n, 1, roi) → outputs (n, K, roi) as one Float32Array), blended with a
 * Gaussian importance map and cropped back. One window (a volume of exactly `roi`) gives its output as is.
 */
export async function slidingWindow(
  v: Float32Array,
  shape: readonly number[],
  roi: readonly number[],
  padValue: number,
  run: (batch: Float32Array, n: number) => Promise<Float32Array>,
  options: SlidingWindowOptions = {},
): Promise<{ output: Float32Array; channels: number; windows: number }> {
  const overlap = options.overlap ?? 0.25;
  const sigmaScale = options.sigmaScale ?? 0.125;
  const windowBatch = options.windowBatch ?? 4;
  if (!(overlap >= 0 && overlap < 1)) throw new Error(`slidingWindow: overlap must be in [0, 1), got ${overlap}`);
  if (!(sigmaScale > 0)) throw new Error(`slidingWindow: sigmaScale must be positive, got ${sigmaScale}`);
  if (!Number.isInteger(windowBatch) || windowBatch < 1)
    throw new Error(`slidingWindow: windowBatch must be a positive integer, got ${windowBatch}`);
  const padded = shape.map((n, k) => Math.max(n, roi[k]));
  const x = centerCropOrPad(v, shape, padded, padValue);
  const [PD, PH, PW] = padded;
  const [rd, rh, rw] = roi;
  const per = rd * rh * rw;
  const starts: number[][] = [];
  for (const z of windowStarts(PD, rd, overlap))
    for (const y of windowStarts(PH, rh, overlap))
      for (const w of windowStarts(PW, rw, overlap)) starts.push([z, y, w]);
  const single = starts.length === 1;
  const weight = single ? new Float32Array(per).fill(1) : gaussianImportance(roi, sigmaScale);
  let acc: Float64Array | null = null;
  let channels = 0;
  const norm = new Float64Array(PD * PH * PW);
  let single1: Float32Array | null = null;
  for (let b = 0; b < starts.length; b += windowBatch) {
    const group = starts.slice(b, b + windowBatch);
    const batch = new Float32Array(group.length * per);
    group.forEach(([z0, y0, x0], g) => {
      for (let z = 0; z < rd; z++)
        for (let y = 0; y < rh; y++) {
          const src = ((z0 + z) * PH + y0 + y) * PW + x0;
          batch.set(x.subarray(src, src + rw), g * per + (z * rh + y) * rw);
        }
    });
    const out = await run(batch, group.length);
    channels = out.length / (group.length * per);
    if (!Number.isInteger(channels) || channels < 1)
      throw new Error(
        `slidingWindow: the model gave ${out.length} values for ${group.length} windows of ${per} voxels`,
      );
    if (single) {
      single1 = out;
      break;
    }
    acc ??= new Float64Array(channels * PD * PH * PW);
    group.forEach(([z0, y0, x0], g) => {
      for (let z = 0; z < rd; z++)
        for (let y = 0; y < rh; y++)
          for (let xx = 0; xx < rw; xx++) {
            const r = (z * rh + y) * rw + xx;
            const t = ((z0 + z) * PH + y0 + y) * PW + x0 + xx;
            const wgt = weight[r];
            norm[t] += wgt;
            for (let k = 0; k < channels; k++) acc![k * PD * PH * PW + t] += wgt * out[(g * channels + k) * per + r];
          }
    });
  }
  const full = new Float32Array(channels * PD * PH * PW);
  if (single1) full.set(single1.subarray(0, full.length));
  else for (let i = 0; i < full.length; i++) full[i] = acc![i] / norm[i % (PD * PH * PW)];
  if (padded.every((n, k) => n === shape[k])) return { output: full, channels, windows: starts.length };
  const voxels = shape[0] * shape[1] * shape[2];
  const output = new Float32Array(channels * voxels);
  for (let k = 0; k < channels; k++)
    output.set(centerCropOrPad(full.subarray(k * PD * PH * PW, (k + 1) * PD * PH * PW), padded, shape, 0), k * voxels);
  return { output, channels, windows: starts.length };
}
