// Seeded random numbers (xoshiro128**, seeded through splitmix32): one Generator per consumer so
// results depend only on the seed, never on call order elsewhere — like torch.Generator.
import { Tensor, TensorOptions } from './tensor';

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A deterministic pseudo-random generator. The same seed gives the same sequence on every machine. */
export class Generator {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spareNormal: number | null = null;

  /** @param seed any integer (or a float, whose integer part is used) */
  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Restarts the sequence from `seed` (PyTorch's `manual_seed`). */
  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new Error(`Generator: seed must be a finite number, got ${seed}`);
    // Mix both 32-bit halves of the seed so seeds above 2^32 differ too.
    const state = {
      s: (Math.trunc(seed) >>> 0) ^ Math.imul(Math.floor(Math.trunc(seed) / 4294967296) | 0, 0x27d4eb2d),
    };
    this.a = splitmix32(state);
    this.b = splitmix32(state);
    this.c = splitmix32(state);
    this.d = splitmix32(state);
    this.spareNormal = null;
    return this;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** An integer uniform in [0, n). */
  randint(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Generator.randint: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A new Generator seeded from this one's next output: independent streams for sub-tasks. */
  fork(): Generator {
    return new Generator(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Uniform [0, 1) tensor drawn from `generator` (like `torch.rand`). */
export function rand(shape: readonly number[], generator: Generator, options: TensorOptions = {}): Tensor {
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = generator.uniform();
  return new Tensor(t.data, t.shape, options);
}

/** Standard-normal tensor drawn from `generator` (like `torch.randn`). */
export function randn(shape: readonly number[], generator: Generator, options: TensorOptions = {}): Tensor {
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = generator.normal();
  return new Tensor(t.data, t.shape, options);
}
