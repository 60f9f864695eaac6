// A training run's progress as a unit reports it: the one mapping from @nodulab/train's TrainProgress to
// the framework's UnitProgress, used by every unit that trains.
import type { TrainProgress } from '@nodulab/train';
import type { UnitProgress } from './study';

/** `p` as UnitProgress; `stage` names the stage when the unit trains several models (e.g. "simclr pretrain"). */
export function unitProgress(p: TrainProgress, stage: string = p.stage): UnitProgress {
  return { stage, epoch: p.epoch, epochs: p.epochs, step: p.globalStep, totalSteps: p.totalSteps, loss: p.loss };
}
