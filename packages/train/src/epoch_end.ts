// The end of an epoch, shared by the step loop and the fitted probe: best-checkpoint selection by the
// run's `select` metric, the atomic `last` (and `best`) checkpoints with the training state, the
// epoch's log record and progress event.
import { LRScheduler, modelSpecMetadata, saveCheckpoint } from '@nodulab/nn';
import type { Module } from '@nodulab/nn';
import type { Objective } from './objectives';
import type { ValidationMetrics } from './evaluate';
import type { LoopContext } from './loop_context';
import type { TrainOptimizer } from './optim';
import { BestState, TRAIN_STATE_KEY, TrainState } from './run_files';
import { rngState } from './seeds';

function better(metric: string, value: number, best: BestState | null): boolean {
  if (!Number.isFinite(value)) return false;
  if (!best) return true;
  return metric === 'loss' ? value < best.value : value > best.value;
}

/** Writes the model (and optimizer, schedule) with the training state after `epochsDone` epochs of a stage. */
export function saveState(
  ctx: LoopContext,
  file: string,
  stageIndex: number,
  epochsDone: number,
  optimizer?: TrainOptimizer,
  scheduler?: LRScheduler | null,
): void {
  const state: TrainState = {
    version: 1,
    stage: stageIndex,
    stageName: ctx.stages[stageIndex].name,
    epochsDone,
    globalStep: ctx.counters.globalStep,
    samplesSeen: ctx.counters.samplesSeen,
    best: ctx.counters.best,
    rng: rngState(ctx.config.seed),
  };
  const metadata = {
    ...modelSpecMetadata(ctx.net.spec),
    [TRAIN_STATE_KEY]: JSON.stringify(state),
    'nodulab.config': JSON.stringify(ctx.checkpointConfig),
  };
  const auxiliary = objectiveState(ctx.stages[stageIndex].objective);
  saveCheckpoint(ctx.net.model, file, { optimizer, scheduler: scheduler ?? undefined, metadata, auxiliary });
}

/** The objective's state as the checkpoints' auxiliary module named after it (MoCo's under "moco"), or none. */
export function objectiveState(objective: Objective): Record<string, Module> | undefined {
  return objective.state ? { [objective.name]: objective.state } : undefined;
}

/** A stage's share of the run's totals, for progress events. */
export interface StageTotals {
  totalSteps: number;
  totalSamples: number;
  /** Samples per second and the estimated seconds left, now. */
  rate: () => { samplesPerSec: number; etaSec: number };
}

/** What an epoch measured, for {@link endEpoch}. */
export interface EpochEnd extends StageTotals {
  /** 1-based epoch within the stage. */
  epoch: number;
  val: ValidationMetrics;
  trainLoss: number;
  trainAccuracy?: number;
  /** The learning rate of the epoch (none for a fitted stage). */
  lr?: number;
  /** Date.now() when the epoch started. */
  started: number;
  /** Steps of the epoch (0 for a fitted stage). */
  steps: number;
  optimizer?: TrainOptimizer;
  scheduler?: LRScheduler | null;
  /** Whether this epoch may become the best checkpoint (default true). */
  selectable?: boolean;
  /** Extra fields of the epoch's log record. */
  extra?: Record<string, unknown>;
}

/** Records the epoch: selection (in the selecting stage), checkpoints, the log record and the progress event. */
export function endEpoch(ctx: LoopContext, stageIndex: number, e: EpochEnd): void {
  const { config, counters } = ctx;
  const plan = ctx.stages[stageIndex];
  counters.lastVal = e.val;
  let improved = false;
  if (plan.selects && (e.selectable ?? true)) {
    const value = e.val[config.select];
    if (value !== undefined && better(config.select, value, counters.best)) {
      counters.best = {
        stage: stageIndex,
        epoch: e.epoch,
        metric: config.select,
        value,
        metrics: { ...e.val } as Record<string, number>,
      };
      improved = true;
    }
  }
  saveState(ctx, ctx.paths.last, stageIndex, e.epoch, e.optimizer, e.scheduler);
  if (improved) saveState(ctx, ctx.paths.best, stageIndex, e.epoch);
  ctx.log.write({
    event: 'epoch',
    stage: plan.name,
    epoch: e.epoch,
    epochs: plan.epochs,
    globalStep: counters.globalStep,
    trainLoss: e.trainLoss,
    ...(e.trainAccuracy !== undefined ? { trainAccuracy: e.trainAccuracy } : {}),
    ...(e.lr !== undefined ? { lr: e.lr } : {}),
    ...(e.extra ?? {}),
    val: e.val,
    best: improved,
    seconds: (Date.now() - e.started) / 1000,
  });
  ctx.onProgress?.({
    kind: 'epoch',
    stage: plan.name,
    stageIndex,
    stages: ctx.stages.length,
    epoch: e.epoch,
    epochs: plan.epochs,
    step: e.steps,
    steps: e.steps,
    globalStep: counters.globalStep,
    totalSteps: e.totalSteps,
    samplesSeen: counters.samplesSeen,
    totalSamples: e.totalSamples,
    loss: e.trainLoss,
    ...e.rate(),
    val: e.val,
  });
}
