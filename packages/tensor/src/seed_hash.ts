// Seed hashing: 32-bit mixes that derive independent seeds from (seed, name, index, ...) keys, so a
// random stream (a sample, a dropout mask at a step) is re-derived from its key instead of saved.

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
 * A 32-bit seed derived from `seed` and a key of strings and non-negative safe integers (each integer
 * as its two 32-bit halves), e.g. `deriveSeed(seed, 'train', step, 'dropout')`. Throws naming a bad part.
 */
export function deriveSeed(seed: number, ...key: (string | number)[]): number {
  const halves = (v: number, what: string): [number, number] => {
    if (!Number.isSafeInteger(v)) throw new Error(`deriveSeed: ${what} must be a safe integer, got ${v}`);
    const u = Math.abs(v);
    return [(u >>> 0) ^ (v < 0 ? 0x80000000 : 0), Math.floor(u / 4294967296) >>> 0];
  };
  let h = combine(...halves(seed, 'seed'));
  key.forEach((part, i) => {
    if (typeof part === 'string') h = combine(h, hashString(part));
    else {
      const [lo, hi] = halves(part, `key[${i}]`);
      h = combine(combine(h, lo), hi);
    }
  });
  return h;
}
