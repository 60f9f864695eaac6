// ForwardWorker: a model's forward pass on a worker thread, for whoever holds the model (a predictor, a
// benchmark); the model itself knows nothing of threads. runForward is the request any thread serving nn's
// 'forward' task answers, e.g. a training run's step thread.
import * as path from 'path';
import { Tensor, getNumThreads } from '@nodulab/tensor';
import { startModuleWorker } from '@nodulab/platform';
import type { Model, ModelOutput } from '../models/model';
import type { ForwardRequest, ForwardThreadData, TensorMessage } from './forward_tasks';
import { shareState } from './shared_state';
import { TaskWorker, TaskWorkerOptions } from './task_worker';

/** A model's forward pass up to an output, without blocking the event loop (e.g. a {@link ForwardWorker}'s). */
export type AsyncForward = (x: Tensor, output: ModelOutput) => Promise<Tensor>;

/**
 * Runs `model`'s forward pass up to `output` as nn's 'forward' task on `worker`, whose replica shares the
 * model's memory: like `noGrad(() => model.forwardTo(x, output))` and bit-identical to it, in the model's
 * current mode. Throws, naming the model, on a bad input or output before anything is posted.
 */
export async function runForward(
  worker: TaskWorker,
  model: Model,
  x: Tensor,
  output: ModelOutput = 'logits',
): Promise<Tensor> {
  model.checkForward(x, output);
  const data = x.data.slice();
  const req: ForwardRequest = { x: { data, shape: [...x.shape] }, output, training: model.training };
  const y = await worker.run<TensorMessage>('forward', req, [data.buffer]);
  return new Tensor(y.data, y.shape);
}

/**
 * Starts a thread serving nn's 'forward' task on a replica built from `model.spec`; `model`'s parameters and
 * buffers move to shared memory (same Tensor objects, new `.data` views), so updates on either side are seen
 * by the other. A pruned model's replica is pruned alike.
 */
export function startForwardThread(model: Model, options: TaskWorkerOptions = {}): Promise<TaskWorker> {
  const data: ForwardThreadData = { spec: model.spec, state: shareState(model), numThreads: getNumThreads() };
  return TaskWorker.start(startModuleWorker(__dirname, path.extname(__filename), 'forward_main', { ...data }), options);
}

/** Options of {@link ForwardWorker}. */
export interface ForwardWorkerOptions {
  /** Stop the thread after this many ms without a call (default 10,000); the next call starts a new one. */
  idleTimeoutMs?: number;
}

/** The workers of {@link ForwardWorker.of}, by model (held weakly: a worker goes with its model). */
const sharedWorkers = new WeakMap<Model, ForwardWorker>();

/**
 * The forward pass of a model it is given, on a worker thread holding a replica that shares the model's
 * weights and buffers (they move to shared memory on the first call). Forward hooks and Dropout masks are the
 * replica's, not the model's. Do not change the weights while a call is in flight. The thread starts at the
 * first call, stops after 10 s idle or at {@link close} (a later call starts it again), and never keeps the
 * process alive.
 *
 * @example
 * const worker = new ForwardWorker(model);
 * const logits = await worker.forward(x);
 * await worker.close();
 */
export class ForwardWorker {
  private thread: Promise<TaskWorker> | null = null;

  /**
   * The ForwardWorker of `model` that every caller of `of(model)` shares (made by the first call, with the
   * default options), so that several predictors of one model run on one thread.
   */
  static of(model: Model): ForwardWorker {
    let w = sharedWorkers.get(model);
    if (!w) sharedWorkers.set(model, (w = new ForwardWorker(model)));
    return w;
  }

  constructor(
    readonly model: Model,
    private readonly options: ForwardWorkerOptions = {},
  ) {}

  /**
   * The model's output up to `output` (default 'logits') for x, off the event loop's thread: like
   * `noGrad(() => model.forwardTo(x, output))` and bit-identical to it (same kernels, same thread count), in
   * the model's current mode.
   */
  async forward(x: Tensor, output: ModelOutput = 'logits'): Promise<Tensor> {
    this.model.checkForward(x, output);
    return runForward(await this.started(), this.model, x, output);
  }

  /** Stops the thread, if one was started. */
  async close(): Promise<void> {
    const t = this.thread;
    this.thread = null;
    const w = await t?.catch(() => null); // a thread that failed to start left nothing to stop
    await w?.close();
  }

  private started(): Promise<TaskWorker> {
    this.thread ??= startForwardThread(this.model, {
      idleTimeoutMs: this.options.idleTimeoutMs ?? 10_000,
      onIdleClose: () => (this.thread = null),
    }).catch((e: Error) => {
      this.thread = null; // a thread that failed to start is tried again at the next call
      throw e;
    });
    return this.thread;
  }
}
