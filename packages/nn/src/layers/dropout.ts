// Dropout layer: zeroes elements with probability p in training mode (scaling the rest by 1/(1-p)), each
// mask drawn from a generator or re-derived from (seed, stream, step, layer) so runs resume exactly.
import { Generator, Tensor, deriveSeed, dropout } from '@nodulab/tensor';
import { defaultGenerator } from '../init';
import { Module } from '../module';

/** Options of {@link Dropout}. */
export interface DropoutOptions {
  /**
   * Derive every mask from (seed, stream, step, layer) instead of drawing from a generator: the same step
   * of the same layer gives the same mask in any process (exact resume, MC-dropout samples by index).
   */
  seed?: number;
}

/**
 * Like `torch.nn.Dropout`; identity in eval mode. Masks come from `generator` so runs repeat, or, with
 * `options.seed`, from `deriveSeed(seed, stream, step, layer)` where {@link setDropoutStep} sets the
 * stream, the step and the layer's dotted name.
 */
export class Dropout extends Module {
  private readonly generator: Generator;
  /** The seed masks derive from, or null (masks from the generator). */
  readonly seed: number | null;
  /** The key of the next mask (seeded mode): stream, step and this layer's name in its model. */
  stream = 'train';
  step = 0;
  layer = '';

  constructor(
    readonly p = 0.5,
    generator?: Generator,
    options: DropoutOptions = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${p}`);
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed))
      throw new Error(`Dropout: seed must be a safe integer, got ${options.seed}`);
    this.generator = generator ?? defaultGenerator;
    this.seed = options.seed ?? null;
  }

  /** The seed of the mask at the current (stream, step, layer), or null without a seed. */
  maskSeed(): number | null {
    return this.seed === null ? null : deriveSeed(this.seed, this.stream, this.step, this.layer);
  }

  override forward(x: Tensor): Tensor {
    const seed = this.maskSeed();
    return dropout(x, this.p, {
      training: this.training,
      ...(seed === null ? { generator: this.generator } : { seed }),
    });
  }
}

/**
 * Sets the key of the next masks of every seeded Dropout in `model`: `step` (e.g. the global training
 * step, or the sample index of MC-dropout), `stream` (default 'train'; e.g. 'mc' for MC-dropout) and each
 * layer's dotted name. Returns how many Dropout layers it set.
 */
export function setDropoutStep(model: Module, step: number, stream = 'train'): number {
  if (!Number.isSafeInteger(step) || step < 0)
    throw new Error(`setDropoutStep: step must be a non-negative integer, got ${step}`);
  let n = 0;
  for (const [name, m] of model.namedModules()) {
    if (m instanceof Dropout) {
      m.stream = stream;
      m.step = step;
      m.layer = name;
      n++;
    }
  }
  return n;
}
