// What crosses to and from the step thread: the thread's workerData, one step's batch as a request (its
// volumes moved, not copied), and what the step computed.
import { Tensor } from '@nodulab/tensor';
import type { SharedModules, TensorMessage } from '@nodulab/nn';
import type { RunConfig } from '../config';
import type { ViewBatch } from '../objectives';

/**
 * workerData of the step thread: the resolved run config it rebuilds the net and stages from, the shared state
 * of the step modules ({@link stepModules}), one gradient buffer per model parameter, the thread count.
 */
export interface StepThreadData {
  config: RunConfig;
  state: SharedModules;
  grads: SharedArrayBuffer[];
  numThreads: number;
}

/** A batch of one step, as it crosses threads. */
export interface StepRequest {
  stage: number;
  x1: TensorMessage;
  x2: TensorMessage | null;
  labels: Int32Array;
  /** masks: (N, 1, D, H, W) of a segmenting objective, else null. */
  masks: TensorMessage | null;
  /** The global step (the key of dropout masks). */
  step: number;
  /** Localization: the true boxes (N, 6). */
  boxes: TensorMessage | null;
  /** Per-sample loss weights (N), or null. */
  weights: Float32Array | null;
}

/**
 * What a step computed: the loss; the logits of view 1 (classifying objectives); which parameters got a
 * gradient (written to their shared buffer). A non-finite loss skips backward (no gradient is written).
 */
export interface StepReply {
  loss: number;
  logits: Float32Array | null;
  hasGrad: boolean[];
}

const message = (t: Tensor): TensorMessage => ({ data: t.data.slice(), shape: [...t.shape] });
const tensor = (m: TensorMessage) => new Tensor(m.data, m.shape);

/** The request of stage `stage`'s step on `batch` (copies of its arrays) and the buffers to move with it. */
export function stepRequest(stage: number, batch: ViewBatch): { request: StepRequest; transfer: ArrayBuffer[] } {
  const request: StepRequest = {
    stage,
    x1: message(batch.x1),
    x2: batch.x2 && message(batch.x2),
    labels: batch.labels.slice(),
    masks: batch.masks ? message(batch.masks) : null,
    step: batch.step ?? 0,
    boxes: batch.boxes ? message(batch.boxes) : null,
    weights: batch.weights ? batch.weights.slice() : null,
  };
  const moved = [request.x1, request.x2, request.masks].flatMap((m) => (m ? [m.data.buffer as ArrayBuffer] : []));
  return { request, transfer: moved };
}

/** The batch a request carries, as the objective reads it. */
export function requestBatch(req: StepRequest): ViewBatch {
  return {
    x1: tensor(req.x1),
    x2: req.x2 && tensor(req.x2),
    labels: req.labels,
    masks: req.masks && tensor(req.masks),
    step: req.step,
    boxes: req.boxes && tensor(req.boxes),
    weights: req.weights,
  };
}
