// Dense layers on the native MatMul kernel: matmul (a · b) and linear (x · Wᵀ + b), with gradients.
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { native } from '../binding';
import { Tensor } from '../tensor';
import { fmt } from './shape_utils';

function expect2d(op: string, name: string, t: Tensor): [number, number] {
  if (t.ndim !== 2) throw new Error(`${op}: ${name} must be 2-D, got shape ${fmt(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

/**
 * Matrix product of a (M, K) and b (K, N), like `torch.mm`.
 * @returns (M, N)
 * @throws when an operand is not 2-D or the inner dimensions differ
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  dispatchDevice('matmul', [a, b], ['a', 'b']);
  const op = 'matmul';
  const as = expect2d(op, 'a', a);
  const bs = expect2d(op, 'b', b);
  if (as[1] !== bs[0]) throw new Error(`${op}: a ${fmt(as)} and b ${fmt(bs)} have different inner dimensions`);
  const out = new Tensor(native.matmul(a.data, as, b.data, bs, false, false), [as[0], bs[1]]);
  return record(out, op, [a, b], (g, needs) => {
    const gs: [number, number] = [as[0], bs[1]];
    return [
      needs[0] ? new Tensor(native.matmul(g.data, gs, b.data, bs, false, true), as) : null, // g bᵀ
      needs[1] ? new Tensor(native.matmul(a.data, as, g.data, gs, true, false), bs) : null, // aᵀ g
    ];
  });
}

/**
 * Fully connected layer, like `torch.nn.functional.linear`: y = x · weightᵀ + bias.
 * @param x (N, inFeatures)
 * @param weight (outFeatures, inFeatures)
 * @param bias optional (outFeatures)
 * @returns (N, outFeatures)
 * @throws when shapes disagree
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  dispatchDevice('linear', [x, weight, bias], ['input', 'weight', 'bias']);
  const op = 'linear';
  const xs = expect2d(op, 'input', x);
  const ws = expect2d(op, 'weight', weight);
  if (xs[1] !== ws[1]) {
    throw new Error(`${op}: input ${fmt(xs)} has ${xs[1]} features but weight ${fmt(ws)} expects ${ws[1]}`);
  }
  const [n, out] = [xs[0], ws[0]];
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== out)) {
    throw new Error(`${op}: bias must have shape [${out}], got ${fmt(bias.shape)}`);
  }
  const y = native.matmul(x.data, xs, weight.data, ws, false, true);
  if (bias) {
    for (let i = 0; i < n; i++) for (let j = 0; j < out; j++) y[i * out + j] += bias.data[j];
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(new Tensor(y, [n, out]), op, inputs, (g, needs) => {
    const gs: [number, number] = [n, out];
    const dx = needs[0] ? new Tensor(native.matmul(g.data, gs, weight.data, ws, false, false), xs) : null; // g W
    const dw = needs[1] ? new Tensor(native.matmul(g.data, gs, x.data, xs, true, false), ws) : null; // gᵀ x
    if (!bias) return [dx, dw];
    let db: Tensor | null = null;
    if (needs[2]) {
      const s = new Float64Array(out);
      for (let i = 0; i < n; i++) for (let j = 0; j < out; j++) s[j] += g.data[i * out + j];
      db = new Tensor(Float32Array.from(s), [out]);
    }
    return [dx, dw, db];
  });
}
