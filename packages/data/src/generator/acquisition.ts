// Acquisition effects on hu: (D, H, W): slice-thickness blur (through-plane), contrast gain, image
// noise with in-plane correlation ("noise texture"), and the window that maps HU to [0, 1].
import { Generator, native } from '@nodulab/tensor';
import { convolveAxis, fillNormal, gaussianKernel } from './noise';

// Module-level aliases: hot loops avoid global lookups (slow inside vm contexts such as jest).
const { sqrt } = Math;

/** FWHM / sigma of a Gaussian. */
const FWHM_PER_SIGMA = 2 * sqrt(2 * Math.log(2));

/**
 * The through-plane Gaussian sigma (in slices) that turns slices of the z spacing into slices of
 * `thicknessMm` FWHM: sqrt(thickness^2 - spacing^2) / 2.355 / spacing; 0 when thickness <= spacing.
 */
export function sliceBlurSigma(thicknessMm: number, spacingZ: number): number {
  const extra = thicknessMm * thicknessMm - spacingZ * spacingZ;
  return extra > 0 ? sqrt(extra) / FWHM_PER_SIGMA / spacingZ : 0;
}

/** Blurs `hu` along z for a slice thickness of `thicknessMm` (in place, using `scratch` of equal length). */
export function applySliceThickness(
  hu: Float32Array,
  scratch: Float32Array,
  shape: readonly number[],
  spacingZ: number,
  thicknessMm: number,
): void {
  const sigma = sliceBlurSigma(thicknessMm, spacingZ);
  if (sigma < 0.05) return;
  convolveAxis(hu, scratch, shape, 0, gaussianKernel(sigma));
  hu.set(scratch);
}

/** HU' = level + gain * (HU - level), in place. */
export function applyContrast(hu: Float32Array, level: number, gain: number): void {
  if (gain === 1) return;
  for (let i = 0; i < hu.length; i++) hu[i] = level + gain * (hu[i] - level);
}

/** The 1-tap filter: no smoothing along an axis. */
const IDENTITY_TAP = Float32Array.of(1);
/** White noise with the filter's margins, reused across calls (grown as needed; one per thread). */
let whiteBuffer = new Float32Array(0);

/**
 * Adds noise of standard deviation `std` HU: white Gaussian noise, smoothed in-plane (y and x) by a
 * Gaussian of sigma `correlationMm` and rescaled back to `std` (so the texture changes, not the level).
 * The white noise is drawn with a margin of the kernel radius on each in-plane side and filtered
 * without padding (native AddCorrelatedNoise), so the noise is stationary up to the borders.
 */
export function addNoise(
  hu: Float32Array,
  shape: readonly number[],
  spacing: readonly number[],
  std: number,
  correlationMm: number,
  gen: Generator,
): void {
  if (std <= 0) return;
  const [D, H, W] = shape;
  const sigmaY = correlationMm / spacing[1],
    sigmaX = correlationMm / spacing[2];
  const ky = sigmaY < 0.05 ? IDENTITY_TAP : gaussianKernel(sigmaY);
  const kx = sigmaX < 0.05 ? IDENTITY_TAP : gaussianKernel(sigmaX);
  const n = D * (H + ky.length - 1) * (W + kx.length - 1);
  if (whiteBuffer.length < n) whiteBuffer = new Float32Array(n);
  const white = whiteBuffer.subarray(0, n);
  fillNormal(white, gen, 1);
  let energy = 0;
  for (let i = 0; i < ky.length; i++) for (let j = 0; j < kx.length; j++) energy += ky[i] * ky[i] * kx[j] * kx[j];
  native.addCorrelatedNoise(hu, [D, H, W], white, ky, kx, std / sqrt(energy));
}

/** An intensity window: HU in [center - width/2, center + width/2] maps linearly onto [0, 1]. */
export interface Window {
  center: number;
  width: number;
}

/** Maps HU to [0, 1] through `window` (values outside clamp to 0 or 1), in place. */
export function applyWindow(hu: Float32Array, window: Window): void {
  const lo = window.center - window.width / 2;
  const inv = 1 / window.width;
  for (let i = 0; i < hu.length; i++) {
    const v = (hu[i] - lo) * inv;
    hu[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}
