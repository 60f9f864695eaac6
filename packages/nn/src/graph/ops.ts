// Ops: the small set of operations a composite module's forward pass is written with, once, for
// any value type V — Tensors for eager execution (eagerOps), symbolic names for an exporter's tracer.
import { Tensor, add, cat, flatten, globalAvgPool3d, relu } from '@nodulab/tensor';
import type { Module } from '../module';

/** The functional glue between modules: residual adds, skip concatenations, flatten, pooling. */
export interface GraphGlue<V> {
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

/** What a forward pass is written with: apply a child module, plus the glue. */
export interface Ops<V> extends GraphGlue<V> {
  /** Applies child module `m` to x (eagerly: `m.forward(x)`, so its hooks run). */
  call(m: Module, x: V): V;
}

/** Eager execution on tensors: `call` runs the module's forward (with its hooks), glue runs the tensor ops. */
export const eagerOps: Ops<Tensor> = {
  call: (m, x) => m.forward(x),
  add: (a, b) => add(a, b),
  relu: (x) => relu(x),
  concat: (xs, axis) => cat(xs, axis),
  flatten: (x) => flatten(x),
  globalAvgPool: (x) => globalAvgPool3d(x),
};

/**
 * A module whose forward pass is written once against {@link Ops}: `forward(x)` is
 * `forwardWith(eagerOps, x)`, and an exporter traces the same method with its own ops.
 * `output` picks one of several outputs (a model's 'features', 'embedding', 'logits', 'projection').
 */
export interface DescribedModule {
  forwardWith<V>(ops: Ops<V>, x: V, output?: string): V;
}

/** Whether m writes its forward pass against {@link Ops}. */
export function isDescribed(m: Module): m is Module & DescribedModule {
  return typeof (m as Partial<DescribedModule>).forwardWith === 'function';
}
