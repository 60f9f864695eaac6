// Test helpers: small models of every kind with non-trivial BatchNorm statistics, and the largest
// absolute difference between two arrays.
import { Generator, noGrad, randn, Tensor } from '@nodulab/tensor';
import { BatchNorm3d, createModel, Module, ModelSpec } from '@nodulab/nn';

/** Builds the model of `spec` in eval mode with random BN running statistics and affine parameters. */
export function modelWithStats(spec: ModelSpec, seed = 1): Module {
  const model = createModel(spec);
  const g = new Generator(seed);
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof BatchNorm3d)) continue;
    for (let c = 0; c < m.numFeatures; c++) {
      m.runningMean!.data[c] = g.uniformRange(-0.3, 0.3);
      m.runningVar!.data[c] = g.uniformRange(0.5, 2);
      m.weight!.data[c] = g.uniformRange(0.5, 1.5);
      m.bias!.data[c] = g.uniformRange(-0.2, 0.2);
    }
  }
  return model.eval();
}

/** A random batch x: (n, c, ...size) with values in about [-2, 2]. */
export function randomBatch(n: number, c: number, size: readonly number[], seed = 2): Tensor {
  return randn([n, c, ...size], new Generator(seed));
}

/** nodulab's own eval-mode output for x. */
export function nodulabOutput(
  model: Module,
  x: Tensor,
  output: 'logits' | 'embedding' | 'projection' | 'boxes',
): Tensor {
  const m = model as Module & { forwardTo(x: Tensor, output: string): Tensor };
  return noGrad(() => m.forwardTo(x, output));
}

/** max |a - b|, or Infinity when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Softmax over axis 1 of a (N, K, ...) array. */
export function softmaxAxis1(data: Float32Array, shape: readonly number[]): Float64Array {
  const [n, k] = shape;
  const inner = data.length / (n * k);
  const out = new Float64Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let v = 0; v < inner; v++) {
      let mx = -Infinity;
      for (let c = 0; c < k; c++) mx = Math.max(mx, data[(b * k + c) * inner + v]);
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(data[(b * k + c) * inner + v] - mx);
      for (let c = 0; c < k; c++) out[(b * k + c) * inner + v] = Math.exp(data[(b * k + c) * inner + v] - mx) / s;
    }
  }
  return out;
}
