// The stages a loss trains in: ce and supcon-joint in one (ce from a pretrained encoder in init.mode 'linear':
// a linear probe); supcon, simclr and moco pretrain the encoder with their contrastive loss, then train a
// linear probe on the frozen encoder (or fine-tune all).
import type { OptimizerConfig, RunConfig, ScheduleConfig } from './config';
import {
  Objective,
  crossEntropyObjective,
  jointObjective,
  linearProbeObjective,
  mocoObjective,
  simclrObjective,
  supConObjective,
} from './objectives';

/** One stage of a run. */
export interface StagePlan {
  /** "train", "pretrain", "probe" or "finetune". */
  name: string;
  objective: Objective;
  epochs: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  /** Best-checkpoint selection runs in this stage (the last one, which trains the classifier). */
  selects: boolean;
}

/** The stages of `config`'s loss, in order. */
export function planStages(config: RunConfig): StagePlan[] {
  const main = { optimizer: config.optimizer, schedule: config.schedule };
  switch (config.loss) {
    case 'ce':
      return [
        config.init?.mode === 'linear'
          ? { name: 'probe', objective: linearProbeObjective(config), epochs: config.epochs, ...main, selects: true }
          : { name: 'train', objective: crossEntropyObjective(config), epochs: config.epochs, ...main, selects: true },
      ];
    case 'supcon-joint':
      return [{ name: 'train', objective: jointObjective(config), epochs: config.epochs, ...main, selects: true }];
    case 'supcon':
    case 'simclr':
    case 'moco': {
      const pretrain = { supcon: supConObjective, simclr: simclrObjective, moco: mocoObjective }[config.loss](config);
      const { mode, epochs, optimizer, schedule } = config.probe;
      const second = mode === 'linear' ? linearProbeObjective(config) : crossEntropyObjective(config, 'finetune');
      return [
        { name: 'pretrain', objective: pretrain, epochs: config.pretrainEpochs, ...main, selects: false },
        {
          name: mode === 'linear' ? 'probe' : 'finetune',
          objective: second,
          epochs,
          optimizer,
          schedule,
          selects: true,
        },
      ];
    }
  }
}
