// The entry point of a ModelWorker's thread: builds the replica through the tasks module named in
// workerData, adopts the shared weights, then answers { id, task, payload } messages one at a time.
import { parentPort, workerData } from 'worker_threads';
import { setNumThreads } from '@nodulab/tensor';
import { adoptState } from './shared_state';
import type { WorkerData, WorkerReply, WorkerRequest, WorkerTasksModule } from './protocol';

function errorReply(id: number, e: unknown): WorkerReply {
  const err = e instanceof Error ? e : new Error(String(e));
  return { id, ok: false, error: { message: err.message, name: err.name, stack: err.stack ?? '' } };
}

function main(port: NonNullable<typeof parentPort>, data: WorkerData): void {
  setNumThreads(data.numThreads);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(data.tasksModule) as WorkerTasksModule;
  const { model, tasks } = mod.createWorkerTasks(data.setup);
  adoptState(model, data.state);
  port.on('message', (req: WorkerRequest) => {
    const task = tasks[req.task];
    if (!task) {
      port.postMessage(errorReply(req.id, new Error(`ModelWorker: unknown task "${req.task}"`)));
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

if (!parentPort) throw new Error('worker_main: must run in a worker thread (see ModelWorker)');
main(parentPort, workerData as WorkerData);
