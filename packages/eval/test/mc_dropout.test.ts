// MC-dropout: the mean and variance of N dropout samples equal those computed by hand from the same keyed
// masks, BatchNorm stays in eval mode (running statistics unchanged), modes are restored, bad input errors.
import { Generator, Tensor, noGrad, randn } from '@nodulab/tensor';
import { NoduleNet3D, UNet3D, setDropoutStep } from '@nodulab/nn';
import { classProbabilities, mcDropoutPredict } from '../src';

describe('mcDropoutPredict', () => {
  const net = new UNet3D({ baseChannels: 2, dropout: 0.5, seed: 4 });
  const x = randn([2, 1, 8, 8, 8], new Generator(3));

  it('mean and variance are those of the samples drawn with keys (mc, s); BatchNorm in eval mode', () => {
    const before = net.namedBuffers().map(([, b]) => Array.from(b.data));
    net.train();
    const r = mcDropoutPredict(net, x, { samples: 4 });
    expect(r.mean.shape).toEqual([2, 2, 8, 8, 8]);
    expect(net.training).toBe(true); // restored
    expect(net.namedBuffers().map(([, b]) => Array.from(b.data))).toEqual(before);
    // By hand: eval mode, dropout on, the same keys.
    net.eval();
    net.dropout!.train();
    const ps: Tensor[] = [];
    for (let s = 0; s < 4; s++) {
      setDropoutStep(net, s, 'mc');
      ps.push(noGrad(() => classProbabilities(net.forward(x))));
    }
    net.train();
    let varies = 0;
    for (let i = 0; i < r.mean.size; i += 37) {
      const v = ps.map((p) => p.data[i]);
      const m = v.reduce((a, b) => a + b, 0) / 4;
      const variance = v.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
      expect(r.mean.data[i]).toBeCloseTo(m, 6);
      expect(r.variance.data[i]).toBeCloseTo(variance, 6);
      if (variance > 1e-8) varies++;
    }
    expect(varies).toBeGreaterThan(0);
    // The same call again gives the same result.
    expect(mcDropoutPredict(net, x, { samples: 4 }).mean.data).toEqual(r.mean.data);
  });

  it('rejects a model without dropout and too few samples', () => {
    expect(() => mcDropoutPredict(new NoduleNet3D({ seed: 1 }), x)).toThrow(/NoduleNet3D has no Dropout layer/);
    expect(() => mcDropoutPredict(net, x, { samples: 1 })).toThrow(/samples must be an integer >= 2, got 1/);
  });
});
