// The loader side of prefetching: one worker thread (started by startWorker) that runs batch jobs in
// the order they are sent while this thread trains; holds the event loop open only while jobs are out.
import type { Worker } from 'worker_threads';
import type { DatasetRecipe } from '../dataset/dataset';
import { startWorker } from '../parallel/worker';
import type { Batch } from './collate';
import { BatchJob, PlainBatch, fromPlain } from './job';
import type { AugmentPlan } from './transform';

interface Reply {
  id: number;
  batch?: PlainBatch;
  error?: string;
}

/** A worker thread that prepares batches of one dataset. */
export class Prefetcher {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (b: Batch) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;

  constructor(
    private readonly name: string,
    recipe: DatasetRecipe,
    masks: boolean,
    augment: AugmentPlan | null,
  ) {
    this.worker = startWorker('../loader/prefetch_worker', { recipe, masks, augment });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (p === undefined) return;
      this.settled(r.id);
      if (r.error !== undefined) p.reject(new Error(r.error));
      else p.resolve(fromPlain(r.batch as PlainBatch));
    });
    this.worker.on('error', (e) =>
      this.fail(new Error(`DataLoader ${this.name}: the prefetch worker failed: ${e.message}`)),
    );
    this.worker.on('exit', (code) =>
      this.fail(new Error(`DataLoader ${this.name}: the prefetch worker exited (code ${code})`)),
    );
  }

  /** Sends a job; resolves with its batch (jobs run one at a time, in the order sent). */
  request(job: BatchJob): Promise<Batch> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    const done = new Promise<Batch>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) this.worker.ref();
    this.worker.postMessage({ id, job });
    return done;
  }

  /** Stops the worker; jobs still out reject. */
  async close(): Promise<void> {
    this.fail(new Error(`DataLoader ${this.name}: closed`));
    await this.worker.terminate();
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const [id, p] of [...this.pending]) {
      this.settled(id);
      p.reject(this.failure);
    }
  }
}
