// Volume geometry: reorientation to RAS, resampling to another voxel size (trilinear or nearest), and both
// at once for a scan (resampleToRas).
export * from './reorient';
export * from './resample';
export * from './ras_grid';
