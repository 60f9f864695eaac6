// Small shape helpers shared by the ops: checks that name the op and the offending shapes.
import type { Tensor } from '../tensor';
import type { Shape5, Triple } from '../binding';

/** "[2, 3, 4]" */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws unless `t` is 5-D (N, C, D, H, W); returns its shape typed. */
export function expect5d(op: string, name: string, t: Tensor): Shape5 {
  if (t.shape.length !== 5) throw new Error(`${op}: ${name} must be 5-D (N, C, D, H, W), got shape ${fmt(t.shape)}`);
  return t.shape as unknown as Shape5;
}

/** Throws unless a and b have identical shapes. */
export function expectSameShape(op: string, a: Tensor, b: Tensor, an = 'a', bn = 'b'): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: ${an} shape ${fmt(a.shape)} does not match ${bn} shape ${fmt(b.shape)}`);
  }
}

/** Expands a number or a triple to a triple of integers >= min, naming the option on error. */
export function triple(
  op: string,
  name: string,
  v: number | readonly number[] | undefined,
  dflt: number,
  min: number,
): Triple {
  const t = v === undefined ? [dflt, dflt, dflt] : typeof v === 'number' ? [v, v, v] : [...v];
  if (t.length !== 3 || t.some((x) => !Number.isInteger(x) || x < min)) {
    throw new Error(`${op}: ${name} must be an integer >= ${min} or three of them, got ${JSON.stringify(v)}`);
  }
  return t as Triple;
}

/** Output size of a sliding window: floor((in + 2p - d(k-1) - 1)/s) + 1. */
export function windowOut(inSize: number, k: number, s: number, p: number, d = 1): number {
  return Math.floor((inSize + 2 * p - d * (k - 1) - 1) / s) + 1;
}
