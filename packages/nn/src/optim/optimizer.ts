// Optimizer base: parameter groups with per-group hyperparameters, per-parameter state, and a
// state dict (PyTorch's layout: state keyed by parameter index, groups listing indices) for resume.
import { dispatchDevice, Tensor } from '@nodulab/tensor';
import { applyPruningMask_ } from '../prune/masks';

/** A hyperparameter value: a number, a flag, or a pair (Adam's betas). */
export type HyperValue = number | boolean | readonly number[];

/** A group of parameters and the hyperparameters that override the optimizer's defaults for it. */
export type ParamGroupInput<H> = { params: Tensor[] } & Partial<H>;

/** A parameter group as the optimizer holds it: every hyperparameter resolved. `lr` is what schedulers set. */
export type ParamGroup<H> = { params: Tensor[] } & H;

/** Per-parameter state: buffers (e.g. momentum) and counters (e.g. Adam's step). */
export type ParamState = Record<string, Float32Array | number>;

/** A serializable snapshot of an optimizer: state by parameter index, hyperparameters per group. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: ({ params: number[] } & Record<string, HyperValue>)[];
}

/** What schedulers and checkpoints need from any optimizer, whatever its hyperparameters. */
export interface OptimizerLike {
  readonly name: string;
  readonly paramGroups: { lr: number }[];
  stateDict(): OptimizerStateDict;
  loadStateDict(sd: OptimizerStateDict): void;
}

/**
 * Base class of the optimizers, like `torch.optim.Optimizer`. Takes a list of parameters or of
 * parameter groups; updates parameters in place in `step()` from their `.grad`, skipping parameters
 * without a gradient. A pruned weight (one with a `weight_mask`, see `prune`) is masked again after
 * its update, so it stays zero through fine-tuning.
 */
export abstract class Optimizer<H extends { lr: number } & Record<string, HyperValue>> implements OptimizerLike {
  /** The groups with their resolved hyperparameters (schedulers change `lr` here). */
  readonly paramGroups: ParamGroup<H>[];
  /** State of each parameter that has been stepped. */
  protected readonly state = new Map<Tensor, ParamState>();

  protected constructor(
    readonly name: string,
    params: Tensor[] | ParamGroupInput<H>[],
    readonly defaults: H,
  ) {
    if (!Array.isArray(params) || params.length === 0) throw new Error(`${name}: got an empty parameter list`);
    const groups: ParamGroupInput<H>[] =
      params[0] instanceof Tensor
        ? [{ params: params as Tensor[] } as ParamGroupInput<H>]
        : (params as ParamGroupInput<H>[]);
    const seen = new Set<Tensor>();
    this.paramGroups = groups.map((g, gi) => {
      if (!g || !Array.isArray(g.params)) throw new Error(`${name}: parameter group ${gi} has no params array`);
      for (const p of g.params) {
        if (!(p instanceof Tensor))
          throw new Error(`${name}: parameter group ${gi} holds something that is not a Tensor`);
        if (seen.has(p)) throw new Error(`${name}: a parameter appears in more than one place (group ${gi})`);
        seen.add(p);
      }
      for (const key of Object.keys(g)) {
        if (key !== 'params' && !(key in defaults))
          throw new Error(`${name}: unknown option "${key}" in parameter group ${gi}`);
      }
      const group = { ...defaults, ...g, params: [...g.params] } as ParamGroup<H>;
      this.validate(group, gi);
      return group;
    });
  }

  /** Throws on a bad hyperparameter in group `index`. */
  protected abstract validate(group: ParamGroup<H>, index: number): void;

  /**
   * The state a stepped parameter of `group` holds: buffers shaped like the parameter (`tensors`) and
   * positive integer counters (`counters`). loadStateDict requires exactly these for every parameter
   * with state, so a resume never silently restarts a buffer.
   */
  protected abstract stateKeys(group: ParamGroup<H>): { tensors: readonly string[]; counters: readonly string[] };

  /** Updates one parameter in place from its gradient, with its group's hyperparameters and its state. */
  protected abstract update(param: Tensor, grad: Float32Array, group: ParamGroup<H>, state: ParamState): void;

  /** One optimization step over every parameter that has a gradient. */
  step(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        if (p.grad.size !== p.size)
          throw new Error(
            `${this.name}: gradient of shape [${p.grad.shape.join(', ')}] does not match parameter [${p.shape.join(', ')}]`,
          );
        dispatchDevice(`${this.name}.step`, [p, p.grad], ['a parameter', 'its gradient']);
        let s = this.state.get(p);
        if (!s) this.state.set(p, (s = {}));
        this.update(p, p.grad.data, group, s);
        applyPruningMask_(p); // a pruned weight (see prune) stays zero through fine-tuning
      }
    }
  }

  /** Clears every parameter's gradient (sets `.grad` to null). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** Every parameter in group order; a parameter's index here is its key in the state dict. */
  private allParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** A snapshot (copies) of the state and hyperparameters, like `optimizer.state_dict()`. */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    this.allParams().forEach((p, i) => {
      const s = this.state.get(p);
      if (!s) return;
      const entry: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(s)) entry[k] = typeof v === 'number' ? v : new Tensor(v.slice(), p.shape);
      state[i] = entry;
    });
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      return { ...(hyper as Record<string, HyperValue>), params: params.map(() => next++) };
    });
    return { state, paramGroups };
  }

  /**
   * Restores a snapshot taken by `stateDict()` of an optimizer over parameters of the same shapes.
   * Validates the whole snapshot first (groups, hyperparameters, every parameter's buffers and
   * counters: none missing, none unexpected, shapes equal); on any error nothing changes.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const params = this.allParams();
    if (!sd || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object')
      throw new Error(`${this.name}.loadStateDict: not an optimizer state dict`);
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(
        `${this.name}.loadStateDict: state has ${sd.paramGroups.length} parameter groups, optimizer has ${this.paramGroups.length}`,
      );
    }
    sd.paramGroups.forEach((g, gi) => {
      if (!Array.isArray(g.params) || g.params.length !== this.paramGroups[gi].params.length) {
        throw new Error(
          `${this.name}.loadStateDict: group ${gi} has ${g.params?.length} parameters, optimizer has ${this.paramGroups[gi].params.length}`,
        );
      }
    });
    // Resolve each group's hyperparameters first: they say which state a stepped parameter holds.
    const groups = sd.paramGroups.map((g, gi) => {
      const { params: _ignored, ...hyper } = g;
      const group = { ...this.paramGroups[gi], ...hyper, params: this.paramGroups[gi].params } as ParamGroup<H>;
      this.validate(group, gi);
      return group;
    });
    const groupOf = groups.flatMap((g) => g.params.map(() => g));
    const restored = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(sd.state)) {
      const index = Number(key);
      const p = Number.isInteger(index) && index >= 0 ? params[index] : undefined;
      if (!p)
        throw new Error(
          `${this.name}.loadStateDict: state for parameter ${key}, but the optimizer has ${params.length}`,
        );
      if (!entry || typeof entry !== 'object')
        throw new Error(`${this.name}.loadStateDict: state of parameter ${key} is not an object`);
      const { tensors, counters } = this.stateKeys(groupOf[index]);
      const s: ParamState = {};
      for (const k of [...tensors, ...counters]) {
        if (!(k in entry))
          throw new Error(
            `${this.name}.loadStateDict: state "${k}" of parameter ${key} is missing (a stepped parameter holds ${[...tensors, ...counters].join(', ')})`,
          );
      }
      for (const [k, v] of Object.entries(entry)) {
        if (counters.includes(k)) {
          if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
            throw new Error(
              `${this.name}.loadStateDict: state "${k}" of parameter ${key} must be a positive integer, got ${String(v)}`,
            );
          s[k] = v;
        } else if (tensors.includes(k)) {
          if (!(v instanceof Tensor) || v.shape.join() !== p.shape.join())
            throw new Error(
              `${this.name}.loadStateDict: state "${k}" of parameter ${key} does not match its shape [${p.shape.join(', ')}]`,
            );
          s[k] = v.data.slice();
        } else {
          throw new Error(
            `${this.name}.loadStateDict: unexpected state "${k}" of parameter ${key} (expected ${[...tensors, ...counters].join(', ') || 'none'})`,
          );
        }
      }
      restored.set(p, s);
    }
    groups.forEach((group, gi) => Object.assign(this.paramGroups[gi], group));
    this.state.clear();
    for (const [p, s] of restored) this.state.set(p, s);
  }
}

/** Throws unless `v` is a finite number >= min (and <= max when given). */
export function checkRange(op: string, name: string, v: unknown, min: number, max = Infinity, index?: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    const where = index === undefined ? '' : ` in parameter group ${index}`;
    throw new Error(`${op}: ${name} must be a number in [${min}, ${max}]${where}, got ${String(v)}`);
  }
}
