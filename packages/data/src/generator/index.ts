// The synthetic generator: sample i of a split drawn from a spec (seeds, factor sampling) and rendered
// (anatomy, nodule, satellites, acquisition, noise) into a volume with its mask and label map.
export { sampleSeed } from './seed';
export { sampleFactors } from './sampler';
export type { SampledFactors } from './sampler';
export { applyWindow, sliceBlurSigma } from './acquisition';
export type { Window } from './acquisition';
export { marginWidthMm, AIR_HU, BLOOD_HU, CALCIUM_HU, GROUND_GLASS_HALO_HU, SOFT_TISSUE_HU } from './constants';
export * from './generator';
export * from './satellites';
