// The weak and semi settings' training boxes: camBox finds the box of the largest region above a fraction of the
// map's peak (hand-placed blobs), and WithBoxes hands other boxes to the box loss through the same datasetBox path.
import { SyntheticDataset, preset } from '@nodulab/data';
import { boundsOfBox, box3d, boxFromBounds, datasetBox } from '@nodulab/eval';
import { WithBoxes, camBox } from '../../../src';

const SHAPE: [number, number, number] = [8, 10, 12];
const at = (z: number, y: number, x: number) => (z * SHAPE[1] + y) * SHAPE[2] + x;

/** A map with value v on the voxels of [lo, hi] (inclusive). */
function blob(map: Float32Array, lo: number[], hi: number[], v: number): void {
  for (let z = lo[0]; z <= hi[0]; z++)
    for (let y = lo[1]; y <= hi[1]; y++) for (let x = lo[2]; x <= hi[2]; x++) map[at(z, y, x)] = v;
}

describe('camBox', () => {
  it.each([
    // [blob A (lo, hi, value), blob B, threshold, expected centre, expected size]
    ['one blob', [[1, 2, 3], [3, 5, 4], 1], null, 0.5, [2, 3.5, 3.5], [3, 4, 2]],
    [
      'the larger of two regions, not the higher',
      [[0, 0, 0], [0, 0, 1], 1],
      [[4, 4, 6], [7, 9, 11], 0.8],
      0.5,
      [5.5, 6.5, 8.5],
      [4, 6, 6],
    ],
    [
      'the peak alone when the rest is below the threshold',
      [[0, 0, 0], [0, 0, 1], 1],
      [[4, 4, 6], [7, 9, 11], 0.8],
      0.9,
      [0, 0, 0.5],
      [1, 1, 2],
    ],
  ])('%s', (_name, a, b, threshold, centre, size) => {
    const map = new Float32Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
    for (const blobSpec of [a, b]) if (blobSpec) blob(map, ...(blobSpec as [number[], number[], number]));
    expect(camBox(map, SHAPE, threshold as number)).toEqual(box3d(centre as number[], size as number[]));
  });

  it('returns the whole volume for a map with no evidence, and names bad input', () => {
    const zero = new Float32Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
    expect(camBox(zero, SHAPE)).toEqual(box3d([3.5, 4.5, 5.5], [8, 10, 12]));
    expect(() => camBox(zero, SHAPE, 0)).toThrow('camBox: threshold must be in (0, 1], got 0');
    expect(() => camBox(zero.subarray(1), SHAPE)).toThrow('camBox: 959 values for a (8, 10, 12) map');
    zero[5] = NaN;
    expect(() => camBox(zero, SHAPE)).toThrow('camBox: cam[5] = NaN is not finite');
  });
});

describe('WithBoxes', () => {
  it('replaces each item’s box (bounds round-trip through datasetBox) and keeps the volume', () => {
    const ds = new SyntheticDataset(
      { ...preset('localize'), volume: { shape: [16, 16, 16], spacing: [3, 3, 3] } },
      1,
      'train',
      2,
    );
    const boxes = [box3d([4, 5.5, 6], [3, 2, 5]), box3d([10, 10, 10], [0.5, 1, 1])];
    const w = new WithBoxes(ds, boxes);
    expect(datasetBox(w, 0)).toEqual(boxes[0]);
    // A box under one voxel is trained as one voxel.
    expect(datasetBox(w, 1)).toEqual(box3d([10, 10, 10], [1, 1, 1]));
    expect(Array.from(w.get(0).volume)).toEqual(Array.from(ds.get(0).volume));
    expect(boxFromBounds(boundsOfBox(boxes[0]))).toEqual(boxes[0]);
    expect(w.recipe()).toBeNull();
    expect(() => new WithBoxes(ds, boxes.slice(1))).toThrow(/WithBoxes: 1 boxes for the 2 items/);
  });
});
