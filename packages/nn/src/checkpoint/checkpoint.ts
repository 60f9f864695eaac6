// saveCheckpoint / loadCheckpoint: a model's state dict (plus, optionally, optimizer and scheduler
// state for resuming) in one atomic safetensors file. Model keys are PyTorch-style ("features.0.weight");
// optimizer buffers live under "optimizer.state.<param index>.<name>" and the rest in the metadata
// (the counters, and which parameters had state, so a lost buffer is detected at load). Auxiliary modules a
// training objective keeps beside the model (MoCo's key encoder and queue) live under "auxiliary.<name>.".
import { Tensor } from '@nodulab/tensor';
import type { Module } from '../module';
import type { OptimizerLike, OptimizerStateDict } from '../optim/optimizer';
import type { LRScheduler, SchedulerStateDict } from '../lr_scheduler';
import { loadSafetensors, saveSafetensors } from './safetensors';
import { attachPruningMasks, splitPruningMasks } from '../prune/prune';

type AnyOptimizer = OptimizerLike;

const OPTIMIZER_PREFIX = 'optimizer.state.';
const AUXILIARY_PREFIX = 'auxiliary.';

/** Whether a checkpoint key is not the model's: optimizer state or an auxiliary module's. */
const notModelKey = (k: string) => k.startsWith(OPTIMIZER_PREFIX) || k.startsWith(AUXILIARY_PREFIX);
const OPTIMIZER_META = 'nodulab.optimizer';
const SCHEDULER_META = 'nodulab.scheduler';

/** What to store besides the model. */
export interface SaveCheckpointOptions {
  optimizer?: AnyOptimizer;
  scheduler?: LRScheduler;
  /** Free-form string metadata (e.g. epoch, config) kept in the header's __metadata__. */
  metadata?: Record<string, string>;
  /**
   * Modules saved beside the model for resuming, by name (e.g. `{ moco: state }`: a momentum encoder and a queue),
   * under the keys "auxiliary.<name>.<state dict key>". Loading the model alone ignores them.
   */
  auxiliary?: Record<string, Module>;
}

/** What to restore besides the model. */
export interface LoadCheckpointOptions {
  optimizer?: AnyOptimizer;
  scheduler?: LRScheduler;
  /** Require the model's keys to match exactly (default true). */
  strict?: boolean;
  /** Modules saved with SaveCheckpointOptions.auxiliary to restore, by the same names (each must have been saved). */
  auxiliary?: Record<string, Module>;
}

function checkAuxiliaryName(name: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(name))
    throw new Error(`auxiliary module name "${name}" must be letters, digits, '_' or '-'`);
}

/** What saveCheckpoint stores under OPTIMIZER_META: the optimizer's name, groups and per-parameter counters. */
interface OptimizerMeta {
  name: string;
  paramGroups: OptimizerStateDict['paramGroups'];
  scalars: Record<string, Record<string, number>>;
  /** The indices of the parameters that had state (absent in checkpoints of nodulab 0.1.0). */
  stepped?: number[];
}

function parseJson(key: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new Error(`metadata "${key}" is not JSON: ${(e as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The optimizer metadata, checked for shape (its values are checked by the optimizer's loadStateDict). */
function parseOptimizerMeta(raw: string): OptimizerMeta {
  const saved = parseJson(OPTIMIZER_META, raw);
  const bad = (what: string): never => {
    throw new Error(`metadata "${OPTIMIZER_META}" is malformed: ${what}`);
  };
  if (!isObject(saved)) return bad('not an object');
  if (typeof saved.name !== 'string') bad('"name" is not a string');
  if (!Array.isArray(saved.paramGroups) || !saved.paramGroups.every(isObject))
    bad('"paramGroups" is not a list of objects');
  if (!isObject(saved.scalars)) bad('"scalars" is not an object');
  if (
    saved.stepped !== undefined &&
    !(Array.isArray(saved.stepped) && saved.stepped.every((i) => Number.isSafeInteger(i) && i >= 0))
  )
    bad('"stepped" is not a list of parameter indices');
  for (const [index, entry] of Object.entries(saved.scalars as object)) {
    if (!/^(0|[1-9]\d*)$/.test(index) || !isObject(entry))
      bad(`"scalars.${index}" is not an object of a parameter index`);
    for (const [k, v] of Object.entries(entry as object))
      if (typeof v !== 'number') bad(`"scalars.${index}.${k}" is not a number`);
  }
  return saved as unknown as OptimizerMeta;
}

/** Saves `model` (and optionally optimizer/scheduler state) to a safetensors file, atomically. */
export function saveCheckpoint(model: Module, file: string, options: SaveCheckpointOptions = {}): void {
  const tensors: Record<string, Tensor> = model.stateDict();
  for (const k of Object.keys(tensors))
    if (notModelKey(k)) throw new Error(`saveCheckpoint(${file}): model key "${k}" uses a reserved prefix`);
  for (const [name, m] of Object.entries(options.auxiliary ?? {})) {
    checkAuxiliaryName(name);
    for (const [k, t] of Object.entries(m.stateDict())) tensors[`${AUXILIARY_PREFIX}${name}.${k}`] = t;
  }
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
    const stepped = Object.keys(sd.state).map(Number);
    metadata[OPTIMIZER_META] = JSON.stringify({
      name: options.optimizer.name,
      paramGroups: sd.paramGroups,
      scalars,
      stepped,
    });
  }
  if (options.scheduler) metadata[SCHEDULER_META] = JSON.stringify(options.scheduler.stateDict());
  saveSafetensors(file, tensors, metadata);
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint} (or any safetensors state dict, e.g. PyTorch's) into
 * `model`, and into `optimizer` / `scheduler` when given (they must have been saved). Returns the
 * user metadata. The optimizer and scheduler state is validated whole before anything changes (every
 * buffer and counter of every stepped parameter present and of the right shape), so an incomplete
 * checkpoint fails here, never at a later `step()`. A pruned model's checkpoint (its `weight_mask`
 * buffers, see `prune`) prunes `model` the same way, also when it was built unpruned. Throws naming the
 * file on any mismatch.
 */
export function loadCheckpoint(
  model: Module,
  file: string,
  options: LoadCheckpointOptions = {},
): Record<string, string> {
  const { tensors, metadata } = loadSafetensors(file);
  const modelState: Record<string, Tensor> = {};
  const optimizerTensors: Record<string, Tensor> = {};
  const auxiliaryTensors: Record<string, Record<string, Tensor>> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith(OPTIMIZER_PREFIX)) optimizerTensors[k.slice(OPTIMIZER_PREFIX.length)] = t;
    else if (k.startsWith(AUXILIARY_PREFIX)) {
      const rest = k.slice(AUXILIARY_PREFIX.length);
      const dot = rest.indexOf('.');
      (auxiliaryTensors[rest.slice(0, dot)] ??= {})[rest.slice(dot + 1)] = t;
    } else modelState[k] = t;
  }
  try {
    const auxiliary = Object.entries(options.auxiliary ?? {});
    for (const [name] of auxiliary)
      if (!auxiliaryTensors[name]) throw new Error(`no auxiliary module "${name}" was saved`);
    let optimizerState: OptimizerStateDict | null = null;
    if (options.optimizer) {
      const raw = metadata[OPTIMIZER_META];
      if (!raw) throw new Error('no optimizer state was saved');
      const saved = parseOptimizerMeta(raw);
      if (saved.name !== options.optimizer.name)
        throw new Error(`saved optimizer is ${saved.name}, not ${options.optimizer.name}`);
      const state: OptimizerStateDict['state'] = {};
      // Every parameter that had state when saved gets an entry, so a lost buffer is reported missing.
      for (const index of saved.stepped ?? []) state[index] = {};
      for (const [index, entry] of Object.entries(saved.scalars)) state[Number(index)] = { ...entry };
      for (const [key, t] of Object.entries(optimizerTensors)) {
        const m = /^(0|[1-9]\d*)\.(\w+)$/.exec(key);
        if (!m) throw new Error(`tensor "${OPTIMIZER_PREFIX}${key}" is not "${OPTIMIZER_PREFIX}<index>.<name>"`);
        (state[Number(m[1])] ??= {})[m[2]] = t;
      }
      optimizerState = { state, paramGroups: saved.paramGroups };
    }
    let schedulerState: SchedulerStateDict | null = null;
    if (options.scheduler) {
      const raw = metadata[SCHEDULER_META];
      if (!raw) throw new Error('no scheduler state was saved');
      schedulerState = parseJson(SCHEDULER_META, raw) as SchedulerStateDict;
    }
    // Each loadStateDict checks everything before copying; if a later one fails, the model and the
    // optimizer are put back as they were so a failed load changes nothing.
    const restoring = optimizerState || schedulerState || auxiliary.length > 0;
    const before = restoring ? model.stateDict() : null;
    const optimizerBefore =
      optimizerState && (schedulerState || auxiliary.length) ? options.optimizer!.stateDict() : null;
    const schedulerBefore = schedulerState && auxiliary.length ? options.scheduler!.stateDict() : null;
    const auxiliaryBefore: [Module, Record<string, Tensor>][] = [];
    // A pruned model's masks ("<layer>.weight_mask") prune a model built without them, once all else loaded.
    const { masks, rest } = splitPruningMasks(model, modelState);
    model.loadStateDict(rest, { strict: options.strict ?? true });
    try {
      if (optimizerState) options.optimizer!.loadStateDict(optimizerState);
      if (schedulerState) options.scheduler!.loadStateDict(schedulerState);
      for (const [name, m] of auxiliary) {
        const saved = m.stateDict();
        try {
          m.loadStateDict(auxiliaryTensors[name]);
        } catch (e) {
          throw new Error(`auxiliary module "${name}": ${(e as Error).message}`);
        }
        auxiliaryBefore.push([m, saved]);
      }
    } catch (e) {
      if (before) model.loadStateDict(before);
      if (optimizerBefore) options.optimizer!.loadStateDict(optimizerBefore);
      if (schedulerBefore) options.scheduler!.loadStateDict(schedulerBefore);
      for (const [m, saved] of auxiliaryBefore) m.loadStateDict(saved);
      throw e;
    }
    attachPruningMasks(model, masks);
  } catch (e) {
    throw new Error(`loadCheckpoint(${file}): ${(e as Error).message}`);
  }
  const user: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (k !== OPTIMIZER_META && k !== SCHEDULER_META) user[k] = v;
  return user;
}

/**
 * Writes the model part of checkpoint `from` (its model tensors and user metadata, without optimizer,
 * scheduler and auxiliary state) to `to`, atomically: the file saveCheckpoint would have written for the same
 * model and metadata without an optimizer, byte for byte.
 */
export function copyModelCheckpoint(from: string, to: string): void {
  const { tensors, metadata } = loadSafetensors(from);
  const model: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) if (!notModelKey(k)) model[k] = t;
  const user: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (k !== OPTIMIZER_META && k !== SCHEDULER_META) user[k] = v;
  saveSafetensors(to, model, user);
}
