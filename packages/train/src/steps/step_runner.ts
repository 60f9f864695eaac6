// One training step's forward, loss and backward, on the main thread (synchronous API) or on a worker
// thread that shares the weights (the event loop stays free; results are bit-identical). The loop then
// clips and steps the optimizer on the main thread either way. A runner also runs the model's forward pass
// off the event loop's thread for validation: on the step thread, or on a ForwardWorker of its own.
import * as path from 'path';
import { getNumThreads } from '@nodulab/tensor';
import { startModuleWorker } from '@nodulab/platform';
import { type AsyncForward, ForwardWorker, TaskWorker, runForward, shareModules } from '@nodulab/nn';
import type { RunConfig } from '../config';
import type { TrainableNet } from '../model';
import { type Objective, type ViewBatch, forwardBackward } from '../objectives';
import type { StagePlan } from '../stages';
import { type StepReply, type StepThreadData, stepRequest } from './step_messages';
import { SharedGradients, stepModules } from './step_state';

/** The loss of a step and the logits of view 1 (classifying objectives). */
export interface StepResult {
  loss: number;
  logits: Float32Array | null;
}

/**
 * Runs `objective` on a batch: zeroes the gradients, computes the loss and, when it is finite,
 * back-propagates so every trained parameter holds its `.grad`. A non-finite loss leaves no gradient.
 */
export interface StepRunner {
  step(stageIndex: number, objective: Objective, batch: ViewBatch): Promise<StepResult>;
  /**
   * The net's forward pass up to an output, without a graph and off the event loop's thread (validation, the
   * probe's embeddings): bit-identical to `noGrad(() => net.model.forwardTo(x, output))`, in the model's mode.
   */
  readonly forward: AsyncForward;
  /** Stops the runner's threads. */
  close(): Promise<void>;
}

/** The step on the calling thread (blocks it for the whole step); the forward pass on a ForwardWorker it owns. */
export function inlineStepRunner(net: TrainableNet): StepRunner {
  let worker: ForwardWorker | null = null;
  return {
    async step(_stage, objective, batch) {
      const { loss, logits } = forwardBackward(net, objective, batch);
      return { loss, logits: logits?.data ?? null };
    },
    forward: (x, output) => (worker ??= new ForwardWorker(net.model)).forward(x, output),
    async close() {
      const w = worker;
      worker = null;
      await w?.close();
    },
  };
}

/**
 * The step on a worker thread holding a replica of `net` (built from `config`) that shares its weights,
 * buffers and gradient memory: `step` posts the batch and resolves when the gradients are in place.
 * Parameters and buffers of `net.model`, and the state of the stages' objectives (MoCo's key encoder and
 * queue), move to shared memory (see {@link stepModules}); `forward` runs on the same thread.
 */
export async function workerStepRunner(net: TrainableNet, config: RunConfig, stages: StagePlan[]): Promise<StepRunner> {
  const grads = new SharedGradients(net.model.parameters());
  const data: StepThreadData = {
    config,
    state: shareModules(stepModules(net, stages)),
    grads: grads.buffers,
    numThreads: getNumThreads(),
  };
  const thread = startModuleWorker(__dirname, path.extname(__filename), 'step_main', { ...data });
  const worker = await TaskWorker.start(thread);
  return {
    async step(stage, _objective, batch) {
      const { request, transfer } = stepRequest(stage, batch);
      const reply = await worker.run<StepReply>('step', request, transfer);
      grads.receive(reply.hasGrad);
      return { loss: reply.loss, logits: reply.logits };
    },
    forward: (x, output) => runForward(worker, net.model, x, output),
    close: () => worker.close(),
  };
}
