// The entry module of a ForwardWorker's thread: the replica built from the model's spec adopts the shared
// weights and serves nn's 'forward' task (nothing but nn's own tasks runs here).
import { parentPort, workerData } from 'worker_threads';
import { setNumThreads } from '@nodulab/tensor';
import { createModel } from '../models/factory';
import { adoptState } from './shared_state';
import { type ForwardThreadData, forwardTask } from './forward_tasks';
import { serveTasks } from './serve_tasks';

if (!parentPort) throw new Error('forward_main: must run in a worker thread (see ForwardWorker)');
const data = workerData as ForwardThreadData;
setNumThreads(data.numThreads);
const model = createModel(data.spec);
adoptState(model, data.state);
serveTasks(parentPort, { forward: forwardTask(model) });
