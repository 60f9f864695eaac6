// Containers and shape layers: Sequential and ModuleList (children named "0", "1", ...), Identity, Flatten.
import { Tensor, flatten } from '@nodulab/tensor';
import { Module } from '../module';

/** Runs its modules in order, like `torch.nn.Sequential`; state-dict keys are "0.weight", "1.bias", ... */
export class Sequential extends Module {
  private readonly layers: Module[] = [];

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end (named by its index); returns this. */
  append(module: Module): this {
    this.registerModule(String(this.layers.length), module);
    this.layers.push(module);
    return this;
  }

  /** The module at `index`. */
  at(index: number): Module {
    const m = this.layers[index];
    if (!m) throw new Error(`Sequential: no module at index ${index} (length ${this.layers.length})`);
    return m;
  }

  /** Number of modules. */
  get length(): number {
    return this.layers.length;
  }

  override forward(x: Tensor): Tensor {
    for (const m of this.layers) x = m.forward(x);
    return x;
  }
}

/**
 * An indexed list of modules that is not itself run (like `torch.nn.ModuleList`): its children's
 * entries appear as "0.weight", "1.weight", ... in the state dict.
 */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end; returns this. */
  append(module: M): this {
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
    return this;
  }

  /** The module at `index`. */
  at(index: number): M {
    const m = this.items[index];
    if (!m) throw new Error(`ModuleList: no module at index ${index} (length ${this.items.length})`);
    return m;
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  override forward(): Tensor {
    throw new Error('ModuleList: has no forward; call its modules');
  }
}

/** Returns its input unchanged, like `torch.nn.Identity`. */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}

/** (N, ...) -> (N, prod(...)), like `torch.nn.Flatten()`. */
export class Flatten extends Module {
  override forward(x: Tensor): Tensor {
    return flatten(x);
  }
}
