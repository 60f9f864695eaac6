// GraphTracer: the visitor through which a model describes its eval-mode forward pass to an exporter
// (e.g. @nodulab/onnx) without the exporter knowing the model's internals. `traceModule` walks
// containers; each model class adds a `trace` method for the parts that are code, not modules.
import { Module } from '../module';
import { Sequential } from '../layers/container';

/**
 * Builds a graph from symbolic values V (e.g. ONNX value names). Leaf layers (Conv3d, BatchNorm3d,
 * Linear, activations, pools, Flatten, Identity, Dropout, ...) go through `layer`; the functional
 * glue between modules (residual adds, skip concats, flatten, pooling) through the other methods.
 */
export interface GraphTracer<V> {
  /** Applies a leaf layer `module` (its parameters are read by the tracer) to x. */
  layer(module: Module, x: V): V;
  /** a + b, same shapes (ResNet shortcuts). */
  add(a: V, b: V): V;
  /** max(x, 0). */
  relu(x: V): V;
  /** Concatenation along `axis` (U-Net skips: channels, axis 1). */
  concat(xs: V[], axis: number): V;
  /** (N, ...) -> (N, prod(...)). */
  flatten(x: V): V;
  /** (N,C,D,H,W) -> (N,C,1,1,1) mean over D, H, W. */
  globalAvgPool(x: V): V;
}

/** Which output of a model to trace: class (or per-voxel) logits, the embedding, or the projection head. */
export type TraceOutput = 'logits' | 'embedding' | 'projection';

/** A module that describes its own forward pass to a tracer (models, blocks). */
export interface Traceable {
  trace<V>(t: GraphTracer<V>, x: V, output?: TraceOutput): V;
}

function isTraceable(m: Module): m is Module & Traceable {
  return typeof (m as Partial<Traceable>).trace === 'function';
}

/**
 * Traces `m` applied to x: its own `trace` if it has one, each child in order for a Sequential,
 * otherwise `t.layer(m, x)` (the tracer decides whether it knows the layer).
 */
export function traceModule<V>(t: GraphTracer<V>, m: Module, x: V, output?: TraceOutput): V {
  if (isTraceable(m)) return m.trace(t, x, output);
  if (m instanceof Sequential) {
    for (let i = 0; i < m.length; i++) x = traceModule(t, m.at(i), x);
    return x;
  }
  return t.layer(m, x);
}
