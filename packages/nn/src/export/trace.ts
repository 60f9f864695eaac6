// GraphTracer: what an exporter (e.g. @nodulab/onnx) implements to turn a module into a graph — one
// mapping per leaf layer plus the glue. traceModule walks the module tree, tracing each composite
// module's own forwardWith (the same description eager execution runs), so no forward is written twice.
import { Module } from '../module';
import { Sequential } from '../layers/container';
import { GraphGlue, isDescribed, Ops } from '../graph/ops';

/**
 * Builds a graph from symbolic values V (e.g. ONNX value names). Leaf layers (Conv3d, BatchNorm3d,
 * Linear, activations, pools, Flatten, Identity, Dropout, ...) go through `layer`; the functional
 * glue between modules (residual adds, skip concats, flatten, pooling) through the other methods.
 */
export interface GraphTracer<V> extends GraphGlue<V> {
  /** Applies a leaf layer `module` (its parameters are read by the tracer) to x. */
  layer(module: Module, x: V): V;
}

/**
 * Which output of a model to trace: class (or per-voxel) logits, the embedding, the projection head, or the
 * box-regression head's normalised boxes.
 */
export type TraceOutput = 'logits' | 'embedding' | 'projection' | 'boxes';

/** The {@link Ops} of tracer t: a child module is traced recursively, the glue goes to t. */
function tracingOps<V>(t: GraphTracer<V>): Ops<V> {
  return {
    call: (m, x) => traceModule(t, m, x),
    add: (a, b) => t.add(a, b),
    relu: (x) => t.relu(x),
    concat: (xs, axis) => t.concat(xs, axis),
    flatten: (x) => t.flatten(x),
    globalAvgPool: (x) => t.globalAvgPool(x),
  };
}

/**
 * Traces `m` applied to x: its `forwardWith` if it has one (models, blocks, heads), each child in
 * order for a Sequential (its fused kernels compute the same as its children one by one), otherwise
 * `t.layer(m, x)` (the tracer decides whether it knows the layer).
 */
export function traceModule<V>(t: GraphTracer<V>, m: Module, x: V, output?: string): V {
  if (isDescribed(m)) return m.forwardWith(tracingOps(t), x, output);
  if (m instanceof Sequential) {
    for (let i = 0; i < m.length; i++) x = traceModule(t, m.at(i), x);
    return x;
  }
  return t.layer(m, x);
}
