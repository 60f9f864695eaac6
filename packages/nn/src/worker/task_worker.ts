// TaskWorker: the main thread's side of a worker thread that serves synchronous tasks (serveTasks), each
// request behind a Promise. Whoever starts the thread owns it and says what it runs: nn's ForwardWorker a
// model's forward pass, @nodulab/train its training steps.
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
import type { Worker } from 'worker_threads';
import type { WorkerReply, WorkerRequest } from './protocol';

/** Options of {@link TaskWorker.start}. */
export interface TaskWorkerOptions {
  /** Stop the thread after this many ms without a request (default: never); `onIdleClose` is then called. */
  idleTimeoutMs?: number;
  onIdleClose?: () => void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; task: string };

/**
 * Runs tasks on a worker thread that serves them with {@link serveTasks}. Requests run one at a time, in
 * order. The thread does not keep the process alive while idle.
 *
 * @example
 * const w = await TaskWorker.start(startModuleWorker(__dirname, path.extname(__filename), 'my_thread', data));
 * const out = await w.run('forward', { ... });
 * await w.close();
 */
export class TaskWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly options: TaskWorkerOptions,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`TaskWorker: the worker thread exited (code ${code})`)));
  }

  /**
   * Takes over `worker` (just started, on a module that calls serveTasks) and resolves once its tasks are
   * served; rejects with the thread's error when it fails before.
   */
  static start(worker: Worker, options: TaskWorkerOptions = {}): Promise<TaskWorker> {
    const w = new TaskWorker(worker, options);
    return new Promise((resolve, reject) => {
      w.pending.set(0, { resolve: () => resolve(w), reject, task: 'start' });
    });
  }

  /** Runs `task`; resolves with its value or rejects with its error (same message). */
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
    this.failure = new Error('TaskWorker: closed');
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
