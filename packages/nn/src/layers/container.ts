// Containers and shape layers: Sequential and ModuleList (children named "0", "1", ...), Identity, Flatten.
import { Tensor, flatten } from '@nodulab/tensor';
import { Module } from '../module';
import { BatchNorm3d } from './batchnorm';
import { ReLU } from './activation';
import { MaxPool3d } from './pooling';

/** Whether m is a MaxPool3d as the library defines it (not a subclass, forward not replaced). */
function isPlainMaxPool(m: Module | undefined): m is MaxPool3d {
  return m instanceof MaxPool3d && m.constructor === MaxPool3d && m.forward === MaxPool3d.prototype.forward;
}

/** Whether `bn` then `next` may run as one fused BatchNorm3d + ReLU (neither customized by a subclass or a patched forward). */
function fusesWithRelu(bn: Module, next: Module | undefined): bn is BatchNorm3d {
  return (
    bn instanceof BatchNorm3d && bn.forward === BatchNorm3d.prototype.forward &&
    next instanceof ReLU && next.constructor === ReLU && next.forward === ReLU.prototype.forward
  );
}

/**
 * Runs its modules in order, like `torch.nn.Sequential`; state-dict keys are "0.weight", "1.bias", ...
 * A BatchNorm3d directly followed by a ReLU runs as one fused native pass, and BatchNorm3d, ReLU,
 * MaxPool3d as one fused block that never stores the ReLU output (same results, in training and
 * evaluation); the modules and their names are unchanged.
 */
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
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i];
      if (fusesWithRelu(m, layers[i + 1]) && isPlainMaxPool(layers[i + 2])) {
        x = m.forwardReluMaxPool(x, layers[i + 2] as MaxPool3d);
        i += 2; // the ReLU and the pool ran inside the fused block
      } else if (fusesWithRelu(m, layers[i + 1])) {
        x = m.forwardRelu(x);
        i++; // the ReLU ran inside the fused pass
      } else {
        x = m.forward(x);
      }
    }
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
