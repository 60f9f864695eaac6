// 3D boxes for localization: a box is centre (z, y, x) + size (d, h, w) in voxels; IoU and GIoU (the
// overlap of @nodulab/tensor, one implementation), boxes from the generator's voxel bounds, the mean box
// of a population, and the localization metrics: mean IoU, hit rates at IoU >= 0.5 / 0.25, centre error in mm.
import { boxOverlap3d, checkBox3d } from '@nodulab/tensor';
import type { BBox } from '@nodulab/data';
import { checkPaired } from './confusion';

/** A 3D axis-aligned box: centre (z, y, x) and size (d, h, w), in voxels (or any one unit for both). */
export interface Box3d {
  centre: [number, number, number];
  size: [number, number, number];
}

const values = (b: Box3d): number[] => [...b.centre, ...b.size];

/** Throws, naming `name`, unless `b` is a box with finite values and sizes >= 0. */
export function checkBox(op: string, name: string, b: Box3d): void {
  if (!b || !Array.isArray(b.centre) || !Array.isArray(b.size) || b.centre.length !== 3 || b.size.length !== 3)
    throw new Error(`${op}: ${name} is not a box { centre: [z, y, x], size: [d, h, w] }`);
  checkBox3d(op, name, values(b));
}

/** A box from its centre (z, y, x) and size (d, h, w); throws on a negative size or a non-finite value. */
export function box3d(centre: readonly number[], size: readonly number[]): Box3d {
  if (centre.length !== 3 || size.length !== 3)
    throw new Error(`box3d: centre and size need 3 values each, got ${centre.length} and ${size.length}`);
  const b: Box3d = { centre: [centre[0], centre[1], centre[2]], size: [size[0], size[1], size[2]] };
  checkBox('box3d', 'the box', b);
  return b;
}

/**
 * The box covering inclusive voxel bounds `{ min, max }` (a generated sample's `bbox`): voxel i spans
 * [i - 0.5, i + 0.5], so centre = (min + max) / 2 and size = max - min + 1.
 */
export function boxFromBounds(bounds: BBox): Box3d {
  const { min, max } = bounds;
  for (let k = 0; k < 3; k++)
    if (!(max[k] >= min[k]))
      throw new Error(`boxFromBounds: max [${max.join(', ')}] is below min [${min.join(', ')}] on axis ${k}`);
  return box3d(
    [0, 1, 2].map((k) => (min[k] + max[k]) / 2),
    [0, 1, 2].map((k) => max[k] - min[k] + 1),
  );
}

/**
 * The inclusive voxel bounds of a box, the inverse of {@link boxFromBounds}: min = centre − (size − 1) / 2,
 * max = centre + (size − 1) / 2, each size taken as at least one voxel.
 */
export function boundsOfBox(b: Box3d): BBox {
  checkBox('boundsOfBox', 'the box', b);
  const half = b.size.map((s) => (Math.max(1, s) - 1) / 2);
  return {
    min: [0, 1, 2].map((k) => b.centre[k] - half[k]) as [number, number, number],
    max: [0, 1, 2].map((k) => b.centre[k] + half[k]) as [number, number, number],
  };
}

/** Intersection over union of two boxes, in [0, 1]. Throws naming a box of negative size. */
export function boxIoU(a: Box3d, b: Box3d): number {
  checkBox('boxIoU', 'a', a);
  checkBox('boxIoU', 'b', b);
  return boxOverlap3d(values(a), 0, values(b), 0).iou;
}

/**
 * Generalized IoU (Rezatofighi et al. 2019): IoU - (C - U) / C with C the smallest enclosing box, in
 * (-1, 1]; unlike IoU it still ranks boxes that do not overlap. Throws naming a box of negative size.
 */
export function boxGIoU(a: Box3d, b: Box3d): number {
  checkBox('boxGIoU', 'a', a);
  checkBox('boxGIoU', 'b', b);
  return boxOverlap3d(values(a), 0, values(b), 0).giou;
}

/** The component-wise mean of boxes (centres and sizes averaged): a population's mean box. */
export function meanBox(boxes: readonly Box3d[]): Box3d {
  if (!boxes.length) throw new Error('meanBox: no boxes');
  const sum = [0, 0, 0, 0, 0, 0];
  boxes.forEach((b, i) => {
    checkBox('meanBox', `boxes[${i}]`, b);
    values(b).forEach((v, k) => (sum[k] += v));
  });
  const m = sum.map((v) => v / boxes.length);
  return { centre: [m[0], m[1], m[2]], size: [m[3], m[4], m[5]] };
}

/**
 * Boxes from a box head's output (N, 6) (`model.boxes(x)`: centre and size divided by the volume's
 * (D, H, W)) in voxels of a volume of size `volumeSize` (D, H, W). Throws naming a negative box.
 */
export function boxesFromNormalized(values: ArrayLike<number>, volumeSize: readonly [number, number, number]): Box3d[] {
  if (values.length % 6 !== 0) throw new Error(`boxesFromNormalized: ${values.length} values are not rows of 6`);
  return Array.from({ length: values.length / 6 }, (_, i) => {
    const v = Array.from({ length: 6 }, (_, k) => values[i * 6 + k] * volumeSize[k % 3]);
    const b: Box3d = { centre: [v[0], v[1], v[2]], size: [v[3], v[4], v[5]] };
    checkBox('boxesFromNormalized', `box ${i}`, b);
    return b;
  });
}

/** A box in voxels as the 6 values a box head is trained towards: centre and size divided by `volumeSize`. */
export function normalizeBox(box: Box3d, volumeSize: readonly [number, number, number]): number[] {
  checkBox('normalizeBox', 'the box', box);
  return values(box).map((v, k) => v / volumeSize[k % 3]);
}

/** Options of {@link localizationMetrics}. */
export interface LocalizationOptions {
  /** Voxel spacing (z, y, x) in mm, for the centre error (default [1, 1, 1]). */
  spacing?: readonly [number, number, number];
}

/** What {@link localizationMetrics} returns. */
export interface LocalizationMetrics {
  /** Number of (predicted, true) box pairs. */
  n: number;
  /** Mean 3D IoU. */
  meanIoU: number;
  /** Fraction of boxes with IoU >= 0.5. */
  hitRate50: number;
  /** Fraction of boxes with IoU >= 0.25. */
  hitRate25: number;
  /** Mean distance between predicted and true centres, in mm. */
  meanCentreErrorMm: number;
  /** Per pair: IoU and centre distance in mm. */
  ious: Float64Array;
  centreErrorsMm: Float64Array;
}

/**
 * Localization metrics of predicted boxes against true ones (same order, in voxels): mean 3D IoU, hit
 * rates at IoU >= 0.5 and >= 0.25, and the mean centre error in mm given the voxel `spacing`. Throws on
 * unpaired or empty inputs, a box of negative size (naming it) or a bad spacing.
 */
export function localizationMetrics(
  predicted: readonly Box3d[],
  truth: readonly Box3d[],
  options: LocalizationOptions = {},
): LocalizationMetrics {
  const op = 'localizationMetrics';
  checkPaired(op, predicted, truth, 'predicted', 'truth');
  const spacing = options.spacing ?? [1, 1, 1];
  if (!Array.isArray(spacing) || spacing.length !== 3 || spacing.some((s) => !(s > 0) || !Number.isFinite(s)))
    throw new Error(`${op}: spacing must be three positive mm values (z, y, x), got ${JSON.stringify(spacing)}`);
  const n = predicted.length;
  const ious = new Float64Array(n);
  const centreErrorsMm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = predicted[i];
    const t = truth[i];
    checkBox(op, `predicted[${i}]`, p);
    checkBox(op, `truth[${i}]`, t);
    ious[i] = boxOverlap3d(values(p), 0, values(t), 0).iou;
    let d2 = 0;
    for (let k = 0; k < 3; k++) d2 += ((p.centre[k] - t.centre[k]) * spacing[k]) ** 2;
    centreErrorsMm[i] = Math.sqrt(d2);
  }
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  const rate = (min: number) => ious.reduce((s, v) => s + (v >= min ? 1 : 0), 0) / n;
  return {
    n,
    meanIoU: mean(ious),
    hitRate50: rate(0.5),
    hitRate25: rate(0.25),
    meanCentreErrorMm: mean(centreErrorsMm),
    ious,
    centreErrorsMm,
  };
}
