// The seeded Generator: reproducible, seed-sensitive, and with the right first two moments.
import { Generator, randn } from '../src';

describe('Generator', () => {
  it('repeats a sequence for the same seed and differs for another', () => {
    const a = new Generator(42),
      b = new Generator(42),
      c = new Generator(43);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it.each([
    ['uniform', (g: Generator) => g.uniform(), 0.5, 1 / 12],
    ['normal', (g: Generator) => g.normal(), 0, 1],
  ])('%s has the expected mean and variance', (_name, draw, mean, variance) => {
    const g = new Generator(7);
    const n = 200000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = draw(g);
      s += v;
      s2 += v * v;
    }
    const m = s / n;
    expect(Math.abs(m - mean)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - m * m - variance)).toBeLessThan(0.01);
  });

  it('fills tensors reproducibly and rejects a bad seed', () => {
    expect(randn([2, 3], new Generator(1)).data).toEqual(randn([2, 3], new Generator(1)).data);
    expect(() => new Generator(NaN)).toThrow(/seed must be a finite number/);
  });
});
