// Singular values (torch.linalg.svdvals) of a matrix or a batch of them, on the native SvdVals kernel:
// x: (..., m, n) float32 -> (..., min(m, n)). Used for spectral signatures of feature maps.
import { dispatchDevice } from '../device';
import { native } from '../binding';
import { Tensor } from '../tensor';
import { fmt } from '../ops/shape_utils';

/** The largest min(m, n) {@link svdvals} accepts: the native kernel is a small SVD, O(min(m, n)³) per matrix. */
export const SVDVALS_MAX_RANK = 512;

/**
 * Singular values of x: (..., m, n), in descending order, as (..., min(m, n)) — like
 * `torch.linalg.svdvals(x)`; leading dimensions are a batch. Computed in double precision from the
 * min(m, n)² Gram matrix (Householder tridiagonalization + QL), so min(m, n) must be at most
 * {@link SVDVALS_MAX_RANK}; m may be large (e.g. the D·H·W voxels of a feature map). A matrix holding NaN
 * or an infinity gives NaN values. No gradient is recorded.
 *
 * @example
 * const s = svdvals(featureMatrix); // (DHW, C) -> (C)
 */
export function svdvals(x: Tensor): Tensor {
  dispatchDevice('svdvals', [x]);
  if (x.ndim < 2) throw new Error(`svdvals: x must have shape (..., m, n), got ${fmt(x.shape)}`);
  const m = x.shape[x.ndim - 2];
  const n = x.shape[x.ndim - 1];
  const lead = x.shape.slice(0, -2);
  const batch = lead.reduce((a, b) => a * b, 1);
  if (m === 0 || n === 0 || batch === 0) throw new Error(`svdvals: x of shape ${fmt(x.shape)} is empty`);
  const k = Math.min(m, n);
  if (k > SVDVALS_MAX_RANK)
    throw new Error(`svdvals: min(m, n) of x ${fmt(x.shape)} is ${k}; at most ${SVDVALS_MAX_RANK} is supported`);
  return new Tensor(native.svdvals(x.data, batch, m, n), [...lead, k]);
}
