// @nodulab/data: synthetic CT lung-nodule volumes with controlled, recorded factors of variation,
// distribution specs with shortcuts and label rules, presets, and NIfTI-1 files.
export * as schema from './schema';
export * from './factors';
export * from './distribution';
export * from './rule';
export * from './spec';
export * from './presets';
export * from './spec_ref';
export { sampleSeed } from './seed';
export { sampleFactors } from './sampler';
export type { SampledFactors } from './sampler';
export { applyWindow, sliceBlurSigma } from './acquisition';
export type { Window } from './acquisition';
export { marginWidthMm, AIR_HU, BLOOD_HU, CALCIUM_HU, GROUND_GLASS_HALO_HU, SOFT_TISSUE_HU } from './constants';
export * from './generator';
export * from './nifti';
export * from './nifti_affine';
export * from './npy';
export * from './npz';
export * from './png';
export * from './preview';
export * from './parallel';
export * from './dataset';
export * from './loader';
export * from './augment';
export * from './distort';
export * from './reorient';
export * from './resample';
