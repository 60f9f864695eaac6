// The step thread's tasks: the run's net rebuilt from its config (same architecture and generators) with the
// stages' objectives, adopting the main thread's shared model and objective state; 'step' (forward, loss,
// backward, gradients written into the shared buffers; the optimizer runs on the main thread) and nn's
// 'forward' (validation and the probe's embeddings, see StepRunner.forward).
import { adoptModules, forwardTask } from '@nodulab/nn';
import type { WorkerTask, WorkerTasks } from '@nodulab/nn';
import { buildNet } from '../model';
import { forwardBackward } from '../objectives';
import { planStages } from '../stages';
import { type StepReply, type StepRequest, type StepThreadData, requestBatch } from './step_messages';
import { gradientWriter, stepModules } from './step_state';

/** Builds the replica net and stages from `data` and returns the tasks 'step' (see {@link StepReply}) and 'forward'. */
export function createStepTasks(data: StepThreadData): WorkerTasks {
  const net = buildNet(data.config);
  const stages = planStages(data.config);
  adoptModules(stepModules(net, stages), data.state);
  const writeGradients = gradientWriter(net.model.parameters(), data.grads);
  const step: WorkerTask = (payload) => {
    const req = payload as StepRequest;
    const { loss, logits } = forwardBackward(net, stages[req.stage].objective, requestBatch(req));
    const reply: StepReply = { loss, logits: logits ? logits.data.slice() : null, hasGrad: writeGradients() };
    return { value: reply };
  };
  return { step, forward: forwardTask(net.model) };
}
