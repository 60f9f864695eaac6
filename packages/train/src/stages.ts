// The stages a loss trains in: ce, supcon-joint, dice-ce (segmentation) and box (localization) in one (ce from a
// pretrained encoder in init.mode 'linear': a linear probe, fitted when probe.mode is 'linear'); supcon, simclr
// and moco pretrain the encoder with their contrastive loss, then fit a linear probe on the frozen encoder (or
// train one by steps, or fine-tune all).
import type { OptimizerConfig, RunConfig, ScheduleConfig } from './config';
import {
  Objective,
  boxObjective,
  crossEntropyObjective,
  diceCeObjective,
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
  /** The stage is fitted in one go (the 'linear' probe: logistic regression to convergence), not stepped. */
  fitted: boolean;
}

/** The stages of `config`'s loss, in order. */
export function planStages(config: RunConfig): StagePlan[] {
  const main = { optimizer: config.optimizer, schedule: config.schedule };
  switch (config.loss) {
    case 'ce':
      return [
        config.init?.mode === 'linear'
          ? {
              name: 'probe',
              objective: linearProbeObjective(
                config,
                config.probe.mode === 'linear' ? 'logistic-regression' : undefined,
              ),
              epochs: config.probe.mode === 'linear' ? 1 : config.epochs,
              ...main,
              selects: true,
              fitted: config.probe.mode === 'linear',
            }
          : {
              name: 'train',
              objective: crossEntropyObjective(config),
              epochs: config.epochs,
              ...main,
              selects: true,
              fitted: false,
            },
      ];
    case 'dice-ce':
      return [
        {
          name: 'train',
          objective: diceCeObjective(config),
          epochs: config.epochs,
          ...main,
          selects: true,
          fitted: false,
        },
      ];
    case 'box':
      return [
        {
          name: 'train',
          objective: boxObjective(config),
          epochs: config.epochs,
          ...main,
          selects: true,
          fitted: false,
        },
      ];
    case 'supcon-joint':
      return [
        {
          name: 'train',
          objective: jointObjective(config),
          epochs: config.epochs,
          ...main,
          selects: true,
          fitted: false,
        },
      ];
    case 'supcon':
    case 'simclr':
    case 'moco': {
      const pretrain = { supcon: supConObjective, simclr: simclrObjective, moco: mocoObjective }[config.loss](config);
      const { mode, epochs, optimizer, schedule } = config.probe;
      const second =
        mode === 'linear'
          ? linearProbeObjective(config, 'logistic-regression')
          : mode === 'linear-sgd'
            ? linearProbeObjective(config)
            : crossEntropyObjective(config, 'finetune');
      return [
        {
          name: 'pretrain',
          objective: pretrain,
          epochs: config.pretrainEpochs,
          ...main,
          selects: false,
          fitted: false,
        },
        {
          name: mode === 'finetune' ? 'finetune' : 'probe',
          objective: second,
          // A fitted probe is one "epoch": one validation, one checkpoint.
          epochs: mode === 'linear' ? 1 : epochs,
          optimizer,
          schedule,
          selects: true,
          fitted: mode === 'linear',
        },
      ];
    }
  }
}
