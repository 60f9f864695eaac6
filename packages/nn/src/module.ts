// Module: the base class of every layer and model — parameters, buffers, submodules, train/eval mode,
// forward hooks, and PyTorch-style state dicts with dotted names ("features.0.weight").
import { DeviceLike, requireDevice, Tensor } from '@nodulab/tensor';
import { applyPruningMask_ } from './prune/masks';

/**
 * Called after `module.forward(...inputs)` returned `output`, like a hook given to PyTorch's
 * `register_forward_hook`. Returning a tensor replaces the output (what later layers see).
 */
export type ForwardHook<M extends Module = Module> = (module: M, inputs: Tensor[], output: Tensor) => Tensor | void;

/** What {@link Module.registerForwardHook} returns: `remove()` unregisters the hook. */
export interface RemovableHandle {
  remove(): void;
}

/** Options for {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Throw on missing or unexpected keys (default true). Shape mismatches always throw. */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} did not match (only non-empty when `strict` is false). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A flat name -> tensor map of a module's parameters and buffers, in registration order. */
export type StateDict = Record<string, Tensor>;

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new Error(`${kind}: name "${name}" must be a non-empty string without '.'`);
  }
}

/**
 * Base class of layers and models, like `torch.nn.Module`. Subclasses register their parameters,
 * buffers and children in the constructor and implement `forward`. Call a module as `m.forward(x)`.
 * Parameters are updated in place by optimizers and `loadStateDict`, so references stay valid.
 */
export abstract class Module {
  /** True in training mode (batch statistics, dropout on); false after `eval()`. */
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly bufs = new Map<string, Tensor | null>();
  private readonly children = new Map<string, Module>();
  private readonly forwardHooks = new Set<ForwardHook>();
  /** The `forward` the hook wrapper calls (set while the module has hooks). */
  private unhookedForward: { fn: Module['forward']; own: boolean } | null = null;

  /** Computes the module's output. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * Registers a trainable tensor under `name` (marked requiresGrad); returns it. `null` reserves the name (e.g. no
   * bias).
   */
  registerParameter<T extends Tensor | null>(name: string, param: T): T {
    checkName('registerParameter', name);
    if (this.bufs.has(name) || this.children.has(name))
      throw new Error(`registerParameter: "${name}" is already a buffer or submodule`);
    if (param) param.requiresGrad = true;
    this.params.set(name, param);
    return param;
  }

  /** Registers non-trainable state saved in the state dict (e.g. BatchNorm's running_mean); returns it. */
  registerBuffer<T extends Tensor | null>(name: string, buffer: T): T {
    checkName('registerBuffer', name);
    if (this.params.has(name) || this.children.has(name))
      throw new Error(`registerBuffer: "${name}" is already a parameter or submodule`);
    this.bufs.set(name, buffer);
    return buffer;
  }

  /** Registers a child module under `name` (its entries appear as "name.<entry>"); returns it. */
  registerModule<M extends Module>(name: string, module: M): M {
    checkName('registerModule', name);
    if (this.params.has(name) || this.bufs.has(name))
      throw new Error(`registerModule: "${name}" is already a parameter or buffer`);
    if (!(module instanceof Module)) throw new Error(`registerModule: "${name}" is not a Module`);
    this.children.set(name, module);
    return module;
  }

  /**
   * Registers `hook` to run after every forward pass of this module, like PyTorch's
   * `register_forward_hook`. While a module has hooks its `forward` is wrapped on the instance, so
   * every caller runs them (models, containers, user code), and a {@link Sequential} runs a hooked
   * module on its own instead of inside a fused BatchNorm3d→ReLU(→MaxPool3d) kernel: the hook sees
   * exactly that module's output, still attached to the autograd graph.
   */
  registerForwardHook(hook: ForwardHook<this>): RemovableHandle {
    const h = hook as ForwardHook;
    if (!this.unhookedForward) this.wrapForward();
    this.forwardHooks.add(h);
    return {
      remove: () => {
        if (!this.forwardHooks.delete(h) || this.forwardHooks.size > 0 || !this.unhookedForward) return;
        const { fn, own } = this.unhookedForward;
        this.unhookedForward = null;
        if (own) this.forward = fn;
        else delete (this as Partial<Module>).forward;
      },
    };
  }

  /** Whether forward hooks are registered on this module. */
  hasForwardHooks(): boolean {
    return this.forwardHooks.size > 0;
  }

  private wrapForward(): void {
    const fn = this.forward;
    this.unhookedForward = { fn, own: Object.prototype.hasOwnProperty.call(this, 'forward') };
    this.forward = (...inputs: Tensor[]): Tensor => {
      let output = fn.apply(this, inputs);
      for (const hook of [...this.forwardHooks]) output = hook(this, inputs, output) ?? output;
      return output;
    };
  }

  /**
   * The descendant at dotted path `target` ("" is this module), like PyTorch's `get_submodule`; throws naming the
   * missing part.
   */
  getSubmodule(target: string): Module {
    let m = this as Module;
    let path = '';
    for (const name of target === '' ? [] : target.split('.')) {
      const child = m.children.get(name);
      if (!child) {
        const known = [...m.children.keys()].join(', ') || 'none';
        const parent = path ? `"${path}"` : 'the model';
        const why = `${parent} has no child "${name}"; its children: ${known}`;
        throw new Error(`getSubmodule: ${this.constructor.name} has no submodule "${target}" (${why})`);
      }
      m = child;
      path = path ? `${path}.${name}` : name;
    }
    return m;
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    return [...this.children.entries()];
  }

  /** This module and every descendant with dotted names ("" for this one), depth first. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter with its dotted name, in registration order; a shared (tied) parameter is listed once. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.params) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }

  /** Every parameter (what an optimizer updates). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer with its dotted name. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.bufs) if (b) out.push([prefix ? `${prefix}.${name}` : name, b]);
    }
    return out;
  }

  /** Every buffer. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /**
   * Moves every parameter and buffer to `device` in place, like `model.to(device)`: the tensor objects
   * stay the same (an optimizer made before keeps working), their elements and gradients move. Returns
   * this. Throws naming the device and the reason when it is not available.
   */
  to(device: DeviceLike): this {
    const target = requireDevice(device, `${this.constructor.name}.to`);
    for (const t of [...this.parameters(), ...this.buffers()]) t.moveTo_(target);
    return this;
  }

  /** `to('cpu')`. */
  cpu(): this {
    return this.to('cpu');
  }

  /** `to('cuda:<index>')`. */
  cuda(index = 0): this {
    return this.to(`cuda:${index}`);
  }

  /** Sets training mode on this module and all descendants; returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (running statistics, no dropout): `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient (sets `.grad` to null, PyTorch's default). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /**
   * A snapshot of every parameter and buffer keyed by dotted name, parameters and buffers of each
   * module in registration order (like `state_dict()`). The tensors are copies, detached from the graph.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      const key = (name: string) => (prefix ? `${prefix}.${name}` : name);
      for (const [name, p] of m.params) if (p) out[key(name)] = p.clone();
      for (const [name, b] of m.bufs) if (b) out[key(name)] = b.clone();
    }
    return out;
  }

  /**
   * Copies tensors from `stateDict` into this module's parameters and buffers, in place.
   * Throws, naming the keys, on missing or unexpected keys (when strict, the default) and on any
   * shape mismatch; nothing is copied unless everything checks out. Weights with a pruning mask (see
   * `prune`) are masked again after loading.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const source = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
    const missingKeys = [...own.keys()].filter((k) => !source.has(k));
    const unexpectedKeys = [...source.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    for (const [key, target] of own) {
      const src = source.get(key);
      if (!src) continue;
      if (!(src instanceof Tensor)) {
        problems.push(`"${key}" is not a Tensor`);
      } else if (src.shape.length !== target.shape.length || src.shape.some((d, i) => d !== target.shape[i])) {
        problems.push(`shape mismatch for "${key}": checkpoint has ${fmt(src.shape)}, model has ${fmt(target.shape)}`);
      }
    }
    if (problems.length) throw new Error(`loadStateDict (${this.constructor.name}): ${problems.join('; ')}`);
    for (const [key, target] of own) {
      const src = source.get(key);
      if (src) target.copy_(src); // from any device onto the target's device
    }
    for (const [, target] of own) applyPruningMask_(target); // pruned weights stay zero whatever was loaded
    return { missingKeys, unexpectedKeys };
  }
}
