// Volume geometry: reorientation to RAS and resampling to another voxel size (trilinear or nearest).
export * from './reorient';
export * from './resample';
