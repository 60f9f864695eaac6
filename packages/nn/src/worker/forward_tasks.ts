// The tasks module of Model.forwardAsync: a replica built from the model's spec, and 'forward'.
import { Tensor, noGrad } from '@nodulab/tensor';
import { createModel, ModelSpec } from '../models/factory';
import type { Model, ModelOutput } from '../models/model';
import type { TaskResult, WorkerTask } from './protocol';

/** A tensor as it crosses threads. */
export interface TensorMessage {
  data: Float32Array;
  shape: number[];
}

/** A tensor's message, moving its memory when the array spans its whole buffer (else a copy). */
export function tensorMessage(t: Tensor): TaskResult<TensorMessage> {
  const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength;
  const data = whole && !(t.data.buffer instanceof SharedArrayBuffer) ? t.data : t.data.slice();
  return { value: { data, shape: [...t.shape] }, transfer: [data.buffer as ArrayBuffer] };
}

/** What 'forward' takes: the input, the output to stop at and the mode of the main thread's model. */
export interface ForwardRequest {
  x: TensorMessage;
  output: ModelOutput;
  training: boolean;
}

/** 'forward': the model's output without a graph, in the requested mode. */
export function forwardTask(model: Model): WorkerTask {
  return (payload) => {
    const { x, output, training } = payload as ForwardRequest;
    model.train(training);
    return tensorMessage(noGrad(() => model.forwardTo(new Tensor(x.data, x.shape), output)));
  };
}

/** Builds the replica from `setup` (a ModelSpec) with the 'forward' task. */
export function createWorkerTasks(setup: unknown): { model: Model; tasks: Record<string, WorkerTask> } {
  const model = createModel(setup as ModelSpec);
  return { model, tasks: { forward: forwardTask(model) } };
}
