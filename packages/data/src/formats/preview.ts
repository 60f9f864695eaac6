// A PNG preview mosaic of generated volumes: for each sample, the axial, coronal and sagittal slices
// through the nodule centre (volume centre without a nodule), resampled to square millimetres, with
// the label map as a colour overlay (LABEL_COLOURS) and the mask outline in red; samples tile a grid.
import { writeFileAtomic } from '@nodulab/platform';
import { RasterImage, encodePng } from './png';
import { LABEL_COLOURS } from '../spec/structures';

/**
 * One volume to show: volume (D, H, W) in [0, 1] (x fastest), optional mask, label map labels: (D, H, W)
 * of structure ids, and centre (z, y, x) voxels.
 */
export interface PreviewItem {
  shape: readonly [number, number, number] | readonly number[];
  spacing: readonly [number, number, number] | readonly number[];
  volume: ArrayLike<number>;
  mask?: ArrayLike<number> | null;
  labels?: ArrayLike<number> | null;
  centre?: readonly number[] | null;
}

/** How much of a label's colour replaces the gray value under it. */
const OVERLAY_ALPHA = 0.45;

/** Layout of the mosaic. */
export interface PreviewOptions {
  /** Pixels of a panel's longest side (default 96). */
  panelSize?: number;
  /** Samples per row of the grid (default 2). */
  columns?: number;
  /** Pixels between panels and tiles (default 4). */
  gap?: number;
}

const BACKGROUND = 32;
const OUTLINE = [255, 48, 48];

/** A plane through the volume: output rows follow axis `rowAxis`, columns `colAxis`, `fixed` at `at`. */
interface Plane {
  rowAxis: number;
  colAxis: number;
  fixed: number;
  at: number;
}

/** Renders one panel into `img` at (top, left): gray values, label colours blended in, the mask outline over them. */
function drawPanel(
  img: RasterImage,
  top: number,
  left: number,
  item: PreviewItem,
  plane: Plane,
  pxPerMm: number,
): [number, number] {
  const shape = item.shape;
  const spacing = item.spacing;
  const rows = Math.max(1, Math.round(shape[plane.rowAxis] * spacing[plane.rowAxis] * pxPerMm));
  const cols = Math.max(1, Math.round(shape[plane.colAxis] * spacing[plane.colAxis] * pxPerMm));
  const strides = [shape[1] * shape[2], shape[2], 1];
  const voxel = (px: number, axis: number, n: number): number =>
    Math.min(shape[axis] - 1, Math.floor(((px + 0.5) / n) * shape[axis]));
  const rowIdx = Array.from({ length: rows }, (_, r) => voxel(r, plane.rowAxis, rows));
  const colIdx = Array.from({ length: cols }, (_, c) => voxel(c, plane.colAxis, cols));
  const base = plane.at * strides[plane.fixed];
  const at = (r: number, c: number): number =>
    base + rowIdx[r] * strides[plane.rowAxis] + colIdx[c] * strides[plane.colAxis];
  const inMask = (r: number, c: number): boolean =>
    r >= 0 && c >= 0 && r < rows && c < cols && item.mask != null && item.mask[at(r, c)] > 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const o = ((top + r) * img.width + left + c) * 3;
      const edge = inMask(r, c) && (!inMask(r - 1, c) || !inMask(r + 1, c) || !inMask(r, c - 1) || !inMask(r, c + 1));
      if (edge) {
        img.pixels.set(OUTLINE, o);
      } else {
        const v = Number(item.volume[at(r, c)]);
        const g = 255 * (v > 0 ? (v < 1 ? v : 1) : 0);
        const colour = item.labels != null ? LABEL_COLOURS[Number(item.labels[at(r, c)])] : undefined;
        for (let k = 0; k < 3; k++) img.pixels[o + k] = Math.round(colour ? g + OVERLAY_ALPHA * (colour[k] - g) : g);
      }
    }
  }
  return [rows, cols];
}

/** Renders the mosaic of `items` as an RGB image. */
export function renderPreview(items: readonly PreviewItem[], options: PreviewOptions = {}): RasterImage {
  if (items.length === 0) throw new Error('renderPreview: no samples to show');
  const panelSize = options.panelSize ?? 96;
  const columns = Math.min(items.length, options.columns ?? 2);
  const gap = options.gap ?? 4;
  if (!Number.isInteger(panelSize) || panelSize < 8)
    throw new Error(`renderPreview: panelSize must be an integer >= 8, got ${panelSize}`);
  if (!Number.isInteger(columns) || columns < 1)
    throw new Error(`renderPreview: columns must be a positive integer, got ${columns}`);
  items.forEach((it, k) => {
    const n = it.shape.length === 3 ? it.shape[0] * it.shape[1] * it.shape[2] : -1;
    if (
      n < 1 ||
      it.volume.length !== n ||
      (it.mask != null && it.mask.length !== n) ||
      (it.labels != null && it.labels.length !== n) ||
      it.spacing.length !== 3
    ) {
      throw new Error(
        `renderPreview: sample ${k} has shape ${JSON.stringify(it.shape)} with ${it.volume.length} voxels`,
      );
    }
  });
  // One scale for all samples: the largest physical extent maps to panelSize pixels.
  const extentMm = Math.max(...items.flatMap((it) => [0, 1, 2].map((a) => it.shape[a] * it.spacing[a])));
  const pxPerMm = panelSize / extentMm;
  const size = (it: PreviewItem, a: number): number => Math.max(1, Math.round(it.shape[a] * it.spacing[a] * pxPerMm));
  // Panels of a tile: axial (y, x), coronal (z, x), sagittal (z, y).
  const planes = (it: PreviewItem): Plane[] => {
    const c = (it.centre ?? it.shape.map((d) => (d - 1) / 2)).map((x, a) =>
      Math.min(it.shape[a] - 1, Math.max(0, Math.round(x))),
    );
    return [
      { rowAxis: 1, colAxis: 2, fixed: 0, at: c[0] },
      { rowAxis: 0, colAxis: 2, fixed: 1, at: c[1] },
      { rowAxis: 0, colAxis: 1, fixed: 2, at: c[2] },
    ];
  };
  const tileW = Math.max(...items.map((it) => planes(it).reduce((w, p) => w + size(it, p.colAxis), 0) + 2 * gap));
  const tileH = Math.max(...items.map((it) => Math.max(size(it, 0), size(it, 1))));
  const rowsOfTiles = Math.ceil(items.length / columns);
  const width = gap + columns * (tileW + gap);
  const height = gap + rowsOfTiles * (tileH + gap);
  const img: RasterImage = { width, height, channels: 3, pixels: new Uint8Array(width * height * 3).fill(BACKGROUND) };
  items.forEach((it, k) => {
    let left = gap + (k % columns) * (tileW + gap);
    const top = gap + Math.floor(k / columns) * (tileH + gap);
    for (const p of planes(it)) left += drawPanel(img, top, left, it, p, pxPerMm)[1] + gap;
  });
  return img;
}

/** Renders the mosaic of `items` and writes it as a PNG file atomically. */
export function writePreview(file: string, items: readonly PreviewItem[], options: PreviewOptions = {}): void {
  writeFileAtomic(file, encodePng(renderPreview(items, options)));
}
