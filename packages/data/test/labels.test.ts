// Labels and shortcuts: the rule decides every label; class balance and the empirical agreement of
// each shortcut with the label match the spec within a binomial 4-sigma bound (n = 400 per split).
import { NoduleGenerator, evaluateRule, preset, resolveSpec } from '../src';

const N = 400;

/** 4 binomial standard deviations of a proportion p over n draws (at least a hair for p in {0, 1}). */
function bound(p: number, n = N): number {
  return Math.max(4 * Math.sqrt((p * (1 - p)) / n), 1e-12);
}

describe('label rule', () => {
  it.each(['iid', 'shortcut-size', 'task-subsolid', 'task-calcified', 'task-cavity', 'empty'].map((n) => [n]))(
    '%s: every label is the rule applied to the factors, and matches the drawn class',
    (name) => {
      const gen = new NoduleGenerator(preset(name), 7);
      const rule = resolveSpec(gen.spec, 'train').labelRule;
      let ones = 0;
      for (let i = 0; i < N; i++) {
        const s = gen.factors('train', i);
        expect(s.label).toBe(evaluateRule(rule, s.factors) ? 1 : 0);
        if (name !== 'empty') expect(s.label).toBe(s.targetClass);
        ones += s.label;
      }
      const expected = name === 'empty' ? 0 : 0.5;
      expect(Math.abs(ones / N - expected)).toBeLessThanOrEqual(bound(expected));
    },
  );

  it('default rule: malignant exactly when lobulated (> 0.1) or spiculated', () => {
    const gen = new NoduleGenerator(preset('iid'), 3);
    for (let i = 0; i < 200; i++) {
      const { factors: f, label } = gen.factors('val', i);
      expect(label).toBe(f.lobulation > 0.1 || f.spiculationCount > 0 ? 1 : 0);
    }
  });

  it('follows classBalance', () => {
    const gen = new NoduleGenerator({ name: 'skewed', classBalance: 0.2 }, 1);
    let ones = 0;
    for (let i = 0; i < N; i++) ones += gen.factors('train', i).label;
    expect(Math.abs(ones / N - 0.2)).toBeLessThanOrEqual(bound(0.2));
  });
});

describe('shortcut agreement rho', () => {
  // The side of each shortcut is read back from the factor value (the two sides' ranges do not overlap).
  it.each<[string, string, number, (f: Record<string, unknown>) => 0 | 1]>([
    ['shortcut-size', 'train', 0.9, (f) => ((f.diameter as number) > 10 ? 1 : 0)],
    ['shortcut-size', 'test-rho0.5', 0.5, (f) => ((f.diameter as number) > 10 ? 1 : 0)],
    ['shortcut-size', 'test-rho0.0', 0.0, (f) => ((f.diameter as number) > 10 ? 1 : 0)],
    ['shortcut-density', 'train', 0.9, (f) => ((f.attenuation as number) > 30 ? 1 : 0)],
    ['shortcut-density', 'test-rho0.0', 0.0, (f) => ((f.attenuation as number) > 30 ? 1 : 0)],
    ['shortcut-scanner', 'test-rho0.5', 0.5, (f) => ((f.noiseStd as number) > 20 ? 1 : 0)],
  ])('%s split %s: rho = %d', (name, split, rho, side) => {
    const gen = new NoduleGenerator(preset(name), 11);
    let agree = 0;
    for (let i = 0; i < N; i++) {
      const s = gen.factors(split, i);
      const a = side(s.factors as unknown as Record<string, unknown>) === s.label;
      expect(Object.values(s.shortcutAgrees)).toEqual([a]);
      if (a) agree++;
    }
    expect(Math.abs(agree / N - rho)).toBeLessThanOrEqual(bound(rho));
  });

  it('shortcut factors do not change the core factors of a sample', () => {
    const a = new NoduleGenerator(preset('shortcut-size'), 5);
    const b = new NoduleGenerator(preset('iid'), 5);
    for (let i = 0; i < 50; i++) {
      const fa = a.factors('train', i).factors;
      const fb = b.factors('train', i).factors;
      expect({ ...fa, diameter: 0 }).toEqual({ ...fb, diameter: 0 });
    }
  });
});
