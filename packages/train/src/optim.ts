// Builds a stage's optimizer (SGD / Adam / AdamW) and per-epoch learning-rate schedule (constant,
// cosine, step, each with optional linear warm-up) from the run config.
import { Tensor } from '@nodulab/tensor';
import { Adam, AdamW, CosineAnnealingLR, LinearWarmup, LRScheduler, OptimizerLike, SGD, StepLR } from '@nodulab/nn';
import type { OptimizerConfig, ScheduleConfig } from './config';

/** An optimizer the loop can step, whatever its kind. */
export type TrainOptimizer = OptimizerLike & { step(): void; zeroGrad(): void };

/** The optimizer of `cfg` over `params`. */
export function buildOptimizer(params: Tensor[], cfg: OptimizerConfig): TrainOptimizer {
  switch (cfg.name) {
    case 'sgd':
      return new SGD(params, {
        lr: cfg.lr,
        momentum: cfg.momentum,
        nesterov: cfg.nesterov,
        weightDecay: cfg.weightDecay,
      });
    case 'adam':
      return new Adam(params, { lr: cfg.lr, betas: cfg.betas, weightDecay: cfg.weightDecay });
    case 'adamw':
      return new AdamW(params, { lr: cfg.lr, betas: cfg.betas, weightDecay: cfg.weightDecay });
  }
}

/**
 * The schedule of `cfg` over a stage of `epochs` epochs (stepped after each epoch), or null for a
 * constant rate without warm-up. Cosine anneals to etaMin over the epochs after warm-up.
 */
export function buildScheduler(optimizer: TrainOptimizer, cfg: ScheduleConfig, epochs: number): LRScheduler | null {
  const warm = Math.min(cfg.warmupEpochs, epochs);
  let after: LRScheduler | null = null;
  if (cfg.name === 'cosine') after = new CosineAnnealingLR(optimizer, Math.max(1, epochs - warm), cfg.etaMin);
  else if (cfg.name === 'step') after = new StepLR(optimizer, cfg.stepSize, cfg.gamma);
  return warm > 0 ? new LinearWarmup(optimizer, warm, after) : after;
}
