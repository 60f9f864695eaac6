// File formats: NIfTI-1 (with its affine), NumPy .npy/.npz (zip reading, CRC-32, bounded inflation) and
// PNG with the preview mosaic of generated volumes; the input limits every reader (and resampling) obeys.
// (DICOM series, which need the volume folder's reorientation, live in ../dicom.)
export * from './input_limits';
export * from './nifti';
export * from './nifti_affine';
export * from './npy';
export * from './npz';
export * from './png';
export * from './preview';
