// Re-derivable dropout: a seeded Dropout's mask is a function of (seed, stream, step, layer) only — the
// same key gives the same mask in any instance, another step, stream or layer another mask — and UNet3D's
// dropout is seeded from its initialization.
import { Generator, Tensor, deriveSeed, randn } from '@nodulab/tensor';
import { Dropout, Sequential, UNet3D, setDropoutStep } from '../src';

const x = randn([2, 3, 4, 4, 4], new Generator(1));
const zeros = (t: Tensor) => Array.from(t.data, (v) => (v === 0 ? 1 : 0));

describe('derived dropout masks', () => {
  it('the same (seed, step, layer) gives the same mask in another instance; another key another mask', () => {
    const a = new Sequential(new Dropout(0.5, undefined, { seed: 42 }));
    const b = new Sequential(new Dropout(0.5, undefined, { seed: 42 }));
    expect(setDropoutStep(a, 7)).toBe(1);
    setDropoutStep(b, 7);
    const ya = a.forward(x);
    expect(zeros(b.forward(x))).toEqual(zeros(ya));
    expect(zeros(a.forward(x))).toEqual(zeros(ya)); // calling again at the same step: the same mask
    const d = a.getSubmodule('0') as Dropout;
    expect(d.maskSeed()).toBe(deriveSeed(42, 'train', 7, '0'));
    setDropoutStep(b, 8);
    expect(zeros(b.forward(x))).not.toEqual(zeros(ya));
    setDropoutStep(b, 7, 'mc');
    expect(zeros(b.forward(x))).not.toEqual(zeros(ya));
    const c = new Sequential(new Dropout(0.5, undefined, { seed: 43 }));
    setDropoutStep(c, 7);
    expect(zeros(c.forward(x))).not.toEqual(zeros(ya));
  });

  it('two layers with one seed get different masks (the layer name is part of the key)', () => {
    const m = new Sequential(new Dropout(0.5, undefined, { seed: 1 }), new Dropout(0.5, undefined, { seed: 1 }));
    setDropoutStep(m, 0);
    const [d0, d1] = [m.getSubmodule('0'), m.getSubmodule('1')] as Dropout[];
    expect(d0.maskSeed()).not.toBe(d1.maskSeed());
  });

  it('UNet3D with dropout: same init seed and step, same training output; another step, another output', () => {
    const make = () => new UNet3D({ baseChannels: 2, dropout: 0.5, seed: 3 });
    const [u, v] = [make(), make()];
    const input = randn([1, 1, 8, 8, 8], new Generator(2));
    setDropoutStep(u, 5);
    setDropoutStep(v, 5);
    const yu = u.forward(input).data;
    expect(v.forward(input).data).toEqual(yu);
    setDropoutStep(v, 6);
    expect(v.forward(input).data).not.toEqual(yu);
    // In eval mode dropout is off: the output no longer depends on the step.
    u.eval();
    const e = u.forward(input).data;
    setDropoutStep(u, 9);
    expect(u.forward(input).data).toEqual(e);
  });

  it('rejects a bad step or seed, naming it', () => {
    expect(() => setDropoutStep(new Sequential(), -1)).toThrow(/step must be a non-negative integer, got -1/);
    expect(() => new Dropout(0.5, undefined, { seed: 0.5 })).toThrow(/seed must be a safe integer, got 0.5/);
  });
});
