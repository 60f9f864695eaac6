// One entry for "a volume a user points at": a NIfTI file (.nii / .nii.gz) or a folder holding one DICOM series,
// read into the same volume type with its RAS affine, so every command that takes a scan takes either.
import * as fs from 'fs';
import { DicomReadOptions, DicomSeriesVolume, readDicomSeries } from './read_dicom_series';
import { NiftiVolume, readNifti } from '../formats/nifti';

/**
 * Reads `target`: a folder → {@link readDicomSeries} (with `options.series` when it holds several), else a
 * NIfTI-1 file → `readNifti`. Errors name the path; the input limits of `options` bound both.
 *
 * @example
 * const scan = readVolume(process.argv[2]); // ct.nii.gz or a DICOM series folder
 */
export function readVolume(target: string, options: DicomReadOptions = {}): NiftiVolume | DicomSeriesVolume {
  let folder = false;
  try {
    folder = fs.statSync(target).isDirectory();
  } catch {
    // readNifti names the path in its own error
  }
  if (folder) return readDicomSeries(target, options);
  const { maxVoxels, maxDecodedBytes, maxNpzEntries } = options;
  const limits = Object.fromEntries(
    Object.entries({ maxVoxels, maxDecodedBytes, maxNpzEntries }).filter(([, v]) => v !== undefined),
  );
  return readNifti(target, limits);
}
