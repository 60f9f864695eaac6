// File formats: NIfTI-1 (with its affine), NumPy .npy/.npz (zip reading, CRC-32, bounded inflation), PNG with
// the preview mosaic of generated volumes, DICOM series folders, readVolume (a NIfTI file or a DICOM folder)
// and the input limits every reader (and resampling) obeys.
export * from './input_limits';
export * from './dicom';
export * from './nifti';
export * from './nifti_affine';
export * from './npy';
export * from './npz';
export * from './png';
export * from './preview';
export * from './read_volume';
