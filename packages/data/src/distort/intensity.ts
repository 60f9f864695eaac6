// Intensity distortions in HU: quantum (white Gaussian) noise, contrast loss, a global HU shift and a
// smooth multiplicative bias field on attenuation (HU + 1000).
import { AIR_HU } from '../generator/constants';
import { addValueNoise, fillNormal } from '../generator/noise';
import { Distortion, defineDistortion } from './types';

/** White Gaussian noise of `stdHU`. */
export const gaussianNoise: Distortion = defineDistortion(
  'gaussian-noise',
  'Quantum noise (low dose): white Gaussian noise of standard deviation stdHU added to every voxel.',
  [20, 40, 70, 110, 160].map((stdHU) => ({ stdHU })),
  (hu, _shape, _spacing, p, g) => {
    const n = new Float32Array(hu.length);
    fillNormal(n, g, p.stdHU);
    for (let i = 0; i < hu.length; i++) hu[i] += n[i];
  },
);

/** Contrast loss: HU' = mean + gain * (HU - mean). */
export const contrast: Distortion = defineDistortion(
  'contrast',
  "Contrast loss (a wider window / lower kV contrast): every voxel pulled toward the volume mean, HU' = mean + gain * (HU - mean).",
  [0.75, 0.6, 0.45, 0.3, 0.15].map((gain) => ({ gain })),
  (hu, _shape, _spacing, p) => {
    let mean = 0;
    for (let i = 0; i < hu.length; i++) mean += hu[i];
    mean /= hu.length;
    for (let i = 0; i < hu.length; i++) hu[i] = mean + p.gain * (hu[i] - mean);
  },
);

/** A global offset of `shiftHU` with a random sign. */
export const huShift: Distortion = defineDistortion(
  'hu-shift',
  'Calibration shift: every voxel offset by shiftHU, with a sign drawn from the generator (+ or - with probability 1/2).',
  [30, 60, 100, 150, 220].map((shiftHU) => ({ shiftHU })),
  (hu, _shape, _spacing, p, g) => {
    const d = g.uniform() < 0.5 ? -p.shiftHU : p.shiftHU;
    for (let i = 0; i < hu.length; i++) hu[i] += d;
  },
);

/** Lattice spacing of the bias field's smooth variation, mm. */
export const BIAS_FIELD_CELL_MM = 24;

/** Attenuation times exp(logStd * f), f smooth unit-std noise. */
export const biasField: Distortion = defineDistortion(
  'bias-field',
  `Smooth gain on attenuation (beam hardening / cupping-like): HU' = -1000 + (HU + 1000) * exp(logStd * f), f smooth noise of unit std on a ${BIAS_FIELD_CELL_MM} mm lattice.`,
  [0.04, 0.08, 0.12, 0.18, 0.25].map((logStd) => ({ logStd })),
  (hu, shape, spacing, p, g) => {
    const f = new Float32Array(hu.length);
    addValueNoise(f, shape, spacing, BIAS_FIELD_CELL_MM, 1, g);
    for (let i = 0; i < hu.length; i++) hu[i] = AIR_HU + (hu[i] - AIR_HU) * Math.exp(p.logStd * f[i]);
  },
);
