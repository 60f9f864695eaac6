// Zhu & Gupta's gradual pruning: the polynomial sparsity at hand-computed steps, the pruning steps of a
// GradualPruning with a frequency, the model's sparsity following the schedule, and bad options named.
import { Generator, crossEntropy, randn } from '@nodulab/tensor';
import { Adam, GradualPruning, Linear, polynomialSparsity, sparsityReport } from '../../src';

describe('polynomialSparsity', () => {
  const o = { initialSparsity: 0.1, finalSparsity: 0.9, beginStep: 10, endStep: 30 };
  it.each([
    [0, 0.1], // before t0: s_i
    [10, 0.1],
    [15, 0.9 - 0.8 * 0.75 ** 3], // (1 - 5/20)^3
    [20, 0.9 - 0.8 * 0.125],
    [25, 0.9 - 0.8 * 0.25 ** 3],
    [30, 0.9],
    [100, 0.9], // after T: s_f
  ])('step %p -> %p', (t, want) => {
    expect(polynomialSparsity(t, o)).toBeCloseTo(want, 12);
  });

  it('takes another exponent (1 is linear)', () => {
    expect(polynomialSparsity(20, { ...o, exponent: 1 })).toBeCloseTo(0.5, 12);
  });

  it.each([
    [{ finalSparsity: 1, endStep: 10 }, /finalSparsity\): sparsity must be a number in \[0, 1\), got 1/],
    [{ initialSparsity: -0.2, finalSparsity: 0.5, endStep: 10 }, /initialSparsity\): sparsity must .* got -0\.2/],
    [{ initialSparsity: 0.6, finalSparsity: 0.5, endStep: 10 }, /finalSparsity 0\.5 is below initialSparsity 0\.6/],
    [{ finalSparsity: 0.5, beginStep: 10, endStep: 10 }, /endStep 10 must be after beginStep 10/],
    [{ finalSparsity: 0.5, endStep: 2.5 }, /endStep must be an integer >= 0, got 2\.5/],
  ])('names a bad option %#', (options, message) => {
    expect(() => polynomialSparsity(0, options)).toThrow(message);
  });
});

describe('GradualPruning', () => {
  it('prunes at t0, every frequency steps and at T, following the schedule exactly', () => {
    const layer = new Linear(50, 20, { generator: new Generator(2) }); // 1000 weights
    const options = { finalSparsity: 0.8, beginStep: 2, endStep: 12, frequency: 4 };
    const pruner = new GradualPruning(layer, options);
    const applied: [number, number][] = [];
    for (let t = 0; t < 16; t++) {
      const report = pruner.step(t);
      if (report) applied.push([t, report.total.pruned]);
    }
    expect(applied.map(([t]) => t)).toEqual([2, 6, 10, 12]);
    for (const [t, pruned] of applied) expect(pruned).toBe(Math.round(polynomialSparsity(t, options) * 1000));
    expect(sparsityReport(layer).total.pruned).toBe(800);
  });

  it('in a training loop with Adam, weights once pruned stay zero and the final sparsity is reached', () => {
    const layer = new Linear(30, 4, { generator: new Generator(5) }); // 120 weights
    const opt = new Adam(layer.parameters(), { lr: 0.05 });
    const pruner = new GradualPruning(layer, { finalSparsity: 0.75, beginStep: 0, endStep: 20, frequency: 5 });
    const x = randn([8, 30], new Generator(6));
    const y = [0, 1, 2, 3, 0, 1, 2, 3];
    let pruned = new Set<number>();
    for (let t = 0; t < 30; t++) {
      opt.zeroGrad();
      crossEntropy(layer.forward(x), y).backward();
      opt.step();
      pruner.step(t);
      const zeros = new Set(Array.from(layer.weight.data).flatMap((v, i) => (v === 0 ? [i] : [])));
      for (const i of pruned) expect(zeros.has(i)).toBe(true);
      pruned = zeros;
    }
    expect(sparsityReport(layer).total.pruned).toBe(90);
    expect(pruned.size).toBe(90);
  });

  it('names a bad frequency and a bad step', () => {
    const layer = new Linear(4, 2);
    expect(() => new GradualPruning(layer, { finalSparsity: 0.5, endStep: 4, frequency: 0 })).toThrow(
      /frequency must be an integer >= 1, got 0/,
    );
    expect(() => new GradualPruning(layer, { finalSparsity: 0.5, endStep: 4 }).step(-1)).toThrow(
      /step must be an integer >= 0, got -1/,
    );
  });
});
