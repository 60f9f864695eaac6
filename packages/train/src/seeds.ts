// Every random stream of a run, re-derived from (run seed, purpose, stage, epoch, step): data order and
// augmentation need no saved generator state, so a resumed run draws exactly what an uninterrupted one does.
import { Generator } from '@nodulab/tensor';
import { sampleSeed } from '@nodulab/data';

/** The seed of stream `purpose` (e.g. "augment/0/3") at position `index` under the run seed. */
export function derivedSeed(seed: number, purpose: string, index = 0): number {
  return sampleSeed(seed, purpose, index);
}

/** A fresh Generator for `purpose` (e.g. "order/pretrain/3") at position `index` under the run seed. */
export function derivedGenerator(seed: number, purpose: string, index = 0): Generator {
  return new Generator(derivedSeed(seed, purpose, index));
}

/** How a checkpoint records the run's randomness: everything is derived, so the seed is the state. */
export interface RngState {
  scheme: 'derived';
  seed: number;
  /** The streams, as "purpose/stage/epoch" + step index. */
  streams: string[];
}

/** The RNG record saved in every checkpoint. */
export function rngState(seed: number): RngState {
  return {
    scheme: 'derived',
    seed,
    streams: [
      'model-init',
      'order/<stage>/<epoch>',
      'augment/<stage>/<epoch>#<step>',
      'val-views',
      'dropout: (layer seed, train, global step, layer)',
    ],
  };
}
