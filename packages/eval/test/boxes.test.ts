// 3D boxes and localization metrics against hand-computed boxes: IoU, GIoU, boxes from voxel bounds,
// mean boxes, mean IoU, hit rates at 0.5 and 0.25, centre error in mm; bad boxes and inputs named.
import {
  box3d,
  boxesFromNormalized,
  boundsOfBox,
  boxFromBounds,
  boxGIoU,
  boxIoU,
  localizationMetrics,
  meanBox,
  normalizeBox,
} from '../src';

describe('boxIoU and boxGIoU', () => {
  it.each([
    // two 4x4x4 cubes overlapping in a 2x4x4 slab: 32 / (64 + 64 - 32)
    ['half-overlapping cubes', box3d([10, 10, 10], [4, 4, 4]), box3d([12, 10, 10], [4, 4, 4]), 32 / 96, 32 / 96],
    // 2x2x2 inside 4x4x4
    ['nested', box3d([0, 0, 0], [2, 2, 2]), box3d([0, 0, 0], [4, 4, 4]), 8 / 64, 8 / 64],
    // disjoint 1-cubes 3 apart: enclosing 4x1x1, union 2 -> GIoU = -(4 - 2)/4
    ['disjoint', box3d([0, 0, 0], [1, 1, 1]), box3d([0, 0, 3], [1, 1, 1]), 0, -0.5],
    // z [-1, 1] vs [0, 2], y [-2, 2] vs [0, 2], x [-3, 3] both: overlap 1 x 2 x 6 = 12; volumes 48 and 24,
    // union 60; enclosing 3 x 4 x 6 = 72 -> GIoU = 12/60 - (72 - 60)/72
    ['boxes of different shapes', box3d([0, 0, 0], [2, 4, 6]), box3d([1, 1, 0], [2, 2, 6]), 0.2, 0.2 - 1 / 6],
  ])('%s', (_name, a, b, iou, giou) => {
    expect(boxIoU(a, b)).toBeCloseTo(iou, 12);
    expect(boxIoU(b, a)).toBeCloseTo(iou, 12);
    expect(boxGIoU(a, b)).toBeCloseTo(giou, 12);
  });

  it('a box of negative size is an error naming it', () => {
    const ok = box3d([0, 0, 0], [1, 1, 1]);
    const bad = { centre: [0, 0, 0], size: [1, -1, 2] } as never;
    expect(() => boxIoU(ok, bad)).toThrow('boxIoU: b has a negative size (d, h, w) = (1, -1, 2)');
    expect(() => box3d([0, 0, 0], [-3, 1, 1])).toThrow('box3d: the box has a negative size (d, h, w) = (-3, 1, 1)');
    expect(() => boxGIoU({ centre: [0, 0], size: [1, 1, 1] } as never, ok)).toThrow(/boxGIoU: a is not a box/);
  });
});

describe('boxFromBounds and meanBox', () => {
  it('covers inclusive voxel bounds', () => {
    expect(boxFromBounds({ min: [2, 4, 6], max: [5, 4, 9] })).toEqual({ centre: [3.5, 4, 7.5], size: [4, 1, 4] });
    expect(() => boxFromBounds({ min: [2, 4, 6], max: [1, 4, 9] })).toThrow(/max \[1, 4, 9\] is below min/);
    expect(boundsOfBox({ centre: [3.5, 4, 7.5], size: [4, 1, 4] })).toEqual({ min: [2, 4, 6], max: [5, 4, 9] });
  });

  it('averages centres and sizes', () => {
    const m = meanBox([box3d([0, 2, 4], [2, 2, 2]), box3d([2, 2, 0], [4, 6, 2])]);
    expect(m).toEqual({ centre: [1, 2, 2], size: [3, 4, 2] });
    expect(() => meanBox([])).toThrow('meanBox: no boxes');
  });
});

describe('localizationMetrics', () => {
  it('mean IoU, hit rates and centre error in mm of hand-computed pairs', () => {
    const truth = [box3d([10, 10, 10], [4, 4, 4]), box3d([10, 10, 10], [4, 4, 4]), box3d([0, 0, 0], [2, 2, 2])];
    const predicted = [
      box3d([10, 10, 10], [4, 4, 4]), // IoU 1, error 0
      box3d([12, 10, 10], [4, 4, 4]), // IoU 1/3, 2 voxels in z
      box3d([0, 3, 4], [2, 2, 2]), // IoU 0, (0, 3, 4) voxels off
    ];
    const m = localizationMetrics(predicted, truth, { spacing: [2, 0.5, 0.5] });
    expect(m.n).toBe(3);
    expect(Array.from(m.ious)).toEqual([1, 1 / 3, 0]);
    expect(m.meanIoU).toBeCloseTo((1 + 1 / 3) / 3, 12);
    expect(m.hitRate50).toBeCloseTo(1 / 3, 12);
    expect(m.hitRate25).toBeCloseTo(2 / 3, 12);
    expect(Array.from(m.centreErrorsMm)).toEqual([0, 4, Math.hypot(1.5, 2)]);
    expect(m.meanCentreErrorMm).toBeCloseTo((4 + 2.5) / 3, 12);
  });

  it('an IoU of exactly 0.5 or 0.25 is a hit', () => {
    const t = box3d([0, 0, 0], [4, 4, 4]);
    const half = box3d([0, 0, 0], [2, 4, 4]); // 32 / 64
    const quarter = box3d([0, 0, 0], [1, 4, 4]); // 16 / 64
    const m = localizationMetrics([half, quarter], [t, t]);
    expect(Array.from(m.ious)).toEqual([0.5, 0.25]);
    expect(m.hitRate50).toBe(0.5);
    expect(m.hitRate25).toBe(1);
  });

  it('names unpaired inputs, a negative box and a bad spacing', () => {
    const b = box3d([0, 0, 0], [1, 1, 1]);
    expect(() => localizationMetrics([b], [b, b])).toThrow(/predicted has 1 entries but truth has 2/);
    expect(() => localizationMetrics([], [])).toThrow(/no samples/);
    const neg = { centre: [0, 0, 0], size: [0, 0, -0.5] } as never;
    expect(() => localizationMetrics([b, neg], [b, b])).toThrow(/predicted\[1\] has a negative size/);
    expect(() => localizationMetrics([b], [b], { spacing: [1, 0, 1] })).toThrow(/spacing must be three positive mm/);
  });
});

describe('normalizeBox and boxesFromNormalized', () => {
  it('divide and multiply by the volume size, axis by axis', () => {
    const size: [number, number, number] = [32, 64, 48];
    const b = box3d([16, 16, 12], [8, 16, 6]);
    expect(normalizeBox(b, size)).toEqual([0.5, 0.25, 0.25, 0.25, 0.25, 0.125]);
    const back = boxesFromNormalized(
      Float32Array.from([...normalizeBox(b, size), 0.25, 0.5, 0.5, 0.5, 0.5, 0.5]),
      size,
    );
    expect(back).toEqual([b, { centre: [8, 32, 24], size: [16, 32, 24] }]);
    expect(() => boxesFromNormalized([0.5, 0.5, 0.5, 0.1, -0.1, 0.1], size)).toThrow(
      'boxesFromNormalized: box 0 has a negative size (d, h, w) = (3.2, -6.4, 4.800000000000001)',
    );
    expect(() => boxesFromNormalized([1, 2, 3], size)).toThrow(/3 values are not rows of 6/);
  });
});
