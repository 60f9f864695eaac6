// Binary dilation and erosion by an ellipsoid, and the band around a structure, on hand-made masks.
import { boundaryBand, dilate3d, erode3d } from '../src';

/** A (D, H, W) mask with ones at the given (z, y, x). */
function maskWith(shape: [number, number, number], points: [number, number, number][]): Uint8Array {
  const [, H, W] = shape;
  const m = new Uint8Array(shape[0] * H * W);
  for (const [z, y, x] of points) m[(z * H + y) * W + x] = 1;
  return m;
}
const count = (m: ArrayLike<number>) => Array.from(m).reduce((a, b) => a + (b ? 1 : 0), 0);

describe('dilate3d', () => {
  it('grows one voxel into the 6-neighbourhood at radius 1 and a ball of 33 at radius 2', () => {
    const shape: [number, number, number] = [7, 7, 7];
    const one = maskWith(shape, [[3, 3, 3]]);
    const r1 = dilate3d(one, shape, 1);
    expect(count(r1)).toBe(7);
    expect(Array.from(r1)).toEqual(
      Array.from(
        maskWith(shape, [
          [3, 3, 3],
          [2, 3, 3],
          [4, 3, 3],
          [3, 2, 3],
          [3, 4, 3],
          [3, 3, 2],
          [3, 3, 4],
        ]),
      ),
    );
    // |dz|,|dy|,|dx| with dz²+dy²+dx² <= 4: 1 + 6 + 12 + 8 + 6 = 33
    expect(count(dilate3d(one, shape, 2))).toBe(33);
  });

  it('takes per-axis radii and clips at the border', () => {
    const shape: [number, number, number] = [3, 5, 5];
    const corner = maskWith(shape, [[0, 0, 0]]);
    // radius (0, 2, 2): in-plane disc of radius 2 clipped to a quadrant: (y, x) with y²+x² <= 4, y, x >= 0
    expect(count(dilate3d(corner, shape, [0, 2, 2]))).toBe(6);
    expect(count(dilate3d(corner, shape, 0))).toBe(1);
  });

  it('dilates each volume of a batch on its own', () => {
    const m = new Uint8Array(2 * 27);
    m[13] = 1; // centre of volume 0 only
    const d = dilate3d(m, [2, 3, 3, 3], 1);
    expect(count(d.subarray(0, 27))).toBe(7);
    expect(count(d.subarray(27))).toBe(0);
  });

  it('names bad input', () => {
    expect(() => dilate3d([1, 0], [1, 1, 3], 1)).toThrow('mask has 2 voxels but shape [1, 1, 3] needs 3');
    expect(() => dilate3d([1], [1, 1], 1)).toThrow('shape must be (...batch, D, H, W)');
    expect(() => dilate3d([1], [1, 1, 1], -1)).toThrow('radius must be a non-negative integer');
    expect(() => dilate3d([1], [1, 1, 1], 1.5)).toThrow('radius must be a non-negative integer');
  });
});

describe('erode3d and boundaryBand', () => {
  // A 3x3x3 cube in the middle of a 7x7x7 volume.
  const shape: [number, number, number] = [7, 7, 7];
  const cube: [number, number, number][] = [];
  for (let z = 2; z <= 4; z++) for (let y = 2; y <= 4; y++) for (let x = 2; x <= 4; x++) cube.push([z, y, x]);
  const m = maskWith(shape, cube);

  it('erodes a 3-cube to its centre at radius 1', () => {
    expect(Array.from(erode3d(m, shape, 1))).toEqual(Array.from(maskWith(shape, [[3, 3, 3]])));
  });

  it('does not erode from the volume border', () => {
    const full = new Uint8Array(27).fill(1);
    expect(count(erode3d(full, [3, 3, 3], 1))).toBe(27);
  });

  it('is the dilation minus the erosion', () => {
    const band = boundaryBand(m, shape, 1);
    // dilation of the cube by the 6-neighbourhood: 27 + 6 faces of 9 = 81; minus the eroded centre
    expect(count(dilate3d(m, shape, 1))).toBe(81);
    expect(count(band)).toBe(80);
    expect(band[(3 * 7 + 3) * 7 + 3]).toBe(0);
    expect(band[(2 * 7 + 2) * 7 + 2]).toBe(1);
    expect(band[0]).toBe(0);
  });
});
