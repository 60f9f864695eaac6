// Pruning inside a run (config.prune): one-shot magnitude pruning before the first step, or Zhu & Gupta's
// gradual schedule stepped after each optimizer step; @nodulab/nn keeps the masks through the steps and saves
// them in every checkpoint.
import { GradualPruning, Module, prune } from '@nodulab/nn';
import type { PruneConfig } from './config';

/** A stage's gradual pruning: `afterStep(stepsDone)` after each optimizer step; `selects` gates best selection. */
export interface StagePruning {
  afterStep(stepsDone: number): void;
  /** Whether epoch `epochsDone` is at the final sparsity (so its checkpoint may be the best). */
  selects(epochsDone: number): boolean;
}

/**
 * Starts the pruning `config` asks for on `model` in a stage of `stepsPerEpoch` steps: a one-shot prune happens
 * here when `fresh` (not on resume: the checkpoint holds the masks); a gradual one returns a stepper.
 */
export function startPruning(
  model: Module,
  config: PruneConfig | null,
  stepsPerEpoch: number,
  fresh: boolean,
): StagePruning | null {
  if (config === null) return null;
  if (config.schedule === 'oneshot') {
    if (fresh) prune(model, { sparsity: config.sparsity, scope: config.scope });
    return null;
  }
  const pruner = new GradualPruning(model, {
    finalSparsity: config.sparsity,
    beginStep: config.beginEpoch * stepsPerEpoch,
    endStep: config.endEpoch * stepsPerEpoch,
    frequency: config.frequency,
    scope: config.scope,
  });
  return {
    afterStep: (stepsDone) => void pruner.step(stepsDone),
    selects: (epochsDone) => epochsDone >= config.endEpoch,
  };
}
