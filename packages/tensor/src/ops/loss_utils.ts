// Helpers shared by the loss functions: option checks (reduction, labels, weight vectors) and the
// reduction of per-item losses to 'none' | 'sum' | 'mean' together with its gradient.
import { Tensor } from '../tensor';

/** How per-item losses are combined, as in PyTorch. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Returns `reduction` (default 'mean') or throws naming the op. */
export function checkReduction(op: string, reduction: Reduction | undefined): Reduction {
  const r = reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
  return r;
}

/**
 * Class indices as an Int32Array of length n, each an integer in [0, classes) (no upper bound when
 * classes is undefined). Accepts an Int32Array or a number[].
 */
export function toLabels(
  op: string,
  name: string,
  labels: Int32Array | readonly number[],
  n: number,
  classes?: number,
): Int32Array {
  if (!(labels instanceof Int32Array) && !Array.isArray(labels)) {
    throw new Error(`${op}: ${name} must be an Int32Array or an array of integers`);
  }
  if (labels.length !== n) throw new Error(`${op}: ${name} has ${labels.length} entries but the input has ${n} rows`);
  const out = labels instanceof Int32Array ? labels : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    const ok =
      Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && (classes === undefined || (v >= 0 && v < classes));
    if (!ok) {
      const range = classes === undefined ? 'a 32-bit integer' : `an integer in [0, ${classes})`;
      throw new Error(`${op}: ${name}[${i}] = ${v} is not ${range}`);
    }
    out[i] = v;
  }
  return out;
}

/** A vector of `length` finite numbers from a Tensor, typed array or number[] (e.g. class weights). */
export function toVector(op: string, name: string, v: Tensor | ArrayLike<number>, length: number): Float64Array {
  const data = v instanceof Tensor ? v.data : v;
  if (!data || typeof data.length !== 'number')
    throw new Error(`${op}: ${name} must be a Tensor or an array of numbers`);
  if (data.length !== length) throw new Error(`${op}: ${name} has ${data.length} entries, expected ${length}`);
  const out = Float64Array.from(data as ArrayLike<number>);
  out.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new Error(`${op}: ${name}[${i}] must be a finite number, got ${x}`);
  });
  return out;
}

/** A reduced loss and, given the gradient of `out`, the gradient reaching each item k. */
export interface ReducedLoss {
  out: Tensor;
  itemGrad: (g: Tensor) => (k: number) => number;
}

/**
 * Reduces per-item losses `values` (of shape `shape`): 'none' keeps them, 'sum' adds them (float64),
 * 'mean' divides the sum by `denominator` (default: the item count; a zero denominator gives NaN or
 * ±Infinity, as PyTorch's division does).
 */
export function reduceLosses(
  values: Float64Array,
  shape: readonly number[],
  reduction: Reduction,
  denominator = values.length,
): ReducedLoss {
  if (reduction === 'none') {
    return { out: new Tensor(Float32Array.from(values), shape), itemGrad: (g) => (k) => g.data[k] };
  }
  let total = 0;
  for (let k = 0; k < values.length; k++) total += values[k];
  const scale = reduction === 'sum' ? 1 : 1 / denominator;
  return {
    out: Tensor.from([total * scale], []),
    itemGrad: (g) => {
      const s = g.data[0] * scale;
      return () => s;
    },
  };
}
