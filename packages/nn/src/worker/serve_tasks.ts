// The thread side of a TaskWorker: answers { id, task, payload } requests one at a time with the tasks it
// was given. The thread's entry module builds those tasks itself; this file loads nothing.
import type { MessagePort } from 'worker_threads';
import type { WorkerReply, WorkerRequest, WorkerTasks } from './protocol';

function errorReply(id: number, e: unknown): WorkerReply {
  const err = e instanceof Error ? e : new Error(String(e));
  return { id, ok: false, error: { message: err.message, name: err.name, stack: err.stack ?? '' } };
}

/**
 * Serves `tasks` on `port` (a worker thread's `parentPort`) and tells the main thread's TaskWorker that the
 * thread is ready. A task that throws answers with its error; an unknown task name is an error too.
 *
 * @example
 * // my_thread.ts, started with startModuleWorker and wrapped in TaskWorker.start
 * const model = createModel(workerData.spec);
 * adoptState(model, workerData.state);
 * serveTasks(parentPort!, { forward: forwardTask(model) });
 */
export function serveTasks(port: MessagePort, tasks: WorkerTasks): void {
  port.on('message', (req: WorkerRequest) => {
    const task = Object.hasOwn(tasks, req.task) ? tasks[req.task] : undefined;
    if (!task) {
      port.postMessage(errorReply(req.id, new Error(`TaskWorker: unknown task "${req.task}"`)));
      return;
    }
    try {
      const { value, transfer } = task(req.payload);
      port.postMessage({ id: req.id, ok: true, value } satisfies WorkerReply, transfer ?? []);
    } catch (e) {
      port.postMessage(errorReply(req.id, e));
    }
  });
  port.postMessage({ id: 0, ok: true, value: 'ready' } satisfies WorkerReply);
}
