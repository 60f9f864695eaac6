// Temperature scaling: a known temperature recovered from synthetic logits (labels drawn from the
// calibrated softmax, seeded), lower NLL and ECE after scaling, the per-voxel layout, the bound, and errors.
import { Generator } from '@nodulab/tensor';
import { applyTemperature, calibrationMetrics, fitTemperature } from '../src';

/** n samples of C classes: calibrated logits z, labels ~ softmax(z), and the model's logits z * T. */
function syntheticLogits(seed: number, n: number, C: number, T: number) {
  const g = new Generator(seed);
  const logits = new Float32Array(n * C);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: C }, () => 2 * g.normal());
    const e = z.map(Math.exp);
    const sum = e.reduce((a, b) => a + b, 0);
    let u = g.uniform() * sum;
    let label = 0;
    while (label < C - 1 && u >= e[label]) u -= e[label++];
    labels[i] = label;
    z.forEach((v, c) => (logits[i * C + c] = v * T));
  }
  return { logits, labels };
}

function softmaxRows(logits: ArrayLike<number>, C: number): Float32Array {
  const p = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i += C) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[i + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits[i + c] - max);
    for (let c = 0; c < C; c++) p[i + c] = Math.exp(logits[i + c] - max) / s;
  }
  return p;
}

describe('fitTemperature', () => {
  it.each([
    [2.5, 3],
    [0.5, 2],
    [1.0, 4],
  ])('recovers T = %p with %p classes', (T, C) => {
    const n = 20000;
    const { logits, labels } = syntheticLogits(11, n, C, T);
    const fit = fitTemperature(logits, [n, C], labels);
    expect(fit.atBound).toBe(false);
    expect(Math.abs(fit.temperature - T) / T).toBeLessThan(0.04);
    expect(fit.nllAfter).toBeLessThanOrEqual(fit.nllBefore + 1e-12);
    const before = calibrationMetrics(softmaxRows(logits, C), [n, C], labels);
    const after = calibrationMetrics(softmaxRows(applyTemperature(logits, fit.temperature), C), [n, C], labels);
    expect(after.ece).toBeLessThan(0.02);
    if (T !== 1) expect(after.ece).toBeLessThan(before.ece);
    expect(after.nll).toBeCloseTo(fit.nllAfter, 4);
  });

  it('is the minimum of the NLL: nearby temperatures fit worse', () => {
    const n = 5000;
    const { logits, labels } = syntheticLogits(3, n, 3, 1.7);
    const fit = fitTemperature(logits, [n, 3], labels);
    const nllAt = (t: number) => calibrationMetrics(softmaxRows(applyTemperature(logits, t), 3), [n, 3], labels).nll;
    expect(nllAt(fit.temperature * 1.05)).toBeGreaterThan(fit.nllAfter);
    expect(nllAt(fit.temperature / 1.05)).toBeGreaterThan(fit.nllAfter);
  });

  it('reads per-voxel logits (N, C, D, H, W) class-major and honours the mask', () => {
    // The same 2-class data laid out as one (1, 2, 1, 1, n) volume gives the same temperature.
    const n = 4000;
    const { logits, labels } = syntheticLogits(5, n, 2, 2);
    const volume = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      volume[i] = logits[2 * i];
      volume[n + i] = logits[2 * i + 1];
    }
    const flat = fitTemperature(logits, [n, 2], labels);
    const vox = fitTemperature(volume, [1, 2, 1, 1, n], labels);
    expect(vox.temperature).toBeCloseTo(flat.temperature, 8);
    const half = Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 0));
    const masked = fitTemperature(volume, [1, 2, 1, 1, n], labels, { mask: half });
    const firstHalf = fitTemperature(logits.subarray(0, n), [n / 2, 2], labels.subarray(0, n / 2));
    expect(masked.temperature).toBeCloseTo(firstHalf.temperature, 8);
  });

  it('stops at the range end on perfectly separable data', () => {
    const fit = fitTemperature([5, -5, -5, 5], [2, 2], [0, 1]);
    expect(fit.atBound).toBe(true);
    expect(fit.temperature).toBeCloseTo(0.01, 12);
  });

  it.each([
    [() => fitTemperature([1, NaN], [1, 2], [0]), /logits\[1\] = NaN is not finite/],
    [() => fitTemperature([1, 2], [1, 2], [3]), /labels\[0\] = 3/],
    [() => fitTemperature([1, 2], [1, 2], [0], { range: [2, 1] }), /range must be/],
    [() => fitTemperature([1, 2], [1, 2], [0], { mask: [0] }), /mask selects no predictions/],
    [() => applyTemperature([1], 0), /temperature must be a finite number > 0, got 0/],
  ])('error %#', (f, msg) => expect(f).toThrow(msg));
});
