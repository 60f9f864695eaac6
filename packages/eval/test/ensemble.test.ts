// Deep-ensemble prediction: mean and variance over members equal those computed by hand from each member's
// eval-mode softmax; a single member has variance 0; modes are restored; no members is an error.
import { Generator, Tensor, noGrad, randn } from '@nodulab/tensor';
import { UNet3D } from '@nodulab/nn';
import { classProbabilities, ensemblePredict, predictiveMoments } from '../src';

describe('ensemblePredict', () => {
  const members = [1, 2, 3].map((seed) => new UNet3D({ baseChannels: 2, dropout: 0.5, seed }));
  const x = randn([2, 1, 8, 8, 8], new Generator(5));

  it('gives the members’ mean and population variance of the class probabilities, in eval mode', () => {
    members[0].train();
    const r = ensemblePredict(members, x);
    expect(r.samples).toBe(3);
    expect(r.mean.shape).toEqual([2, 2, 8, 8, 8]);
    expect(members[0].training).toBe(true); // restored
    const ps = members.map((m) => {
      const was = m.training;
      m.eval();
      const p = noGrad(() => classProbabilities(m.forward(x)));
      m.train(was);
      return p;
    });
    let disagree = 0;
    for (let i = 0; i < r.mean.size; i += 29) {
      const v = ps.map((p) => p.data[i]);
      const mean = v.reduce((a, b) => a + b, 0) / 3;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
      expect(r.mean.data[i]).toBeCloseTo(mean, 6);
      expect(r.variance.data[i]).toBeCloseTo(variance, 6);
      if (variance > 1e-6) disagree++;
    }
    expect(disagree).toBeGreaterThan(0); // differently initialised members disagree
  });

  it('has variance 0 with one member and refuses none', () => {
    const r = ensemblePredict([members[1]], x);
    expect(Math.max(...r.variance.data)).toBe(0);
    expect(() => ensemblePredict([], x)).toThrow('ensemblePredict: give at least one member model');
  });
});

describe('predictiveMoments', () => {
  it('refuses passes of different shapes', () => {
    const pass = (s: number) => new Tensor(new Float32Array(s === 0 ? 4 : 6), s === 0 ? [2, 2] : [3, 2]);
    expect(() => predictiveMoments(2, pass)).toThrow('pass 1 gave shape [3, 2], pass 0 [2, 2]');
  });
});
