// The entry module of the step thread (started by workerStepRunner): sets the run's thread count, builds the
// step tasks from workerData and serves them until the main thread stops it.
import { parentPort, workerData } from 'worker_threads';
import { setNumThreads } from '@nodulab/tensor';
import { serveTasks } from '@nodulab/nn';
import type { StepThreadData } from './step_messages';
import { createStepTasks } from './step_tasks';

if (!parentPort) throw new Error('step_main: must run in a worker thread (see workerStepRunner)');
const data = workerData as StepThreadData;
setNumThreads(data.numThreads);
serveTasks(parentPort, createStepTasks(data));
