// Batching a Dataset: the one collate, the one seeded shuffle, batch transforms and the DataLoader
// with optional worker-thread prefetch.
export { collate, fetchBatch } from './collate';
export type { Batch } from './collate';
export { randperm, splitBatches } from './shuffle';
export type { AugmentTransform, BatchContext, BatchFunction, BatchTransform } from './transform';
export { DataLoader } from './data_loader';
export type { DataLoaderOptions } from './data_loader';
