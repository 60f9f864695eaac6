// Counterfactual sensitivity: flip statistics from probabilities, and the values a changed factor
// takes (other class's median when the classes differ, else a far decile; modes for categories).
import { FactorStats, counterfactualValue, flipStats, quantile } from '../src/counterfactual';

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

  it('sets a class-dependent factor to the other class median', () => {
    const stats: FactorStats = { byClass: [range(5, 9, 101), range(11, 16, 101)] };
    expect(counterfactualValue('diameter', 6, 0, stats)).toBeCloseTo(13.5, 10);
    expect(counterfactualValue('diameter', 15, 1, stats)).toBeCloseTo(7, 10);
  });

  it('sets a class-independent factor to the far decile of the pooled values', () => {
    const v = range(10, 30, 101);
    const stats: FactorStats = { byClass: [v, v] };
    expect(counterfactualValue('noiseStd', 12, 0, stats)).toBeCloseTo(quantile([...v, ...v], 0.9), 10);
    expect(counterfactualValue('noiseStd', 28, 1, stats)).toBeCloseTo(quantile([...v, ...v], 0.1), 10);
  });

  it('rounds integer factors, takes modes of categories, and returns null for constant factors', () => {
    expect(
      counterfactualValue('spiculationCount', 0, 0, {
        byClass: [
          [0, 0, 0, 0],
          [3, 4, 4, 5],
        ],
      }),
    ).toBe(4);
    expect(
      counterfactualValue('densityType', 'solid', 0, {
        byClass: [
          ['solid', 'solid'],
          ['ground-glass', 'ground-glass', 'solid'],
        ],
      }),
    ).toBe('ground-glass');
    expect(counterfactualValue('attenuation', 30, 0, { byClass: [[30, 30], [30]] })).toBeNull();
  });
});
