// The worker side of a training step off the main thread: the run's net rebuilt from its config (same
// architecture and generators), the stages' objectives, and the task 'step': forward, loss, backward,
// gradients written into the shared gradient buffers. The optimizer runs on the main thread. The model's
// forwardAsync (validation) runs here too, through nn's 'forward' task.
import { Tensor } from '@nodulab/tensor';
import { adoptState, forwardTask } from '@nodulab/nn';
import type { SharedState, TensorMessage, WorkerTask } from '@nodulab/nn';
import type { RunConfig } from './config';
import { buildNet } from './model';
import { forwardBackward } from './objectives';
import { planStages } from './stages';

/**
 * What the worker is built from: the resolved run config, one gradient buffer per model parameter and, per
 * stage, the shared memory of its objective's state (null when it keeps none).
 */
export interface StepWorkerSetup {
  config: RunConfig;
  grads: SharedArrayBuffer[];
  objectiveStates: (SharedState | null)[];
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

const tensor = (m: TensorMessage) => new Tensor(m.data, m.shape);

/** Builds the replica net, the 'step' task (see {@link StepReply}) and nn's 'forward' (validation). */
export function createWorkerTasks(setup: unknown) {
  const { config, grads, objectiveStates } = setup as StepWorkerSetup;
  const net = buildNet(config);
  const stages = planStages(config);
  stages.forEach((s, i) => {
    const shared = objectiveStates[i];
    if (s.objective.state && shared) adoptState(s.objective.state, shared);
    else if (s.objective.state || shared) throw new Error(`step worker: stage ${i} (${s.name}) state does not match`);
  });
  const params = net.model.parameters();
  const gradViews = grads.map((g) => new Float32Array(g));
  const step: WorkerTask = (payload) => {
    const req = payload as StepRequest;
    const batch = {
      x1: tensor(req.x1),
      x2: req.x2 && tensor(req.x2),
      labels: req.labels,
      masks: req.masks && tensor(req.masks),
      step: req.step,
      boxes: req.boxes && tensor(req.boxes),
      weights: req.weights,
    };
    const { loss, logits } = forwardBackward(net, stages[req.stage].objective, batch);
    const hasGrad = params.map((p, i) => {
      if (!p.grad) return false; // none after a non-finite loss, or for a frozen parameter
      gradViews[i].set(p.grad.data);
      return true;
    });
    const reply: StepReply = { loss, logits: logits ? logits.data.slice() : null, hasGrad };
    return { value: reply };
  };
  return { model: net.model, tasks: { step, forward: forwardTask(net.model) } };
}
