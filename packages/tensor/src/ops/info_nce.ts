// InfoNCE against a queue of negatives (MoCo, He et al. 2020): each query's positive is its own key, its
// negatives the queued keys. Composed of differentiable ops, so its gradient is theirs.
import { Tensor } from '../tensor';
import { mul, mulScalar } from './arithmetic';
import { cat } from './concat';
import { linear } from './linear';
import { crossEntropy, l2Normalize } from './losses';
import { fmt } from './shape_utils';

/** Options of {@link infoNceLoss}. */
export interface InfoNceOptions {
  /** tau > 0 dividing the cosine similarities. Default 0.2 (MoCo v2). */
  temperature?: number;
}

/**
 * InfoNCE of queries q (N, D) against their keys k (N, D) and a queue of negative keys (K, D), as MoCo's loss:
 * rows of q and k are L2-normalized (gradients flow through q's normalization), the queue's rows are used as
 * given (MoCo queues normalized keys), and with logits_i = [q_i·k_i, q_i·queue_1, …, q_i·queue_K] / tau
 *   loss = mean_i −log softmax(logits_i)[0],
 * i.e. cross-entropy with target 0. Gradients reach q and k (a MoCo key is computed without a graph, so none
 * flows there) and the queue when it requires one.
 * @returns a one-element tensor
 * @throws when shapes disagree or the temperature is not a finite number > 0
 */
export function infoNceLoss(q: Tensor, k: Tensor, queue: Tensor, options: InfoNceOptions = {}): Tensor {
  const op = 'infoNceLoss';
  if (q.ndim !== 2 || q.shape[0] === 0 || q.shape[1] === 0)
    throw new Error(`${op}: q must be a non-empty 2-D (N, D) tensor, got shape ${fmt(q.shape)}`);
  if (k.ndim !== 2 || k.shape[0] !== q.shape[0] || k.shape[1] !== q.shape[1])
    throw new Error(`${op}: k must have the shape of q ${fmt(q.shape)}, got ${fmt(k.shape)}`);
  if (queue.ndim !== 2 || queue.shape[0] === 0 || queue.shape[1] !== q.shape[1])
    throw new Error(`${op}: queue must be (K, ${q.shape[1]}) with K >= 1, got ${fmt(queue.shape)}`);
  const tau = options.temperature ?? 0.2;
  if (typeof tau !== 'number' || !(tau > 0) || !Number.isFinite(tau))
    throw new Error(`${op}: temperature must be a finite number > 0, got ${tau}`);
  const [n, d] = q.shape;
  const qn = l2Normalize(q);
  const kn = l2Normalize(k);
  const positive = linear(mul(qn, kn), Tensor.ones([1, d])); // (N, 1): row-wise q_i·k_i
  const negative = linear(qn, queue); // (N, K)
  const logits = mulScalar(cat([positive, negative], 1), 1 / tau);
  return crossEntropy(logits, new Int32Array(n));
}
