// Centre crop / pad of a volume (D, H, W) to a given size (MONAI's ResizeWithPadOrCrop): how a scan on a
// model's grid meets the model's input size, and how a scans-folder dataset's items reach one shape.
import { cropPad } from './spatial';
import type { CropOp } from './types';

/**
 * v: (D, H, W) cropped and/or padded with `padValue` to `size`, centred per axis: crop from ⌊(n − size)/2⌋,
 * pad ⌊(size − n)/2⌋ before (so pad then crop is exact). Returns `v` itself when it already has `size`.
 *
 * @example
 * const x = centerCropOrPad(grid.data, grid.shape, [32, 32, 32], -1024); // x: (32, 32, 32)
 */
export function centerCropOrPad(
  v: Float32Array,
  shape: readonly number[],
  size: readonly number[],
  padValue: number,
): Float32Array {
  const [D, H, W] = shape;
  const [d, h, w] = size;
  if (D === d && H === h && W === w) return v;
  const off = [0, 1, 2].map((k) =>
    shape[k] >= size[k] ? Math.floor((shape[k] - size[k]) / 2) : -Math.floor((size[k] - shape[k]) / 2),
  );
  // Per axis: the source start of the copied box, its length, and where it lands in the output.
  const start = off.map((o) => Math.max(0, o)) as [number, number, number];
  const at = off.map((o) => Math.max(0, -o)) as [number, number, number];
  const len = [0, 1, 2].map((k) => Math.min(shape[k], size[k])) as [number, number, number];
  const op: CropOp = { op: 'crop', start, size: len, outputShape: [d, h, w], offset: at, padValue };
  return cropPad(v, [D, H, W], op, padValue);
}
