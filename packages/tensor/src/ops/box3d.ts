// 3D axis-aligned boxes as centre (z, y, x) + size (d, h, w): IoU and generalized IoU (GIoU, Rezatofighi
// et al. 2019) with their gradients, in float64. The one implementation of box overlap: the box loss here
// and the localization metrics of @nodulab/eval both call it.

/** Values per box: centre z, y, x, then size d, h, w. */
export const BOX3D_VALUES = 6;

/** IoU and GIoU of two boxes. */
export interface BoxOverlap3d {
  /** Intersection volume / union volume, in [0, 1] (0 when the union is empty). */
  iou: number;
  /** IoU - (enclosing volume - union) / enclosing volume, in (-1, 1]. */
  giou: number;
}

/**
 * Throws, naming `name` and the box, unless `box[at .. at + 6)` holds finite numbers and sizes >= 0:
 * a box of negative size is an error, not an empty box.
 */
export function checkBox3d(op: string, name: string, box: ArrayLike<number>, at = 0): void {
  for (let k = 0; k < BOX3D_VALUES; k++) {
    const v = box[at + k];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${op}: ${name} has a non-finite ${k < 3 ? 'centre' : 'size'} value ${String(v)}`);
  }
  for (let k = 3; k < BOX3D_VALUES; k++) {
    if (box[at + k] < 0) {
      const size = [box[at + 3], box[at + 4], box[at + 5]].join(', ');
      throw new Error(`${op}: ${name} has a negative size (d, h, w) = (${size})`);
    }
  }
}

/**
 * IoU and GIoU of boxes a = `a[ai .. ai + 6)` and b = `b[bi .. bi + 6)` (centre z, y, x, size d, h, w;
 * sizes >= 0, unchecked). When `da` / `db` (6 values each) are given, adds d GIoU / d a and d GIoU / d b
 * into them, scaled by `scale`. At the kinks (equal edges, touching boxes) the derivative is one-sided.
 */
export function boxOverlap3d(
  a: ArrayLike<number>,
  ai: number,
  b: ArrayLike<number>,
  bi: number,
  grad?: { da: Float64Array | null; db: Float64Array | null; scale: number },
): BoxOverlap3d {
  const aLo = [0, 0, 0];
  const aHi = [0, 0, 0];
  const bLo = [0, 0, 0];
  const bHi = [0, 0, 0];
  const inter = [0, 0, 0];
  const encl = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    aLo[k] = a[ai + k] - a[ai + 3 + k] / 2;
    aHi[k] = a[ai + k] + a[ai + 3 + k] / 2;
    bLo[k] = b[bi + k] - b[bi + 3 + k] / 2;
    bHi[k] = b[bi + k] + b[bi + 3 + k] / 2;
    inter[k] = Math.max(0, Math.min(aHi[k], bHi[k]) - Math.max(aLo[k], bLo[k]));
    encl[k] = Math.max(aHi[k], bHi[k]) - Math.min(aLo[k], bLo[k]);
  }
  const prod = (v: number[], skip = -1) => v.reduce((p, x, k) => (k === skip ? p : p * x), 1);
  const sa = [a[ai + 3], a[ai + 4], a[ai + 5]];
  const sb = [b[bi + 3], b[bi + 4], b[bi + 5]];
  const vi = prod(inter);
  const union = prod(sa) + prod(sb) - vi;
  const vc = prod(encl);
  const iou = union > 0 ? vi / union : 0;
  const giou = vc > 0 ? iou - (vc - union) / vc : iou;
  if (grad && union > 0 && vc > 0) {
    // giou = vi/u - 1 + u/vc with u = va + vb - vi: partials by vi, u, vc, then by each box edge.
    const dVi = 1 / union;
    const dU = -vi / (union * union) + 1 / vc;
    const dVc = -union / (vc * vc);
    const addEdges = (
      out: Float64Array | null,
      lo: number[],
      hi: number[],
      oLo: number[],
      oHi: number[],
      size: number[],
    ) => {
      if (!out) return;
      for (let k = 0; k < 3; k++) {
        const iOthers = prod(inter, k);
        const sOthers = prod(size, k);
        const cOthers = prod(encl, k);
        const open = inter[k] > 0;
        // d/d hi and d/d lo of the intersection, the own volume (via u) and the enclosing box.
        const dInterHi = open && hi[k] <= oHi[k] ? iOthers : 0;
        const dInterLo = open && lo[k] >= oLo[k] ? -iOthers : 0;
        const dHi = dVi * dInterHi + dU * (sOthers - dInterHi) + dVc * (hi[k] >= oHi[k] ? cOthers : 0);
        const dLo = dVi * dInterLo + dU * (-sOthers - dInterLo) + dVc * (lo[k] <= oLo[k] ? -cOthers : 0);
        out[k] += grad.scale * (dHi + dLo); // centre moves both edges
        out[3 + k] += grad.scale * 0.5 * (dHi - dLo); // size moves them apart
      }
    };
    addEdges(grad.da, aLo, aHi, bLo, bHi, sa);
    addEdges(grad.db, bLo, bHi, aLo, aHi, sb);
  }
  return { iou, giou };
}
