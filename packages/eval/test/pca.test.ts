// The PCA spectrum on constructed embeddings with known variances, the effective rank at its extremes, the Gram
// path against the covariance path, and the projection on leading components. (The Jacobi eigen-decomposition it
// rests on is tested in @nodulab/tensor: test/linalg/eigen.test.ts.)
import { Generator, centredMatrix, crossProduct, randn, symmetricEigenvalues } from '@nodulab/tensor';
import { pcaProject, pcaSpectrum } from '../src';

const rep = (rows: number[][]) => ({ data: rows.flat(), shape: [rows.length, rows[0].length] });

describe('pcaSpectrum', () => {
  // (±√3, 0) and (0, ±1): variances 2 and 2/3 along the axes, no covariance
  const a = Math.sqrt(3);
  const cross = [
    [a, 0],
    [-a, 0],
    [0, 1],
    [0, -1],
  ];

  it('gives the variances and ratios of a constructed embedding, rotated or not', () => {
    const c = Math.cos(0.7);
    const s = Math.sin(0.7);
    for (const rows of [cross, cross.map(([x, y]) => [c * x - s * y, s * x + c * y])]) {
      const p = pcaSpectrum(rep(rows));
      expect(p.eigenvalues[0]).toBeCloseTo(2, 12);
      expect(p.eigenvalues[1]).toBeCloseTo(2 / 3, 12);
      expect(p.explainedVarianceRatio[0]).toBeCloseTo(0.75, 12);
      expect(p.explainedVarianceRatio[1]).toBeCloseTo(0.25, 12);
      expect(p.cumulative[1]).toBeCloseTo(1, 12);
      expect(p.effectiveRank).toBeCloseTo(Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))), 12);
    }
  });

  it('effective rank: the dimension for an isotropic embedding, 1 for a line', () => {
    // ±e_i in 5 dimensions: covariance (2/9)·I
    const iso = [0, 1, 2, 3, 4].flatMap((i) => [1, -1].map((s) => [0, 1, 2, 3, 4].map((j) => (j === i ? s : 0))));
    expect(pcaSpectrum(rep(iso)).effectiveRank).toBeCloseTo(5, 10);
    const line = [1, 2, 3, 4, 5].map((t) => [t, 2 * t, -t]);
    const p = pcaSpectrum(rep(line));
    expect(p.effectiveRank).toBeCloseTo(1, 10);
    expect(p.eigenvalues[0]).toBeCloseTo(2.5 * 6, 10); // var(t) = 2.5, |(1, 2, -1)|² = 6
  });

  it('with fewer samples than features uses the Gram matrix: the same non-zero eigenvalues', () => {
    const x = randn([6, 20], new Generator(3));
    const p = pcaSpectrum(x);
    expect(p.eigenvalues).toHaveLength(5);
    const m = centredMatrix('test', 'x', x);
    const full = symmetricEigenvalues(crossProduct(m, m));
    p.eigenvalues.forEach((v, i) => expect(v).toBeCloseTo(full[i] / 5, 8));
    expect(p.effectiveRank).toBeGreaterThan(1);
    expect(p.effectiveRank).toBeLessThan(5);
  });

  it('names bad input', () => {
    expect(() => pcaSpectrum(rep([[1, 2]]))).toThrow(/x needs at least 2 samples/);
    expect(() =>
      pcaSpectrum(
        rep([
          [1, 2],
          [1, 2],
        ]),
      ),
    ).toThrow(/x has no variance/);
    expect(() => pcaSpectrum({ data: [1, 2, 3], shape: [2, 2] })).toThrow(/x has 3 values but shape \[2,2\] needs 4/);
  });
});

describe('pcaProject', () => {
  it('puts points on a known line at their centred positions along it', () => {
    // points t·(1, 2, -1)/√6 + c: the first component is the line, the coordinate t − mean(t), up to sign.
    const u = [1, 2, -1].map((v) => v / Math.sqrt(6));
    const ts = [-2, 0, 1, 4, 7];
    const x = ts.map((t) => u.map((v, j) => t * v + [3, -1, 5][j]));
    const p = pcaProject(rep(x), 1);
    const mean = ts.reduce((a, b) => a + b, 0) / ts.length;
    // The sign rule makes the entry of largest magnitude (2/√6) positive: coordinate = +(t − mean).
    ts.forEach((t, i) => expect(p.coordinates[i]).toBeCloseTo(t - mean, 10));
    expect(p.explainedVarianceRatio[0]).toBeCloseTo(1, 10);
  });

  it('gives two coordinates per sample whose variances are the two leading eigenvalues', () => {
    const x = randn([40, 6], new Generator(11));
    const p = pcaProject(x, 2);
    const s = pcaSpectrum(x);
    for (let j = 0; j < 2; j++) {
      let v = 0;
      for (let i = 0; i < 40; i++) v += p.coordinates[i * 2 + j] ** 2;
      expect(v / 39).toBeCloseTo(s.eigenvalues[j], 8);
    }
    expect(() => pcaProject(x, 7)).toThrow(/k must be an integer in 1\.\.6/);
  });
});
