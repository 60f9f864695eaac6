// saveCheckpoint / loadCheckpoint: a model's state dict (plus, optionally, optimizer and scheduler
// state for resuming) in one atomic safetensors file. Model keys are PyTorch-style ("features.0.weight");
// optimizer buffers live under "optimizer.state.<param index>.<name>" and the rest in the metadata.
import { Tensor } from '@nodulab/tensor';
import type { Module } from '../module';
import type { OptimizerLike, OptimizerStateDict } from '../optim/optimizer';
import type { LRScheduler, SchedulerStateDict } from '../lr_scheduler';
import { loadSafetensors, saveSafetensors } from './safetensors';

type AnyOptimizer = OptimizerLike;

const OPTIMIZER_PREFIX = 'optimizer.state.';
const OPTIMIZER_META = 'nodulab.optimizer';
const SCHEDULER_META = 'nodulab.scheduler';

/** What to store besides the model. */
export interface SaveCheckpointOptions {
  optimizer?: AnyOptimizer;
  scheduler?: LRScheduler;
  /** Free-form string metadata (e.g. epoch, config) kept in the header's __metadata__. */
  metadata?: Record<string, string>;
}

/** What to restore besides the model. */
export interface LoadCheckpointOptions {
  optimizer?: AnyOptimizer;
  scheduler?: LRScheduler;
  /** Require the model's keys to match exactly (default true). */
  strict?: boolean;
}

/** Saves `model` (and optionally optimizer/scheduler state) to a safetensors file, atomically. */
export function saveCheckpoint(model: Module, file: string, options: SaveCheckpointOptions = {}): void {
  const tensors: Record<string, Tensor> = model.stateDict();
  const metadata: Record<string, string> = { ...(options.metadata ?? {}) };
  if (options.optimizer) {
    const sd = options.optimizer.stateDict();
    const scalars: Record<string, Record<string, number>> = {};
    for (const [index, entry] of Object.entries(sd.state)) {
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === 'number') (scalars[index] ??= {})[k] = v;
        else tensors[`${OPTIMIZER_PREFIX}${index}.${k}`] = v;
      }
    }
    metadata[OPTIMIZER_META] = JSON.stringify({ name: options.optimizer.name, paramGroups: sd.paramGroups, scalars });
  }
  if (options.scheduler) metadata[SCHEDULER_META] = JSON.stringify(options.scheduler.stateDict());
  saveSafetensors(file, tensors, metadata);
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint} (or any F32 safetensors state dict) into
 * `model`, and into `optimizer` / `scheduler` when given (they must have been saved). Returns the
 * user metadata. Throws naming the file on any mismatch.
 */
export function loadCheckpoint(
  model: Module,
  file: string,
  options: LoadCheckpointOptions = {},
): Record<string, string> {
  const { tensors, metadata } = loadSafetensors(file);
  const modelState: Record<string, Tensor> = {};
  const optimizerTensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith(OPTIMIZER_PREFIX)) optimizerTensors[k.slice(OPTIMIZER_PREFIX.length)] = t;
    else modelState[k] = t;
  }
  try {
    let optimizerState: OptimizerStateDict | null = null;
    if (options.optimizer) {
      const raw = metadata[OPTIMIZER_META];
      if (!raw) throw new Error('no optimizer state was saved');
      const saved = JSON.parse(raw) as {
        name: string;
        paramGroups: OptimizerStateDict['paramGroups'];
        scalars: Record<string, Record<string, number>>;
      };
      if (saved.name !== options.optimizer.name)
        throw new Error(`saved optimizer is ${saved.name}, not ${options.optimizer.name}`);
      const state: OptimizerStateDict['state'] = {};
      for (const [index, entry] of Object.entries(saved.scalars)) state[Number(index)] = { ...entry };
      for (const [key, t] of Object.entries(optimizerTensors)) {
        const dot = key.indexOf('.');
        const index = Number(key.slice(0, dot));
        (state[index] ??= {})[key.slice(dot + 1)] = t;
      }
      optimizerState = { state, paramGroups: saved.paramGroups };
    }
    let schedulerState: SchedulerStateDict | null = null;
    if (options.scheduler) {
      const raw = metadata[SCHEDULER_META];
      if (!raw) throw new Error('no scheduler state was saved');
      schedulerState = JSON.parse(raw) as SchedulerStateDict;
    }
    // Each loadStateDict checks everything before copying; if a later one fails, the model is
    // put back as it was so a failed load changes nothing.
    const before = optimizerState || schedulerState ? model.stateDict() : null;
    model.loadStateDict(modelState, { strict: options.strict ?? true });
    try {
      if (optimizerState) options.optimizer!.loadStateDict(optimizerState);
      if (schedulerState) options.scheduler!.loadStateDict(schedulerState);
    } catch (e) {
      if (before) model.loadStateDict(before);
      throw e;
    }
  } catch (e) {
    throw new Error(`loadCheckpoint(${file}): ${(e as Error).message}`);
  }
  const user: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (k !== OPTIMIZER_META && k !== SCHEDULER_META) user[k] = v;
  return user;
}
