// Starts a worker thread on one of this package's modules (see startModuleWorker in @nodulab/platform).
import * as path from 'path';
import type { Worker } from 'worker_threads';
import { startModuleWorker } from '@nodulab/platform';

/**
 * A Worker running module `entry` (a path relative to this folder, without extension, e.g.
 * 'parallel_worker' or '../loader/prefetch_worker') with `workerData`.
 */
export function startWorker(entry: string, workerData: Record<string, unknown>): Worker {
  return startModuleWorker(__dirname, path.extname(__filename), entry, workerData);
}
