// DataLoader (as torch.utils.data.DataLoader): batches of a Dataset per epoch — in order or shuffled by
// a seeded generator, optionally without a short last batch, through an optional transform — made on
// this thread or prefetched by a worker thread, with the same bytes either way.
import { Generator as RandomGenerator } from '@nodulab/tensor';
import type { Dataset } from '../dataset/dataset';
import { sampleSeed } from '../generator/seed';
import type { Batch } from './collate';
import { BatchJob, runJob } from './job';
import { Prefetcher } from './prefetch';
import { randperm, splitBatches } from './shuffle';
import { BatchContext, BatchTransform, PreparedAugment } from './transform';

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Items per batch. */
  batchSize: number;
  /** Shuffle the order every epoch (default false: items in dataset order). */
  shuffle?: boolean;
  /**
   * Seed of the default shuffle generator: epoch e draws from `new Generator(sampleSeed(seed, 'order', e))` (default
   * 0).
   */
  seed?: number;
  /** The generator that shuffles epoch `epoch` (replaces `seed`). */
  generator?: (epoch: number) => RandomGenerator;
  /** Drop a last batch smaller than batchSize, unless it is the epoch's only batch (default false). */
  dropLast?: boolean;
  /** Include masks: (N, 1, D, H, W) (default false). */
  masks?: boolean;
  /** Augmentation (runs in the prefetch worker too) or a function of each batch (this thread only). */
  transform?: BatchTransform;
  /**
   * Batches prepared ahead by a worker thread while the caller works (default 0: every batch is made
   * on this thread when asked for). Needs a dataset with a recipe and no function transform.
   */
  prefetch?: number;
}

/**
 * Iterates a Dataset in batches. `for (const b of loader)` runs epoch 0 on this thread;
 * `for await (const b of loader.iter(epoch))` also uses the prefetch worker when there is one. Call
 * `close()` when done with a prefetching loader (an idle worker never keeps the process alive).
 *
 * @example
 * const loader = new DataLoader(train, { batchSize: 32, shuffle: true, seed: 0, dropLast: true, prefetch: 2 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for await (const { x, labels } of loader.iter(epoch)) { ... }   // x: (32, 1, D, H, W)
 * }
 * await loader.close();
 */
export class DataLoader implements Iterable<Batch>, AsyncIterable<Batch> {
  readonly batchSize: number;
  private readonly masks: boolean;
  private readonly augment: PreparedAugment | null;
  private prefetcher: Prefetcher | null = null;

  constructor(
    readonly dataset: Dataset,
    private readonly options: DataLoaderOptions,
  ) {
    const { batchSize, prefetch = 0, transform } = options;
    const fail = (message: string): never => {
      throw new Error(`DataLoader ${dataset.name}: ${message}`);
    };
    if (!Number.isInteger(batchSize) || batchSize < 1) fail(`batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(prefetch) || prefetch < 0) fail(`prefetch must be a non-negative integer, got ${prefetch}`);
    this.batchSize = batchSize;
    this.masks = options.masks ?? false;
    if (this.masks && !dataset.hasMasks) fail('masks asked for, but the dataset has none');
    const augment = transform === undefined || typeof transform === 'function' ? null : transform;
    this.augment =
      augment === null ? null : new PreparedAugment({ config: augment.pipeline.config, views: augment.views });
    if (prefetch > 0 && typeof transform === 'function')
      fail('a function transform cannot run in a prefetch worker; use an AugmentTransform or prefetch 0');
    if (prefetch > 0 && dataset.recipe() === null)
      fail('this dataset cannot be reopened in a prefetch worker (no recipe); use prefetch 0');
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    if (n === 0) return 0;
    return this.options.dropLast ? Math.max(1, Math.floor(n / this.batchSize)) : Math.ceil(n / this.batchSize);
  }

  /** The dataset positions of each batch of `epoch`. */
  batchIndices(epoch = 0): number[][] {
    const n = this.dataset.length;
    const o = this.options;
    const generator = (): RandomGenerator =>
      o.generator ? o.generator(epoch) : new RandomGenerator(sampleSeed(o.seed ?? 0, 'order', epoch));
    const order = o.shuffle ? randperm(n, generator()) : Array.from({ length: n }, (_, i) => i);
    return splitBatches(order, this.batchSize, o.dropLast ?? false);
  }

  /** The batches of `epoch`, made on this thread. */
  *batches(epoch = 0): Generator<Batch> {
    const all = this.batchIndices(epoch);
    for (let step = 0; step < all.length; step++) {
      const b = runJob(this.dataset, this.job(all[step], { epoch, step }), this.masks, this.augment);
      const t = this.options.transform;
      yield typeof t === 'function' ? t(b, { epoch, step }) : b;
    }
  }

  /** The batches of `epoch`, from the prefetch worker when `prefetch` > 0 (the same bytes as `batches`). */
  async *iter(epoch = 0): AsyncGenerator<Batch> {
    const ahead = this.options.prefetch ?? 0;
    if (ahead === 0) {
      yield* this.batches(epoch);
      return;
    }
    const all = this.batchIndices(epoch);
    const worker = this.worker();
    const queue: Promise<Batch>[] = [];
    let sent = 0;
    try {
      for (let step = 0; step < all.length; step++) {
        while (sent < all.length && queue.length < ahead) {
          queue.push(worker.request(this.job(all[sent], { epoch, step: sent })));
          sent++;
        }
        yield await (queue.shift() as Promise<Batch>);
      }
    } finally {
      for (const p of queue) p.catch(() => undefined); // left unread when the caller stops early
    }
  }

  [Symbol.iterator](): Iterator<Batch> {
    return this.batches(0);
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.iter(0);
  }

  /** Stops the prefetch worker, if one was started (a later `iter` starts a new one). */
  async close(): Promise<void> {
    const p = this.prefetcher;
    this.prefetcher = null;
    await p?.close();
  }

  private job(indices: number[], at: BatchContext): BatchJob {
    const t = this.options.transform;
    return { indices, seed: t !== undefined && typeof t !== 'function' ? t.seed(at.epoch, at.step) : 0 };
  }

  private worker(): Prefetcher {
    this.prefetcher ??= new Prefetcher(
      this.dataset.name,
      this.dataset.recipe()!,
      this.masks,
      this.augment?.plan ?? null,
    );
    return this.prefetcher;
  }
}
