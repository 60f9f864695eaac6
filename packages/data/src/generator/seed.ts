// Seed derivation: one 32-bit seed per (seed, split, index) sample and one per named random stream
// inside a sample, so every sample and every part of it is reproducible on its own (hashes from @nodulab/tensor).
import { Generator, combine, hashString } from '@nodulab/tensor';

/**
 * The seed of sample `index` of `split` under dataset seed `seed`. Depends on nothing else, so a
 * sample is the same whatever batch or worker produces it.
 */
export function sampleSeed(seed: number, split: string, index: number): number {
  if (!Number.isSafeInteger(seed)) throw new Error(`sampleSeed: seed must be a safe integer, got ${seed}`);
  if (!Number.isSafeInteger(index) || index < 0)
    throw new Error(`sampleSeed: index must be a non-negative integer, got ${index}`);
  if (typeof split !== 'string' || split.length === 0)
    throw new Error(`sampleSeed: split must be a non-empty string, got ${JSON.stringify(split)}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  const ilo = index >>> 0;
  const ihi = Math.floor(index / 4294967296) >>> 0;
  return combine(combine(combine(combine(lo, hi), hashString(split)), ilo), ihi);
}

/** A Generator for the stream `name` of the sample with seed `sample` (independent of every other stream). */
export function stream(sample: number, name: string): Generator {
  return new Generator(combine(sample, hashString(name)));
}
