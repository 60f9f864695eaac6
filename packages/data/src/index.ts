// @nodulab/data: synthetic CT lung-nodule volumes with controlled, recorded factors of variation,
// distribution specs with shortcuts and label rules, presets, NIfTI-1 files and DICOM series in.
export * as schema from './schema';
export * from './spec';
export * from './generator';
export * from './formats';
export * from './parallel';
export * from './dataset';
export * from './loader';
export * from './augment';
export * from './distort';
export * from './volume';
export * from './dicom';
