// The messages between a TaskWorker and its thread, and what a task is: nothing here knows which tasks a
// thread serves or how it builds what they run on.

/** What a task returns: a structured-cloneable value and the ArrayBuffers to move instead of copy. */
export interface TaskResult<R = unknown> {
  value: R;
  transfer?: ArrayBuffer[];
}

/** A synchronous function a worker thread runs for each request naming it. */
export type WorkerTask = (payload: unknown) => TaskResult;

/** The tasks a thread serves, by name. */
export type WorkerTasks = Record<string, WorkerTask>;

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
