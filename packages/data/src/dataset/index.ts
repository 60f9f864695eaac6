// Dataset folders (manifest + NIfTI or .npz volumes), MedMNIST .npz files, and batching either into
// (N, 1, D, H, W) tensors; openDataset picks the reader from the path.
import * as fs from 'fs';
import { readMedMNIST } from './medmnist';
import { DatasetFolder } from './reader';
import type { VolumeDataset } from './volume_dataset';

export * from './manifest';
export * from './volume_dataset';
export { DatasetFolder, readManifest } from './reader';
export { NpzVolumeDataset, readMedMNIST, MEDMNIST_SPLITS } from './medmnist';
export { DatasetWriter, writeDataset, checkOutput, partialPath } from './writer';
export type { DatasetWriterOptions, WriteDatasetOptions } from './writer';

/**
 * Opens a dataset for training: a folder written by `nodulab generate` (its manifest.json), or an
 * .npz in the MedMNIST layout (`split`: 'train' | 'val' | 'test', default 'train').
 */
export function openDataset(source: string, options: { split?: string } = {}): VolumeDataset {
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
