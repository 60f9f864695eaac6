// Joining and cutting along one dimension: cat (torch.cat) and narrow (torch.narrow), with gradients.
// Both copy blocks of `inner` contiguous elements: x viewed as (outer, size[dim], inner).
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { Tensor } from '../tensor';
import { fmt } from './shape_utils';

/** Resolves a possibly negative `dim` against `ndim`, naming the op on error. */
function resolveDim(op: string, dim: number, ndim: number): number {
  if (!Number.isInteger(dim) || dim < -ndim || dim >= ndim) {
    throw new Error(`${op}: dim ${dim} is out of range for a ${ndim}-D tensor (expected ${-ndim}..${ndim - 1})`);
  }
  return dim < 0 ? dim + ndim : dim;
}

/** Product of shape[from..to). */
function prod(shape: readonly number[], from: number, to: number): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i];
  return p;
}

/** Copies the (outer, len, inner) block of `src` starting at `srcStart` along the middle axis into `dst`. */
function copyBlocks(
  src: Float32Array,
  srcDim: number,
  srcStart: number,
  dst: Float32Array,
  dstDim: number,
  dstStart: number,
  outer: number,
  len: number,
  inner: number,
): void {
  const chunk = len * inner;
  for (let o = 0; o < outer; o++) {
    const s = (o * srcDim + srcStart) * inner;
    const d = (o * dstDim + dstStart) * inner;
    dst.set(src.subarray(s, s + chunk), d);
  }
}

/**
 * Concatenates tensors along `dim` (negative counts from the end), like `torch.cat`.
 * All tensors need the same rank and the same sizes in every other dimension; e.g. the U-Net skip
 * connection joins (N,C1,D,H,W) and (N,C2,D,H,W) on dim 1 into (N,C1+C2,D,H,W).
 * The gradient of each input is its slice of the output gradient.
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  dispatchDevice('cat', Array.isArray(tensors) ? tensors : []);
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('cat: expects a non-empty array of tensors');
  const first = tensors[0];
  if (first.ndim === 0) throw new Error('cat: zero-dimensional tensors cannot be concatenated');
  const d = resolveDim('cat', dim, first.ndim);
  let total = 0;
  tensors.forEach((t: Tensor, k: number) => {
    const same = t.ndim === first.ndim && t.shape.every((s: number, i: number) => i === d || s === first.shape[i]);
    if (!same) {
      throw new Error(
        `cat: tensor ${k} has shape ${fmt(t.shape)}, incompatible with tensor 0's ${fmt(first.shape)} for concatenation on dim ${d}`,
      );
    }
    total += t.shape[d];
  });
  const outShape = [...first.shape];
  outShape[d] = total;
  const outer = prod(first.shape, 0, d);
  const inner = prod(first.shape, d + 1, first.ndim);
  const out = new Float32Array(outer * total * inner);
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    starts.push(at);
    copyBlocks(t.data, t.shape[d], 0, out, total, at, outer, t.shape[d], inner);
    at += t.shape[d];
  }
  return record(new Tensor(out, outShape), 'cat', tensors, (g, needsGrad) =>
    tensors.map((t, k) => {
      if (!needsGrad[k]) return null;
      const gi = new Float32Array(t.size);
      copyBlocks(g.data, total, starts[k], gi, t.shape[d], 0, outer, t.shape[d], inner);
      return new Tensor(gi, t.shape);
    }),
  );
}

/**
 * The elements of `x` with indices start..start+length-1 along `dim`, like `torch.narrow` (a copy,
 * not a view). The gradient scatters back into zeros of x's shape.
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  dispatchDevice('narrow', [x]);
  if (x.ndim === 0) throw new Error('narrow: a zero-dimensional tensor cannot be narrowed');
  const d = resolveDim('narrow', dim, x.ndim);
  const size = x.shape[d];
  if (start < 0 && Number.isInteger(start)) start += size;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > size) {
    throw new Error(
      `narrow: start ${start} and length ${length} do not fit dim ${d} of size ${size} (shape ${fmt(x.shape)})`,
    );
  }
  const outShape = [...x.shape];
  outShape[d] = length;
  const outer = prod(x.shape, 0, d);
  const inner = prod(x.shape, d + 1, x.ndim);
  const out = new Float32Array(outer * length * inner);
  copyBlocks(x.data, size, start, out, length, 0, outer, length, inner);
  return record(new Tensor(out, outShape), 'narrow', [x], (g) => {
    const gx = new Float32Array(x.size);
    copyBlocks(g.data, length, 0, gx, size, start, outer, length, inner);
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * Splits `x` along `dim` into pieces of the given sizes (which must sum to the dim's size), like
 * `torch.split` with a list of sizes. Each piece carries its gradient back into x.
 */
export function split(x: Tensor, sizes: readonly number[], dim = 0): Tensor[] {
  dispatchDevice('split', [x]);
  if (x.ndim === 0) throw new Error('split: a zero-dimensional tensor cannot be split');
  const d = resolveDim('split', dim, x.ndim);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== x.shape[d]) {
    throw new Error(
      `split: sizes [${sizes.join(', ')}] must be non-negative integers summing to ${x.shape[d]} (dim ${d} of shape ${fmt(x.shape)})`,
    );
  }
  let at = 0;
  return sizes.map((s) => {
    const piece = narrow(x, d, at, s);
    at += s;
    return piece;
  });
}
