// One training step's forward, loss and backward, on the main thread (synchronous API) or on a worker
// thread that shares the weights (the event loop stays free; results are bit-identical). The loop then
// clips and steps the optimizer on the main thread either way.
import * as path from 'path';
import { Tensor } from '@nodulab/tensor';
import { ModelWorker, shareState } from '@nodulab/nn';
import type { RunConfig } from './config';
import type { TrainableNet } from './model';
import { type Objective, type ViewBatch, forwardBackward } from './objectives';
import type { StagePlan } from './stages';
import type { StepReply, StepRequest, StepWorkerSetup } from './step_tasks';

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
  close(): Promise<void>;
}

/** The step on the calling thread (blocks it for the whole step). */
export function inlineStepRunner(net: TrainableNet): StepRunner {
  return {
    async step(_stage, objective, batch) {
      const { loss, logits } = forwardBackward(net, objective, batch);
      return { loss, logits: logits?.data ?? null };
    },
    async close() {},
  };
}

const message = (t: Tensor) => ({ data: t.data.slice(), shape: [...t.shape] });

/**
 * The step on a worker thread holding a replica of `net` (built from `config`) that shares its
 * weights, buffers and gradient memory: `step` posts the batch and resolves when the gradients are in
 * place. Parameters and buffers of `net.model`, and the state of the stages' objectives (MoCo's key encoder
 * and queue), move to shared memory; `net.model.forwardAsync` runs on the same thread until `close`.
 */
export async function workerStepRunner(net: TrainableNet, config: RunConfig, stages: StagePlan[]): Promise<StepRunner> {
  const params = net.model.parameters();
  const grads = params.map((p) => new SharedArrayBuffer(p.data.byteLength));
  const gradTensors = params.map((p, i) => new Tensor(new Float32Array(grads[i]), p.shape));
  const objectiveStates = stages.map((s) => (s.objective.state ? shareState(s.objective.state) : null));
  const setup: StepWorkerSetup = { config, grads, objectiveStates };
  const tasksModule = path.join(__dirname, `step_tasks${path.extname(__filename)}`);
  const worker = await ModelWorker.start(net.model, { tasksModule, setup });
  net.model.attachWorker(worker);
  return {
    async step(stage, _objective, batch) {
      const req: StepRequest = {
        stage,
        x1: message(batch.x1),
        x2: batch.x2 && message(batch.x2),
        labels: batch.labels.slice(),
        masks: batch.masks ? message(batch.masks) : null,
        step: batch.step ?? 0,
        boxes: batch.boxes ? message(batch.boxes) : null,
        weights: batch.weights ? batch.weights.slice() : null,
      };
      const transfer = [req.x1, req.x2, req.masks].flatMap((m) => (m ? [m.data.buffer] : [])) as ArrayBuffer[];
      const reply = await worker.run<StepReply>('step', req, transfer);
      params.forEach((p, i) => (p.grad = reply.hasGrad[i] ? gradTensors[i] : null));
      return { loss: reply.loss, logits: reply.logits };
    },
    async close() {
      net.model.attachWorker(null);
      await worker.close();
    },
  };
}
