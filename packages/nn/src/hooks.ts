// captureOutputs: run a function with forward hooks on named layers and collect what each one output
// (feature maps for Grad-CAM, spectral signatures, CKA, probes).
import type { Tensor } from '@nodulab/tensor';
import type { Module, RemovableHandle } from './module';

/** What {@link captureOutputs} returns: fn's result and each named layer's output. */
export interface Captured<T> {
  result: T;
  /**
   * name -> that layer's output (the last one, for a layer run several times in one pass), attached to the autograd
   * graph.
   */
  outputs: Record<string, Tensor>;
}

/**
 * Runs `fn` (e.g. `() => model.forward(x)`) with a forward hook on each layer of `model` named in
 * `names` (dotted, as in `namedModules()`: "features.2", "layer3", "decoders.0"), and returns the
 * layers' outputs; the hooks are removed afterwards, also when fn throws. Throws naming a layer
 * that does not exist, or one that did not run.
 *
 * @example
 * const { result: logits, outputs } = captureOutputs(model, ['layer3', 'layer4'], () => model.forward(x));
 */
export function captureOutputs<T>(model: Module, names: readonly string[], fn: () => T): Captured<T> {
  const outputs: Record<string, Tensor> = {};
  const handles: RemovableHandle[] = [];
  try {
    for (const name of names) {
      handles.push(
        model.getSubmodule(name).registerForwardHook((_m, _inputs, output) => {
          outputs[name] = output;
        }),
      );
    }
    const result = fn();
    const missing = names.filter((n) => !(n in outputs));
    if (missing.length)
      throw new Error(`captureOutputs: layer(s) ${missing.map((n) => `"${n}"`).join(', ')} did not run`);
    return { result, outputs };
  } finally {
    for (const h of handles) h.remove();
  }
}
