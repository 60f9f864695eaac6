// Pruning masks by parameter: which weight a `weight_mask` buffer masks, and the one way a mask is
// applied (weight *= mask, in place). The optimizer step, loadStateDict and prune() all go through here.
import type { Tensor } from '@nodulab/tensor';

const masks = new WeakMap<Tensor, Tensor>();

/** The pruning mask (1 keeps, 0 prunes) registered for `param`, or undefined when it is not pruned. */
export function pruningMask(param: Tensor): Tensor | undefined {
  return masks.get(param);
}

/** Records `mask` (same size as `param`) as the pruning mask of `param`. */
export function setPruningMask(param: Tensor, mask: Tensor): void {
  if (mask.size !== param.size)
    throw new Error(`setPruningMask: mask has ${mask.size} elements, the parameter ${param.size}`);
  masks.set(param, mask);
}

/**
 * Zeroes the pruned elements of `param` in place (`param *= mask`) when it has a pruning mask; a no-op
 * otherwise. Called after every optimizer step, so pruned weights stay zero through fine-tuning.
 */
export function applyPruningMask_(param: Tensor): void {
  const mask = masks.get(param);
  if (!mask) return;
  const w = param.data;
  const m = mask.data;
  for (let i = 0; i < w.length; i++) if (m[i] === 0) w[i] = 0;
}
