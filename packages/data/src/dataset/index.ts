// Datasets: the map-style Dataset interface and its implementations — synthetic on the fly, dataset
// folders (manifest + NIfTI or .npz), MedMNIST .npz, scans folders (DICOM series / NIfTI + labels.csv), in
// memory, subsets, concatenations; openDataset picks the reader.
import * as fs from 'fs';
import { NpzVolumeDataset, readMedMNIST } from './medmnist';
import { DatasetFolder } from './reader';

export * from './manifest';
export * from './dataset';
export { DatasetFolder, readManifest } from './reader';
export { NpzVolumeDataset, readMedMNIST, MEDMNIST_SPLITS } from './medmnist';
export { SyntheticDataset, sampleItem } from './synthetic';
export type { SyntheticOptions } from './synthetic';
export { InMemoryDataset } from './memory';
export { ScanFolderDataset } from './scan_folder';
export type { ScanFolderOptions } from './scan_folder';
export { readScanLabels } from './scan_labels';
export type { ScanLabel } from './scan_labels';
export type { InMemoryArrays } from './memory';
export { Subset, range } from './subset';
export { ConcatDataset } from './concat';
export { openRecipe } from './recipe';
export { DatasetWriter, writeDataset } from './writer';
export type { DatasetWriterOptions, WriteDatasetOptions } from './writer';

/**
 * Opens a dataset file or folder: a folder written by `nodulab generate` (its manifest.json), or an
 * .npz in the MedMNIST layout (`split`: 'train' | 'val' | 'test', default 'train').
 */
export function openDataset(source: string, options: { split?: string } = {}): DatasetFolder | NpzVolumeDataset {
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch (e) {
    throw new Error(`openDataset ${source}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) return new DatasetFolder(source);
  if (source.endsWith('.npz')) return readMedMNIST(source, options.split ?? 'train');
  throw new Error(`openDataset ${source}: expected a dataset folder (with manifest.json) or a MedMNIST .npz file`);
}
