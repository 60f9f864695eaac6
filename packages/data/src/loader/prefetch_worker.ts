// The prefetch worker of a DataLoader: reopens the dataset from its recipe and builds the augmentation
// once (workerData), then answers each {id, job} with the batch from runJob, transferring its buffers.
import { parentPort, workerData } from 'worker_threads';
import type { DatasetRecipe } from '../dataset/dataset';
import { openRecipe } from '../dataset/recipe';
import { BatchJob, runJob, toPlain } from './job';
import { AugmentPlan, PreparedAugment } from './transform';

const data = workerData as { recipe: DatasetRecipe; masks: boolean; augment: AugmentPlan | null };
const dataset = openRecipe(data.recipe);
const augment = data.augment === null ? null : new PreparedAugment(data.augment);
parentPort?.on('message', ({ id, job }: { id: number; job: BatchJob }) => {
  try {
    const { batch, transfer } = toPlain(runJob(dataset, job, data.masks, augment));
    parentPort?.postMessage({ id, batch }, transfer);
  } catch (e) {
    parentPort?.postMessage({ id, error: (e as Error).message });
  }
});
