// Containers and shape layers: Sequential and ModuleList (children named "0", "1", ...), Identity, Flatten.
import { Tensor, conv3dBatchNormReluInfer, flatten, isGradEnabled } from '@nodulab/tensor';
import { Module } from '../module';
import { BatchNorm3d } from './batchnorm';
import { ReLU } from './activation';
import { MaxPool3d } from './pooling';
import { Conv3d } from './conv';

/**
 * Whether m is exactly a `cls` as the library defines it, so a fused kernel may stand in for it: not a
 * subclass, `forward` not replaced, no forward hooks (a hook must see this module's own output).
 */
function runsAsDefined<M extends Module>(m: Module | undefined, cls: abstract new (...args: never[]) => M): m is M {
  return m instanceof cls && m.constructor === cls && m.forward === cls.prototype.forward && !m.hasForwardHooks();
}

/**
 * Modules indexed "0", "1", ... in insertion order (the state-dict prefixes): the part Sequential and ModuleList
 * share.
 */
abstract class IndexedModules<M extends Module> extends Module {
  protected readonly items: M[] = [];

  constructor(modules: M[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end (named by its index); returns this. */
  append(module: M): this {
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
    return this;
  }

  /** The module at `index`. */
  at(index: number): M {
    const m = this.items[index];
    if (!m) throw new Error(`${this.constructor.name}: no module at index ${index} (length ${this.items.length})`);
    return m;
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

/**
 * Runs its modules in order, like `torch.nn.Sequential`; state-dict keys are "0.weight", "1.bias", ...
 * A BatchNorm3d directly followed by a ReLU runs as one fused native pass, and BatchNorm3d, ReLU,
 * MaxPool3d as one fused block that never stores the ReLU output (same results, in training and
 * evaluation); the modules and their names are unchanged. A module with forward hooks runs on its own.
 * For inference (eval mode, no gradient wanted), Conv3d, BatchNorm3d, ReLU (and MaxPool3d) run as one
 * native call with the BatchNorm folded into the convolution, so the conv output is never stored.
 */
export class Sequential extends IndexedModules<Module> {
  constructor(...modules: Module[]) {
    super(modules);
  }

  override forward(x: Tensor): Tensor {
    const layers = this.items;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i];
      const block = inferenceBlock(layers, i, x);
      if (block) {
        x = block.run(x);
        i += block.span - 1;
        continue;
      }
      const fuses = runsAsDefined(m, BatchNorm3d) && runsAsDefined(layers[i + 1], ReLU);
      const pool = layers[i + 2];
      if (fuses && runsAsDefined(pool, MaxPool3d)) {
        x = m.forwardReluMaxPool(x, pool);
        i += 2; // the ReLU and the pool ran inside the fused block
      } else if (fuses) {
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
 * The inference block starting at layers[i]: Conv3d, BatchNorm3d in eval mode with running statistics,
 * ReLU, optionally MaxPool3d, all run as defined, when no gradient is wanted (none enabled, or none of x
 * and the parameters requires one). Null when the layers do not form one.
 */
function inferenceBlock(layers: Module[], i: number, x: Tensor): { span: number; run: (x: Tensor) => Tensor } | null {
  const conv = layers[i],
    bn = layers[i + 1],
    pool = layers[i + 3];
  if (!runsAsDefined(conv, Conv3d) || !runsAsDefined(bn, BatchNorm3d) || !runsAsDefined(layers[i + 2], ReLU))
    return null;
  if (conv.training || bn.training || !bn.runningMean || !bn.runningVar) return null;
  const params = [x, conv.weight, conv.bias, bn.weight, bn.bias];
  if (isGradEnabled() && params.some((t) => t?.requiresGrad)) return null;
  const withPool = runsAsDefined(pool, MaxPool3d);
  const stats = {
    runningMean: bn.runningMean,
    runningVar: bn.runningVar,
    weight: bn.weight,
    bias: bn.bias,
    eps: bn.eps,
  };
  return {
    span: withPool ? 4 : 3,
    run: (v) =>
      conv3dBatchNormReluInfer(
        v,
        conv.weight,
        conv.bias,
        stats,
        { stride: conv.stride, padding: conv.padding, dilation: conv.dilation },
        withPool ? { kernelSize: pool.kernelSize, stride: pool.options.stride, padding: pool.options.padding } : null,
      ),
  };
}

/**
 * An indexed list of modules that is not itself run (like `torch.nn.ModuleList`): its children's
 * entries appear as "0.weight", "1.weight", ... in the state dict.
 */
export class ModuleList<M extends Module = Module> extends IndexedModules<M> {
  constructor(modules: M[] = []) {
    super(modules);
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
