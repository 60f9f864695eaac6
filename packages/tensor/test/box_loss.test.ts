// 3D box overlap and box losses: IoU / GIoU of hand-computed boxes, the float64 GIoU gradient against
// central finite differences, the losses' autograd gradients against float32 finite differences, the
// composed smooth-L1 + GIoU loss against its definition, and bad boxes named.
import {
  Generator,
  Reduction,
  Tensor,
  boxOverlap3d,
  boxRegressionLoss,
  giouLoss3d,
  mul,
  randn,
  smoothL1Loss,
  sum,
} from '../src';
import { gradientMismatches } from './gradcheck';
import { TOLERANCES } from './tolerances';

describe('boxOverlap3d', () => {
  // [name, box a, box b, IoU, GIoU], boxes as (z, y, x, d, h, w).
  it.each([
    ['shifted by half', [0, 0, 0, 2, 2, 2], [1, 0, 0, 2, 2, 2], 4 / 12, 4 / 12],
    ['disjoint', [0, 0, 0, 1, 1, 1], [2, 0, 0, 1, 1, 1], 0, -1 / 3],
    ['nested', [5, 5, 5, 2, 2, 2], [5, 5, 5, 4, 4, 4], 8 / 64, 8 / 64],
    ['identical', [1, 2, 3, 1, 2, 3], [1, 2, 3, 1, 2, 3], 1, 1],
    ['off-axis', [0, 0, 0, 2, 4, 6], [1, 1, 1, 2, 2, 2], 4 / 52, 4 / 52 - 20 / 72],
    ['touching', [0, 0, 0, 2, 2, 2], [2, 0, 0, 2, 2, 2], 0, 0],
  ])('%s', (_name, a, b, iou, giou) => {
    const got = boxOverlap3d(a, 0, b, 0);
    expect(got.iou).toBeCloseTo(iou, 12);
    expect(got.giou).toBeCloseTo(giou, 12);
    const swapped = boxOverlap3d(b, 0, a, 0);
    expect(swapped.iou).toBeCloseTo(iou, 12);
    expect(swapped.giou).toBeCloseTo(giou, 12);
  });

  it('GIoU gradients match float64 central differences (tolerances.json finite_difference) for overlapping, nested and disjoint boxes', () => {
    const g = new Generator(11);
    const u = (lo: number, hi: number) => g.uniformRange(lo, hi);
    for (let trial = 0; trial < 40; trial++) {
      const spread = trial % 3 === 0 ? 4 : 1.5; // some pairs disjoint
      const a = [u(-1, 1), u(-1, 1), u(-1, 1), u(0.5, 2), u(0.5, 2), u(0.5, 2)];
      const b = [u(-spread, spread), u(-1, 1), u(-1, 1), u(0.5, 2), u(0.5, 2), u(0.5, 2)];
      const da = new Float64Array(6);
      const db = new Float64Array(6);
      boxOverlap3d(a, 0, b, 0, { da, db, scale: 1 });
      const { eps = 1e-6, atol, rtol } = TOLERANCES.finite_difference.default;
      for (const [box, grad] of [
        [a, da],
        [b, db],
      ] as const) {
        for (let k = 0; k < 6; k++) {
          const saved = box[k];
          box[k] = saved + eps;
          const up = boxOverlap3d(a, 0, b, 0).giou;
          box[k] = saved - eps;
          const down = boxOverlap3d(a, 0, b, 0).giou;
          box[k] = saved;
          const numeric = (up - down) / (2 * eps);
          expect(Math.abs(grad[k] - numeric)).toBeLessThanOrEqual(atol + rtol * Math.abs(numeric));
        }
      }
    }
  });
});

/** n random boxes around the origin with sizes in [0.5, 1.5]. */
function boxes(n: number, g: Generator, requiresGrad = true): Tensor {
  const data = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) data[i * 6 + k] = g.uniformRange(-0.6, 0.6);
    for (let k = 3; k < 6; k++) data[i * 6 + k] = g.uniformRange(0.5, 1.5);
  }
  return new Tensor(data, [n, 6], { requiresGrad });
}

describe('giouLoss3d and boxRegressionLoss', () => {
  it('1 - GIoU per box, reduced', () => {
    const a = Tensor.from([0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1], [2, 6]);
    const b = Tensor.from([1, 0, 0, 2, 2, 2, 2, 0, 0, 1, 1, 1], [2, 6]);
    const none = giouLoss3d(a, b, { reduction: 'none' });
    expect(none.shape).toEqual([2]);
    expect(none.data[0]).toBeCloseTo(1 - 1 / 3, 6);
    expect(none.data[1]).toBeCloseTo(1 + 1 / 3, 6);
    expect(giouLoss3d(a, b).item()).toBeCloseTo(1, 6);
    expect(giouLoss3d(a, b, { reduction: 'sum' }).item()).toBeCloseTo(2, 6);
  });

  it('the composed loss is its definition: weighted mean of mean smooth-L1 plus weighted 1 - GIoU', () => {
    const g = new Generator(3);
    const a = boxes(3, g, false);
    const b = boxes(3, g, false);
    const s = [1, 3, 0.5];
    const l1 = smoothL1Loss(a, b, { beta: 0.2, reduction: 'none' }).data;
    const gl = giouLoss3d(a, b, { reduction: 'none' }).data;
    let want = 0;
    for (let i = 0; i < 3; i++) {
      let m = 0;
      for (let k = 0; k < 6; k++) m += l1[i * 6 + k] / 6;
      want += s[i] * (2 * m + 0.5 * gl[i]);
    }
    const options = { beta: 0.2, l1Weight: 2, giouWeight: 0.5, sampleWeights: s };
    expect(boxRegressionLoss(a, b, options).item()).toBeCloseTo(want / 4.5, 5);
    expect(boxRegressionLoss(a, b, { ...options, reduction: 'sum' }).item()).toBeCloseTo(want, 5);
  });

  it.each(['mean', 'sum', 'none'] as Reduction[])('giouLoss3d gradients (%s) match finite differences', (r) => {
    const g = new Generator(5);
    const a = boxes(4, g);
    const b = boxes(4, g);
    const w = randn([4], g);
    const f = () =>
      r === 'none' ? sum(mul(giouLoss3d(a, b, { reduction: r }), w)) : giouLoss3d(a, b, { reduction: r });
    expect(gradientMismatches('giouLoss3d', [a, b], f)).toEqual([]);
  });

  it.each(['mean', 'sum'] as const)(
    'boxRegressionLoss gradients (%s, sample weights) match finite differences',
    (r) => {
      const g = new Generator(6);
      const a = boxes(4, g);
      const b = boxes(4, g);
      const f = () => boxRegressionLoss(a, b, { reduction: r, beta: 0.1, sampleWeights: [1, 2, 0, 0.5] });
      expect(gradientMismatches('boxRegressionLoss', [a, b], f)).toEqual([]);
    },
  );

  it('names a box of negative size, a non-finite value, a bad shape and bad weights', () => {
    const ok = Tensor.from([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1], [2, 6]);
    const neg = Tensor.from([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, -2, 1], [2, 6]);
    expect(() => giouLoss3d(neg, ok)).toThrow('giouLoss3d: input[1] has a negative size (d, h, w) = (1, -2, 1)');
    expect(() => boxRegressionLoss(ok, neg)).toThrow('boxRegressionLoss: target[1] has a negative size');
    const nan = Tensor.from([0, NaN, 0, 1, 1, 1], [1, 6]);
    expect(() => giouLoss3d(nan, Tensor.from([0, 0, 0, 1, 1, 1], [1, 6]))).toThrow(
      'giouLoss3d: input[0] has a non-finite centre value NaN',
    );
    expect(() => giouLoss3d(Tensor.zeros([2, 4]), Tensor.zeros([2, 4]))).toThrow(/must be \(N, 6\) boxes.*\[2, 4\]/);
    expect(() => boxRegressionLoss(ok, ok, { sampleWeights: [1] })).toThrow(/sampleWeights has 1 entries, expected 2/);
    expect(() => boxRegressionLoss(ok, ok, { giouWeight: -1 })).toThrow(
      /giouWeight must be a finite number >= 0, got -1/,
    );
  });
});
