// Seed derivation: one 32-bit seed per (seed, split, index) sample and one per named random stream
// inside a sample, so every sample and every part of it is reproducible on its own.
import { Generator } from '@nodulab/tensor';

/** A 32-bit avalanche mix (murmur3's finalizer). */
export function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hashes a string to 32 bits (FNV-1a, then mixed). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h >>> 0);
}

/** Combines two 32-bit values into one, order-sensitive. */
export function combine(a: number, b: number): number {
  return mix32((Math.imul(a >>> 0, 0x9e3779b1) + mix32(b >>> 0) + 0x7f4a7c15) >>> 0);
}

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
