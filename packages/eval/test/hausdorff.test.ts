// HD95 and the Hausdorff distance in mm on hand-made masks: lines whose surface distances are known,
// single voxels with anisotropic spacing, a hollow cube with the same surface, empty masks and errors.
import { dice, hausdorffDistance, hd95 } from '../src';

const line = (W: number, from: number, to: number) =>
  Array.from({ length: W }, (_, x) => (x >= from && x <= to ? 1 : 0));

describe('hd95', () => {
  it('is the larger directed 95th percentile of surface distances (numpy interpolation)', () => {
    // (1,1,10) volume: every voxel of a line is a surface voxel. pred x 2..7 to truth x 2..5: 0,0,0,0,1,2
    // -> percentile 95 at position 4.75 = 1 + 0.75 * (2 - 1) = 1.75; truth to pred: all 0.
    const pred = line(10, 2, 7);
    const truth = line(10, 2, 5);
    expect(hd95(pred, truth, [1, 1, 10])).toBeCloseTo(1.75, 12);
    expect(hd95(truth, pred, [1, 1, 10])).toBeCloseTo(1.75, 12);
    expect(hausdorffDistance(pred, truth, [1, 1, 10], { percentile: 100 })).toBe(2);
    expect(hd95(pred, truth, [1, 1, 10], { spacing: [1, 1, 0.5] })).toBeCloseTo(0.875, 12);
  });

  it('measures in mm with anisotropic spacing', () => {
    const pred = [1, 0, 0, 0, 0, 0, 0, 0];
    const truth = [0, 0, 0, 0, 0, 0, 0, 1]; // (0,0,0) vs (1,1,1) in a 2x2x2 volume
    expect(hd95(pred, truth, [2, 2, 2], { spacing: [2.5, 1, 0.5] })).toBeCloseTo(Math.hypot(2.5, 1, 0.5), 12);
  });

  it('compares surfaces only: a cube hollowed at its centre has the same surface', () => {
    const truth = new Uint8Array(125);
    for (let z = 1; z <= 3; z++)
      for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) truth[(z * 5 + y) * 5 + x] = 1;
    const pred = Uint8Array.from(truth);
    pred[(2 * 5 + 2) * 5 + 2] = 0;
    expect(dice(pred, truth)).toBeLessThan(1);
    expect(hd95(pred, truth, [5, 5, 5])).toBe(0);
  });

  it('is 0 for two empty masks and Infinity when only one is empty; class selection as dice', () => {
    expect(hd95([0, 0], [0, 0], [1, 1, 2])).toBe(0);
    expect(hd95([1, 0], [0, 0], [1, 1, 2])).toBe(Infinity);
    expect(hd95([2, 0, 0], [0, 0, 255], [1, 1, 3])).toBe(Infinity); // pred class 2 is not class 1
    expect(hd95([2, 0, 0], [0, 0, 2], [1, 1, 3], { cls: 2 })).toBe(2);
  });

  it.each([
    [() => hd95([1], [1, 0], [1, 1, 2]), 'pred has 1 voxels but shape [1, 1, 2] needs 2'],
    [() => hd95([1, 0], [1, 0], [1, 1, 2], { spacing: [1, 0, 1] }), 'spacing must be three positive numbers'],
    [() => hausdorffDistance([1], [1], [1, 1, 1], { percentile: 101 }), 'percentile must be in [0, 100]'],
    [() => hd95([1], [1], [1, 1] as unknown as [number, number, number]), 'shape must be (D, H, W)'],
  ])('error %#', (f, msg) => expect(f).toThrow(msg));
});
