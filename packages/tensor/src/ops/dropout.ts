// Inverted dropout: in training, zero each element with probability p and scale the rest by
// 1 / (1 - p), the mask drawn from a seeded Generator or re-derived from a seed; identity in evaluation mode.
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { Tensor } from '../tensor';
import { Generator } from '../random';

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Apply dropout (true, default) or return x unchanged (evaluation mode). */
  training?: boolean;
  /** The seeded generator the mask is drawn from (it advances; this or `seed` is required when training with p > 0). */
  generator?: Generator;
  /**
   * The mask's own seed, instead of a generator: the mask is a pure function of (seed, x's size, p), so it
   * can be drawn again (e.g. from `deriveSeed(seed, step, layer)` for exact resume and MC-dropout).
   */
  seed?: number;
}

/**
 * Inverted dropout, like `F.dropout(x, p, training)`: each element is kept with probability 1 - p
 * (one `generator.uniform()` draw per element, in order: kept where the draw is >= p) and scaled by
 * 1 / (1 - p), so the expectation is unchanged. p must be in [0, 1). Returns x itself when not
 * training or when p = 0. The gradient is the upstream gradient times the same mask.
 */
export function dropout(x: Tensor, p = 0.5, options: DropoutOptions = {}): Tensor {
  dispatchDevice('dropout', [x]);
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  const training = options.training ?? true;
  if (!training || p === 0) return x;
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed))
    throw new Error(`dropout: options.seed must be a safe integer, got ${options.seed}`);
  const gen = options.seed !== undefined ? new Generator(options.seed) : options.generator;
  if (!gen || typeof gen.uniform !== 'function') {
    throw new Error('dropout: options.generator (a seeded Generator) or options.seed is required in training mode');
  }
  const scale = 1 / (1 - p);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = gen.uniform() >= p ? scale : 0;
  const y = new Float32Array(x.size);
  for (let i = 0; i < y.length; i++) y[i] = x.data[i] * mask[i];
  return record(new Tensor(y, x.shape), 'dropout', [x], (g) => {
    const dx = new Float32Array(x.size);
    for (let i = 0; i < dx.length; i++) dx[i] = g.data[i] * mask[i];
    return [new Tensor(dx, x.shape)];
  });
}
