// Elementwise arithmetic, reductions and reshapes with their gradients.
import { dispatchDevice } from '../device';
import { record, setGradAdder } from '../autograd';
import { native } from '../binding';
import { Tensor } from '../tensor';
import { expectSameShape, fmt } from './shape_utils';

/** alpha*a + beta*b for same-shape tensors, through the native kernel. */
function axpbyData(alpha: number, a: Float32Array, beta: number, b: Float32Array): Float32Array {
  return native.axpby(alpha, a, beta, b);
}

/** a + b (same shapes). */
export function add(a: Tensor, b: Tensor): Tensor {
  dispatchDevice('add', [a, b], ['a', 'b']);
  expectSameShape('add', a, b);
  const out = new Tensor(axpbyData(1, a.data, 1, b.data), a.shape);
  return record(out, 'add', [a, b], (g) => [g, g]);
}

/** a - b (same shapes). */
export function sub(a: Tensor, b: Tensor): Tensor {
  dispatchDevice('sub', [a, b], ['a', 'b']);
  expectSameShape('sub', a, b);
  const out = new Tensor(axpbyData(1, a.data, -1, b.data), a.shape);
  return record(out, 'sub', [a, b], (g) => [g, mulScalar(g, -1)]);
}

/** a * b elementwise (same shapes). */
export function mul(a: Tensor, b: Tensor): Tensor {
  dispatchDevice('mul', [a, b], ['a', 'b']);
  expectSameShape('mul', a, b);
  const out = new Tensor(native.mul(a.data, b.data), a.shape);
  return record(out, 'mul', [a, b], (g) => [mul(g, b), mul(g, a)]);
}

/** a * s for a number s. */
export function mulScalar(a: Tensor, s: number): Tensor {
  dispatchDevice('mulScalar', [a]);
  const out = new Tensor(axpbyData(s, a.data, 0, a.data), a.shape);
  return record(out, 'mulScalar', [a], (g) => [mulScalar(g, s)]);
}

/** a + s for a number s. */
export function addScalar(a: Tensor, s: number): Tensor {
  dispatchDevice('addScalar', [a]);
  const d = new Float32Array(a.size);
  for (let i = 0; i < d.length; i++) d[i] = a.data[i] + s;
  return record(new Tensor(d, a.shape), 'addScalar', [a], (g) => [g]);
}

/** -a */
export function neg(a: Tensor): Tensor {
  return mulScalar(a, -1);
}

/** Sum of all elements (a one-element tensor of shape []). Accumulates in float64. */
export function sum(a: Tensor): Tensor {
  dispatchDevice('sum', [a]);
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i];
  const out = Tensor.from([s], []);
  return record(out, 'sum', [a], (g) => [Tensor.full(a.shape, g.data[0])]);
}

/** Mean of all elements (shape []). */
export function mean(a: Tensor): Tensor {
  if (a.size === 0) throw new Error('mean: empty tensor');
  return mulScalar(sum(a), 1 / a.size);
}

/** The same elements with a new shape (one dimension may be -1). Shares the data. */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1) throw new Error(`reshape: at most one -1 in ${fmt(shape)}`);
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : a.size / known) : d));
  const n = resolved.reduce((p, d) => p * d, 1);
  if (n !== a.size || resolved.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot view ${a.size} elements of shape ${fmt(a.shape)} as ${fmt(shape)}`);
  }
  const out = a.withShape(resolved);
  return record(out, 'reshape', [a], (g) => [g.withShape(a.shape)]);
}

/** (N, ...) -> (N, prod(...)). */
export function flatten(a: Tensor): Tensor {
  if (a.ndim < 1) throw new Error('flatten: needs at least one dimension');
  return reshape(a, [a.shape[0], -1]);
}

setGradAdder((a, b) => new Tensor(axpbyData(1, a.data, 1, b.data), a.shape));
