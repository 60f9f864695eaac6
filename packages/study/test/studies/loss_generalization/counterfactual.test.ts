// Counterfactual sensitivity: flip statistics from probabilities; the values a changed factor takes
// (a shortcut crosses its boundary, a core factor moves to the other class, any other factor to a far
// decile); and a hand-built model that reads only nodule size flips on every diameter swap and on no
// margin swap.
import { loadSpec } from '@nodulab/data';
import {
  FactorStats,
  counterfactualSets,
  counterfactualValue,
  factorStats,
  flipStats,
  levelOf,
  quantile,
  shortcutBoundary,
} from '../../../src/studies/loss_generalization/counterfactual';
import { DEFAULT_ANALYSED_FACTORS } from '../../../src/studies/loss_generalization/spec';
import { generateSet } from '../../../src/measures/test_data';

describe('flipStats', () => {
  it.each([
    { name: 'no change', p: [0.2, 0.8], q: [0.2, 0.8], y: [0, 1], yc: [0, 1], flip: 0, toward: 0, abs: 0, changed: 0 },
    {
      name: 'all flip toward the other class',
      p: [0.2, 0.8],
      q: [0.7, 0.4],
      y: [0, 1],
      yc: [1, 0],
      flip: 1,
      toward: 0.45,
      abs: 0.45,
      changed: 1,
    },
    {
      name: 'one of four flips',
      p: [0.1, 0.4, 0.6, 0.9],
      q: [0.2, 0.6, 0.6, 0.8],
      y: [0, 0, 1, 1],
      yc: [0, 0, 1, 1],
      flip: 0.25,
      toward: (0.1 + 0.2 + 0 + 0.1) / 4,
      abs: 0.1,
      changed: 0,
    },
    {
      name: 'moves away from the other class',
      p: [0.4, 0.6],
      q: [0.1, 0.9],
      y: [0, 1],
      yc: [0, 1],
      flip: 0,
      toward: -0.3,
      abs: 0.3,
      changed: 0,
    },
  ])('$name', ({ p, q, y, yc, flip, toward, abs, changed }) => {
    const s = flipStats(p, q, y, yc);
    expect(s.n).toBe(p.length);
    expect(s.flipRate).toBeCloseTo(flip, 12);
    expect(s.meanDeltaP).toBeCloseTo(toward, 12);
    expect(s.meanAbsDeltaP).toBeCloseTo(abs, 12);
    expect(s.labelChangeRate).toBeCloseTo(changed, 12);
  });

  it('rejects arrays of different lengths', () => {
    expect(() => flipStats([0.1], [0.2, 0.3], [0], [0])).toThrow(/equally long/);
  });
});

describe('counterfactualValue', () => {
  const range = (a: number, b: number, n: number): number[] =>
    Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
  const sizes: FactorStats = { rule: 'shortcut', groups: [range(5, 9, 101), range(11, 16, 101)] };

  it('moves a shortcut factor across the boundary, to the same quantile of the other side, whatever the class', () => {
    expect(shortcutBoundary(sizes)).toBeCloseTo(10, 10);
    // a small nodule becomes large and a large one small, for either label
    for (const label of [0, 1] as const) {
      expect(counterfactualValue('diameter', 7, label, sizes)).toBeCloseTo(13.5, 10);
      expect(counterfactualValue('diameter', 5, label, sizes)).toBeCloseTo(11, 1);
      expect(counterfactualValue('diameter', 15, label, sizes)).toBeCloseTo(8.2, 1);
    }
  });

  it('moves a core factor to the same quantile of the other class', () => {
    const lob: FactorStats = { rule: 'class', groups: [range(0, 0.05, 101), range(0.15, 0.35, 101)] };
    expect(counterfactualValue('lobulation', 0.025, 0, lob)).toBeCloseTo(0.25, 10);
    expect(counterfactualValue('lobulation', 0.3, 1, lob)).toBeCloseTo(0.0375, 3);
    // a constant class sits at its median: spiculation 0 (benign) -> the malignant median, and back to 0
    const spic: FactorStats = { rule: 'class', groups: [Array(9).fill(0), [0, 1, 2, 3, 4, 5, 6, 7, 8]] };
    expect(counterfactualValue('spiculationCount', 0, 0, spic)).toBe(4);
    expect(counterfactualValue('spiculationCount', 6, 1, spic)).toBe(0);
    expect(levelOf([0, 0, 0], 0)).toBe(0.5);
  });

  it('sets a class-independent factor to the far decile of its values', () => {
    const v = range(10, 30, 101);
    const stats: FactorStats = { rule: 'spread', groups: [v, v] };
    expect(counterfactualValue('noiseStd', 12, 0, stats)).toBeCloseTo(quantile(v, 0.9), 10);
    expect(counterfactualValue('noiseStd', 28, 1, stats)).toBeCloseTo(quantile(v, 0.1), 10);
  });

  it('takes modes of categories, and returns null for constant factors', () => {
    expect(
      counterfactualValue('densityType', 'solid', 0, {
        rule: 'class',
        groups: [
          ['solid', 'solid'],
          ['ground-glass', 'ground-glass', 'solid'],
        ],
      }),
    ).toBe('ground-glass');
    expect(counterfactualValue('attenuation', 30, 0, { rule: 'spread', groups: [[30, 30], [30]] })).toBeNull();
  });

  it('reads the rules from the training spec: diameter a shortcut, the margin factors core, noise neither', () => {
    const spec = loadSpec('shortcut-size');
    expect(factorStats(spec, 'diameter').rule).toBe('shortcut');
    expect(factorStats(spec, 'lobulation').rule).toBe('class');
    expect(factorStats(spec, 'spiculationCount').rule).toBe('class');
    expect(factorStats(spec, 'noiseStd').rule).toBe('spread');
    expect(shortcutBoundary(factorStats(spec, 'diameter'))).toBeCloseTo(10, 2);
  });
});

describe('a hand-built model that reads only nodule size', () => {
  // logit = (nodule voxels) - (voxels of a 10 mm sphere): the size the shortcut's boundary sits at.
  // It sees the rendered nodule mask (body and spicules) and nothing else.
  const BOUNDARY_VOXELS = (4 / 3) * Math.PI * 5 ** 3;
  const pOf = (mask: Uint8Array): number => {
    let n = 0;
    for (const v of mask) n += v;
    return 1 / (1 + Math.exp(-(n - BOUNDARY_VOXELS) / 20));
  };

  it('flips on every diameter swap and on no margin swap, whose true label always changes', async () => {
    // Separation 0.5: malignant margins add few voxels, so the mask count measures the nodule's size.
    const spec = {
      ...loadSpec('shortcut-size'),
      separation: 0.5,
      volume: { shape: [24, 24, 24], spacing: [1, 1, 1] },
    } as never;
    const n = 48;
    const analysed = await generateSet('rho0.5', spec, 3, 'test-rho0.5', n, { masks: true, factors: true });
    const p = Array.from({ length: n }, (_, i) => pOf(analysed.get(i, { mask: true }).mask as Uint8Array));
    const sets = await counterfactualSets(spec, spec, 3, 'test-rho0.5', n, DEFAULT_ANALYSED_FACTORS, {
      masks: true,
    });
    const stats = Object.fromEntries(
      sets.map((cf) => {
        const pCf = cf.indices.map((_, k) => pOf(cf.set!.get(k, { mask: true }).mask as Uint8Array));
        const f = flipStats(
          cf.indices.map((j) => p[j]),
          pCf,
          cf.indices.map((j) => analysed.labels[j]),
          cf.set!.labels,
        );
        return [cf.name, { ...f, role: cf.role }];
      }),
    );
    expect(stats.diameter).toMatchObject({ role: 'shortcut', n, flipRate: 1, labelChangeRate: 0 });
    expect(stats.diameter.meanAbsDeltaP).toBeGreaterThan(0.9);
    expect(stats.margin).toMatchObject({ role: 'core', n, flipRate: 0, labelChangeRate: 1 });
    expect(stats.noise.flipRate).toBe(0);
  });
});
