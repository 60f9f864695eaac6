// ModelWorker: a worker thread that owns a replica of a module whose weights are shared with the
// main thread's module (SharedArrayBuffer), and runs synchronous tasks on it behind Promises.
//
// Why a worker thread and not one Napi::AsyncWorker per kernel: a training step is ~100 kernel calls
// with autograd bookkeeping, optimizer and loss code in JavaScript between them, and the JavaScript
// graph code is synchronous. Kernels off the JS thread would still leave that JavaScript, plus the
// allocations of every activation, on it; making each op awaitable would double the op layer. A
// worker thread runs the very same synchronous code (same kernels, same order, same thread count, so
// results are bit-identical to the synchronous API) while the main thread only posts the batch and
// awaits the reply: its event loop stays free for the whole step. The addon is a Node-API module
// (context-aware); its kernel registry is filled once per process and its thread pool runs one
// parallel region at a time for all callers, so the main thread and workers can share it.
import * as path from 'path';
import type { Worker } from 'worker_threads';
import { getNumThreads } from '@nodulab/tensor';
import { startModuleWorker } from '@nodulab/platform';
import type { Module } from '../module';
import { shareState } from './shared_state';
import type { WorkerData, WorkerReply, WorkerRequest } from './protocol';

/** Options of {@link ModelWorker.start}. */
export interface ModelWorkerOptions {
  /**
   * Absolute path of the module whose `createWorkerTasks(setup)` builds the replica and its tasks, e.g.
   * `path.join(__dirname, 'my_tasks' + path.extname(__filename))` (a .ts file runs transpiled).
   */
  tasksModule: string;
  /** Passed to `createWorkerTasks` (structured-cloneable, e.g. a model spec or a run config). */
  setup: unknown;
  /** Stop the thread after this many ms without a request (default: never); `onIdleClose` is then called. */
  idleTimeoutMs?: number;
  onIdleClose?: () => void;
}

/** The file of this package's worker module `name` (beside this one, .js or .ts as this file). */
export function nnWorkerModule(name: string): string {
  return path.join(__dirname, `${name}${path.extname(__filename)}`);
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; task: string };

/**
 * Runs tasks on a replica of `module` in a worker thread; `module`'s parameters and buffers move to
 * shared memory, so updates on either side (an optimizer step here, running statistics there) are
 * seen by the other. Requests run one at a time, in order. Do not change the shared tensors on the
 * main thread while a request is in flight. The thread does not keep the process alive while idle.
 *
 * @example
 * const w = await ModelWorker.start(model, { tasksModule, setup: model.spec });
 * const out = await w.run('forward', { ... });
 * await w.close();
 */
export class ModelWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly options: ModelWorkerOptions,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`ModelWorker: the worker thread exited (code ${code})`)));
  }

  /** Shares `module`'s state, starts the thread and resolves once the replica holds the shared weights. */
  static start(module: Module, options: ModelWorkerOptions): Promise<ModelWorker> {
    const data: WorkerData = {
      tasksModule: options.tasksModule,
      setup: options.setup,
      state: shareState(module),
      numThreads: getNumThreads(),
    };
    const worker = startModuleWorker(__dirname, path.extname(__filename), 'worker_main', { ...data });
    const w = new ModelWorker(worker, options);
    return new Promise((resolve, reject) => {
      w.pending.set(0, { resolve: () => resolve(w), reject, task: 'start' });
    });
  }

  /** Runs `task` on the replica; resolves with its value or rejects with its error (same message). */
  run<R>(task: string, payload: unknown, transfer: ArrayBuffer[] = []): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const req: WorkerRequest = { id, task, payload };
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.worker.ref();
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, task });
      this.worker.postMessage(req, transfer);
    });
  }

  /** Stops the thread (pending requests reject). */
  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.failure) return;
    this.failure = new Error('ModelWorker: closed');
    await this.worker.terminate();
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.idle();
    if (reply.ok) p.resolve(reply.value);
    else {
      const e = new Error(reply.error.message);
      e.name = reply.error.name;
      e.stack = `${e.name}: ${e.message}\n    (in the worker thread, task "${p.task}")\n${reply.error.stack}`;
      p.reject(e);
    }
  }

  /** No request in flight: the thread no longer keeps the process alive, and may stop after a while. */
  private idle(): void {
    this.worker.unref();
    const ms = this.options.idleTimeoutMs;
    if (ms === undefined || this.failure) return;
    this.idleTimer = setTimeout(() => {
      this.options.onIdleClose?.();
      void this.close();
    }, ms);
    this.idleTimer.unref();
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
