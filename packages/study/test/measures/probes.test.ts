// Linear probes: ridge regression recovers a known linear relation, the ridge classifier separable
// classes, and constant targets give NaN.
import { Generator } from '@nodulab/tensor';
import { fitRidge, predictRidge, probe, rSquared } from '../../src/measures/probes';

/** n samples of d standard-normal features. */
function features(n: number, d: number, seed: number): Float64Array {
  const g = new Generator(seed);
  return Float64Array.from({ length: n * d }, () => g.normal());
}

describe('ridge probe', () => {
  const n = 300;
  const d = 16;
  const X = features(n, d, 1);
  const w: number[] = Array.from({ length: d }, (_, j) => (j % 3 === 0 ? 1.5 : j % 3 === 1 ? -0.7 : 0));
  const y = Array.from({ length: n }, (_, i) => 3 + w.reduce((s, wj, j) => s + wj * X[i * d + j], 0));

  it('recovers a known linear relation (held-out R^2 ~ 1, weights ~ w)', () => {
    const r = probe(X, n, d, y, 0.3);
    expect(r.kind).toBe('r2');
    expect(r.nFit + r.nTest).toBe(n);
    expect(r.score).toBeGreaterThan(0.99);
    const m = fitRidge(X, Float64Array.from(y), n, d, 1, 1e-3);
    const p = predictRidge(m, X, n);
    expect(rSquared(y, p)).toBeGreaterThan(0.9999);
  });

  it('scores a target unrelated to the features near or below 0', () => {
    const g = new Generator(7);
    const noise = Array.from({ length: n }, () => g.normal());
    expect(probe(X, n, d, noise, 0.3).score).toBeLessThan(0.1);
  });

  it('reads a categorical factor with a one-vs-rest ridge classifier', () => {
    const cats = y.map((v) => (v < 2 ? 'low' : v < 4 ? 'mid' : 'high'));
    const r = probe(X, n, d, cats, 0.3);
    expect(r.kind).toBe('accuracy');
    expect(r.score).toBeGreaterThan(0.8);
    expect(r.baseline).toBeLessThan(0.6);
  });

  it('gives NaN for a target that does not vary, and rejects too few samples', () => {
    expect(probe(X, n, d, new Array(n).fill(1), 0.3).score).toBeNaN();
    expect(() => probe(X.subarray(0, 4 * d), 4, d, [1, 2, 3, 4], 0.5)).toThrow(/at least 4 fitting/);
    expect(() => probe(X, n, d, [1, 2], 0.3)).toThrow(/2 targets for 300/);
  });
});
