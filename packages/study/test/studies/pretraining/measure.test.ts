// The grade's learnability from the true factors the grade rule reads (the report's ceiling).
import { NoduleGenerator, preset } from '@nodulab/data';
import { factorProbeScores } from '../../../src/studies/pretraining/measure';

describe('factorProbeScores', () => {
  it('learns the grade from the true factors the rule reads nearly perfectly', async () => {
    const gen = new NoduleGenerator({ ...preset('grade'), volume: { shape: [16, 16, 16], spacing: [2, 2, 2] } }, 3);
    const s = await factorProbeScores(gen, gen, 256, 64, 200);
    expect(s.kappa).toBeGreaterThan(0.9);
    expect(s.accuracy).toBeGreaterThan(0.8);
    expect(s.auroc).toBeGreaterThan(0.97);
  });
});
