// The thread side of a model's forward pass off the main thread: tensors as they cross threads, and the
// 'forward' task on a replica that shares the main thread's weights.
import { Tensor, noGrad } from '@nodulab/tensor';
import type { Model, ModelOutput } from '../models/model';
import type { ModelSpec } from '../models/spec';
import type { TaskResult, WorkerTask } from './protocol';
import type { SharedState } from './shared_state';

/** workerData of a forward thread: the replica's spec, the shared weights and buffers, the thread count. */
export interface ForwardThreadData {
  spec: ModelSpec;
  state: SharedState;
  numThreads: number;
}

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
