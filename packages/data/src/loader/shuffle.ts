// The one seeded shuffler (Fisher-Yates drawing from a Generator, as torch.randperm) and the cut of
// an epoch's order into batches.
import { Generator } from '@nodulab/tensor';

/**
 * A random permutation of 0..n-1: Fisher-Yates from the last position down, position i swapping
 * with `generator.randint(i + 1)`. The same generator state gives the same permutation.
 */
export function randperm(n: number, generator: Generator): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = generator.randint(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Cuts `order` into batches of `batchSize`. With `dropLast` a last batch smaller than the others is
 * dropped (BatchNorm and contrastive losses want full batches) unless it is the only one, so an
 * epoch always has a batch.
 */
export function splitBatches(order: readonly number[], batchSize: number, dropLast: boolean): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < order.length; s += batchSize) {
    const b = order.slice(s, s + batchSize);
    if (dropLast && b.length < batchSize && out.length > 0) break;
    out.push(b);
  }
  return out;
}
