// Training augmentations: seeded, recorded, replayable pipelines on volumes (D, H, W) with masks,
// batch and two-view (contrastive) helpers, and boxes that move with the volume.
export * from './types';
export * from './config';
export { Compose, replay } from './pipeline';
export { flipVolume, rot90Volume, affineVolume, cropPad, permuteFlip } from './spatial';
export { centerCropOrPad } from './center_crop';
export type { Voxels } from './spatial';
export { scaleShift, addGaussianNoise } from './intensity';
export * from './batch';
export { BOX_PRESERVING_OPS, boxThroughRecord, checkBoxPreserving, pointThroughRecord } from './boxes';
