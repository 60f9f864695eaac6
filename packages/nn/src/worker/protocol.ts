// The messages between a ModelWorker and its thread, and the shape of a tasks module.
import type { Module } from '../module';
import type { SharedState } from './shared_state';

/** What a task returns: a structured-cloneable value and the ArrayBuffers to move instead of copy. */
export interface TaskResult<R = unknown> {
  value: R;
  transfer?: ArrayBuffer[];
}

/** A synchronous function the worker thread runs on its replica for each request. */
export type WorkerTask = (payload: unknown) => TaskResult;

/**
 * A module loadable in the worker (by absolute path): `createWorkerTasks(setup)` builds the replica
 * (the same architecture, and for stochastic layers the same generators, as the module shared from the
 * main thread) and the tasks that run on it.
 */
export interface WorkerTasksModule {
  createWorkerTasks(setup: unknown): { model: Module; tasks: Record<string, WorkerTask> };
}

/** workerData of the thread. */
export interface WorkerData {
  tasksModule: string;
  setup: unknown;
  state: SharedState;
  numThreads: number;
}

/** A request to run `task` (ids start at 1; 0 is the ready message). */
export interface WorkerRequest {
  id: number;
  task: string;
  payload: unknown;
}

/** The answer to request `id`. */
export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; name: string; stack: string } };
