// Mean, standard deviation, Student-t quantiles and confidence intervals against tabulated values.
import {
  mean,
  meanCI,
  pairedDifference,
  proportionCI,
  sampleStd,
  studentTCdf,
  studentTQuantile,
  summarizeRuns,
} from '../src';

describe('Student t', () => {
  it.each([
    // two-sided 95% critical values from any t table
    [0.975, 1, 12.7062047],
    [0.975, 4, 2.7764451],
    [0.975, 10, 2.2281389],
    [0.975, 30, 2.0422725],
    [0.95, 9, 1.8331129],
    [0.025, 4, -2.7764451],
    [0.5, 7, 0],
  ])('quantile(%p, df %p) = %p', (p, df, want) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(want, 6);
  });

  it('CDF inverts the quantile and is 1/2 at 0', () => {
    expect(studentTCdf(0, 3)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(studentTQuantile(0.9, 6), 6)).toBeCloseTo(0.9, 10);
    // df = 1 is Cauchy: CDF(1) = 3/4
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 10);
  });

  it('rejects bad arguments', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(/p must be in \(0, 1\)/);
    expect(() => studentTQuantile(0.9, 0)).toThrow(/df must be > 0/);
  });
});

describe('meanCI', () => {
  it('over five seeds', () => {
    // mean 3, std sqrt(2.5), half width t(0.975, 4) * sqrt(2.5) / sqrt(5)
    const ci = meanCI([1, 2, 3, 4, 5]);
    const hw = (2.7764451 * Math.sqrt(2.5)) / Math.sqrt(5);
    expect(ci.mean).toBe(3);
    expect(ci.std).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(ci.halfWidth).toBeCloseTo(hw, 6);
    expect(ci.lower).toBeCloseTo(3 - hw, 6);
    expect(ci.upper).toBeCloseTo(3 + hw, 6);
    expect(ci.level).toBe(0.95);
  });

  it('a 90% interval is narrower; one run has no interval', () => {
    expect(meanCI([1, 2, 3, 4, 5], 0.9).halfWidth).toBeLessThan(meanCI([1, 2, 3, 4, 5]).halfWidth);
    const one = meanCI([0.7]);
    expect(one.mean).toBe(0.7);
    expect(one.halfWidth).toBeNaN();
  });

  it('mean, std and errors', () => {
    expect(mean([2, 4, 9])).toBe(5);
    expect(sampleStd([2, 4, 9])).toBeCloseTo(Math.sqrt(13), 12);
    expect(() => mean([])).toThrow(/no values/);
    expect(() => meanCI([1, NaN])).toThrow(/values\[1\] = NaN is not finite/);
  });

  it('summarizeRuns summarizes each numeric field', () => {
    const s = summarizeRuns([
      { accuracy: 0.8, auroc: 0.9, name: 'a' },
      { accuracy: 0.6, auroc: 0.7, name: 'b' },
    ]);
    expect(Object.keys(s).sort()).toEqual(['accuracy', 'auroc']);
    expect(s.accuracy.mean).toBeCloseTo(0.7, 12);
    expect(s.accuracy.halfWidth).toBeCloseTo((12.7062047 * Math.sqrt(0.02)) / Math.sqrt(2), 5);
  });
});

describe('pairedDifference', () => {
  it('is the mean and Student-t CI of the per-seed differences', () => {
    const a = [0.8, 0.7, 0.9, 0.75];
    const b = [0.6, 0.55, 0.7, 0.6];
    const d = pairedDifference(a, b);
    const diffs = [0.2, 0.15, 0.2, 0.15];
    expect(d.n).toBe(4);
    expect(d.mean).toBeCloseTo(0.175, 12);
    expect(d.std).toBeCloseTo(sampleStd(diffs), 12);
    expect(d.halfWidth).toBeCloseTo((3.1824463 * sampleStd(diffs)) / 2, 6); // t(0.975, 3 df)
    expect(d.lower).toBeCloseTo(d.mean - d.halfWidth, 12);
  });

  it('is narrower than unpaired means when the arms move together over seeds', () => {
    const a = [0.9, 0.6, 0.8, 0.5, 0.7];
    const b = a.map((v) => v - 0.05);
    const d = pairedDifference(a, b);
    expect(d.mean).toBeCloseTo(0.05, 12);
    expect(d.halfWidth).toBeCloseTo(0, 10);
    expect(meanCI(a).halfWidth).toBeGreaterThan(0.1);
  });

  it('has no interval for one seed and rejects unpaired arrays', () => {
    expect(pairedDifference([0.7], [0.5]).halfWidth).toBeNaN();
    expect(() => pairedDifference([0.7, 0.8], [0.5])).toThrow(/each seed needs one of each/);
    expect(() => pairedDifference([NaN], [0.5])).toThrow(/not finite/);
  });
});

describe('proportionCI (Wilson)', () => {
  it.each([
    // SciPy 1.17: binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson')
    [3, 10, 0.10779126740630102, 0.6032218525388546],
    [0, 20, 0, 0.16112515805281935],
    [20, 20, 0.8388748419471808, 1],
    [50, 200, 0.19508168006817497, 0.31434098312045833],
  ])('%p of %p', (k, n, lower, upper) => {
    const ci = proportionCI(k, n);
    expect(ci.rate).toBe(k / n);
    expect(ci.lower).toBeCloseTo(lower, 6);
    expect(ci.upper).toBeCloseTo(upper, 6);
  });

  it('names a bad count', () => {
    expect(() => proportionCI(5, 4)).toThrow(/successes must be an integer in \[0, 4\], got 5/);
    expect(() => proportionCI(0, 0)).toThrow(/n must be an integer >= 1, got 0/);
  });
});
