// Sliding-window inference: MONAI's window starts, the Gaussian importance map, blending that reproduces a
// voxel-wise model exactly on volumes larger and smaller than the window, and centred crop / pad.
import { centerCropOrPad, gaussianImportance, slidingWindow, windowStarts } from '../src';

it.each<[number, number, number, number[]]>([
  [32, 32, 0.25, [0]],
  [20, 32, 0.25, [0]],
  [40, 32, 0.25, [0, 8]],
  [64, 32, 0.25, [0, 24, 32]],
  [50, 16, 0.25, [0, 12, 24, 34]],
  [10, 4, 0.9, [0, 1, 2, 3, 4, 5, 6]],
])('windowStarts(%d, roi %d, overlap %d) = %j', (size, roi, overlap, starts) => {
  expect(windowStarts(size, roi, overlap)).toEqual(starts);
});

it('the Gaussian importance map peaks at 1 in the middle and is symmetric', () => {
  const g = gaussianImportance([5, 6, 7], 0.125);
  expect(g[(2 * 6 + 3) * 7 + 3]).toBe(1);
  expect(Math.max(...g)).toBe(1);
  expect(Math.min(...g)).toBeGreaterThan(0);
  expect(g[(1 * 6 + 3) * 7 + 3]).toBeCloseTo(g[(3 * 6 + 3) * 7 + 3], 7);
});

it('centred pad then crop gives the volume back', () => {
  const v = Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
  const padded = centerCropOrPad(v, [3, 4, 5], [6, 4, 8], -1);
  expect(padded.filter((x) => x === -1).length).toBe(6 * 4 * 8 - 60);
  expect(Array.from(centerCropOrPad(padded, [6, 4, 8], [3, 4, 5], 0))).toEqual(Array.from(v));
});

describe('slidingWindow', () => {
  // A voxel-wise "model" with two output channels (2x + 1, −x): every window agrees on every voxel, so the
  // blended output must equal the function of the whole volume whatever the windows and weights.
  const voxelwise = async (batch: Float32Array, n: number) => {
    const per = batch.length / n;
    const out = new Float32Array(2 * batch.length);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < per; i++) {
        out[2 * b * per + i] = 2 * batch[b * per + i] + 1;
        out[(2 * b + 1) * per + i] = -batch[b * per + i];
      }
    return out;
  };
  it.each<[number[], number[], number]>([
    [[20, 17, 13], [8, 8, 8], 18], // larger than the window on every axis: 3 · 3 · 2 windows
    [[8, 8, 8], [8, 8, 8], 1], // exactly one window
    [[5, 12, 3], [8, 8, 8], 2], // smaller on two axes (padded), larger on one
  ])('shape %j, window %j', async (shape, roi, windows) => {
    const n = shape[0] * shape[1] * shape[2];
    const v = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 3);
    const r = await slidingWindow(v, shape, roi, -5, voxelwise, { windowBatch: 3 });
    expect(r.channels).toBe(2);
    expect(r.windows).toBe(windows);
    expect(r.output.length).toBe(2 * n);
    let worst = 0;
    for (let i = 0; i < n; i++)
      worst = Math.max(worst, Math.abs(r.output[i] - (2 * v[i] + 1)), Math.abs(r.output[n + i] + v[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('weights windows by the Gaussian: a model that answers with its window index blends towards the nearer window', async () => {
    let call = 0;
    const byWindow = async (batch: Float32Array, n: number) => {
      const per = batch.length / n;
      const out = new Float32Array(batch.length);
      for (let b = 0; b < n; b++) out.fill(call++, b * per, (b + 1) * per);
      return out;
    };
    const r = await slidingWindow(new Float32Array(1 * 1 * 12), [1, 1, 12], [1, 1, 8], 0, byWindow, { overlap: 0.5 });
    expect(r.windows).toBe(2); // starts 0 and 4
    expect(r.output[0]).toBe(0);
    expect(r.output[11]).toBe(1);
    expect(r.output[5]).toBeLessThan(0.5); // nearer the centre (4) of window 0 than the centre (8) of window 1
    expect(r.output[7]).toBeGreaterThan(0.5);
  });

  it('rejects bad options', async () => {
    const v = new Float32Array(8);
    await expect(slidingWindow(v, [2, 2, 2], [2, 2, 2], 0, voxelwise, { overlap: 1 })).rejects.toThrow(/overlap/);
    await expect(slidingWindow(v, [2, 2, 2], [2, 2, 2], 0, voxelwise, { windowBatch: 0 })).rejects.toThrow(
      /windowBatch/,
    );
  });
});
