// Aggregation over seeds: mean and Student-t 95% CI; one seed has no CI; non-finite values are left out.
import { aggregate, aggregateFields } from '../../src/kit/aggregate';

describe('aggregate', () => {
  it.each([
    // t(0.975, 2) = 4.302653; std of [1, 2, 3] = 1
    { values: [1, 2, 3], n: 3, mean: 2, half: 4.302653 / Math.sqrt(3) },
    // t(0.975, 1) = 12.706205; std of [0.8, 0.9] = 0.0707107
    { values: [0.8, 0.9], n: 2, mean: 0.85, half: (12.706205 * 0.0707107) / Math.sqrt(2) },
    { values: [0.7, NaN, 0.9], n: 2, mean: 0.8, half: (12.706205 * Math.SQRT2 * 0.1) / Math.sqrt(2) },
  ])('mean and 95% CI of $values', ({ values, n, mean, half }) => {
    const a = aggregate(values);
    expect(a.n).toBe(n);
    expect(a.mean).toBeCloseTo(mean, 10);
    expect(a.halfWidth!).toBeCloseTo(half, 4);
    expect(a.lower!).toBeCloseTo(mean - half, 4);
    expect(a.upper!).toBeCloseTo(mean + half, 4);
    expect(a.values).toHaveLength(values.length);
  });

  it('has no CI for one seed and no mean for none', () => {
    expect(aggregate([0.7])).toMatchObject({ n: 1, mean: 0.7, lower: null, upper: null, halfWidth: null });
    expect(aggregate([NaN])).toMatchObject({ n: 0, mean: null });
  });

  it('aggregates every field across runs', () => {
    const out = aggregateFields([{ m: { a: 1, b: 4 } }, { m: { a: 3, b: 4 } }], (r) => r.m);
    expect(out.a.mean).toBe(2);
    expect(out.b.std).toBe(0);
    expect(out.b.halfWidth).toBe(0);
  });
});
