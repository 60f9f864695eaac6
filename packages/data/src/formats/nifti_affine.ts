// The voxel-to-world affine of a NIfTI-1 header: read from sform, else qform (quaternion), else pixdim,
// as the NIfTI-1 standard orders them; and the quaternion form of an affine for writing qform.

/** A 4×4 voxel-to-world matrix, rows: world (x, y, z, 1) in mm (RAS+) = A · (i, j, k, 1), i the fastest axis. */
export type Affine = number[][];

/** Which header fields an affine came from ('dicom': a DICOM series' positions and orientation). */
export type AffineSource = 'sform' | 'qform' | 'pixdim' | 'dicom';

/** The qform fields of a NIfTI-1 header: quaternion (b, c, d), offset, voxel sizes and qfac (±1). */
export interface Quatern {
  b: number;
  c: number;
  d: number;
  offset: [number, number, number];
  pixdim: [number, number, number];
  qfac: 1 | -1;
}

/** The 3×4 rows of `a` (a 3×4 or 4×4 list of rows), checked: finite numbers, last row (0, 0, 0, 1) if given. */
export function affineRows(a: readonly (readonly number[])[], what: string): Affine {
  const ok =
    Array.isArray(a) &&
    (a.length === 3 || a.length === 4) &&
    a.every((r) => Array.isArray(r) && r.length === 4 && r.every((x) => typeof x === 'number' && Number.isFinite(x)));
  if (!ok) throw new Error(`${what}: affine must be 3 or 4 rows of 4 finite numbers, got ${JSON.stringify(a)}`);
  if (a.length === 4 && (a[3][0] !== 0 || a[3][1] !== 0 || a[3][2] !== 0 || a[3][3] !== 1))
    throw new Error(`${what}: the affine's last row must be (0, 0, 0, 1), got ${JSON.stringify(a[3])}`);
  return [...a.slice(0, 3).map((r) => [...r]), [0, 0, 0, 1]];
}

/** The length of column `c` of the affine's 3×3 part: the voxel size along voxel axis c (i, j, k). */
export function columnNorm(a: Affine, c: number): number {
  return Math.hypot(a[0][c], a[1][c], a[2][c]);
}

/** The affine of a qform (nifti1_io's quatern_to_mat44). */
export function quaternToAffine(q: Quatern): Affine {
  let { b, c, d } = q;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // b, c, d describe a 180° rotation: a = 0 and (b, c, d) normalized.
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else a = Math.sqrt(a);
  const [dx, dy, dz0] = q.pixdim.map((p) => (p > 0 ? p : 1));
  const dz = q.qfac < 0 ? -dz0 : dz0;
  return [
    [(a * a + b * b - c * c - d * d) * dx, 2 * (b * c - a * d) * dy, 2 * (b * d + a * c) * dz, q.offset[0]],
    [2 * (b * c + a * d) * dx, (a * a + c * c - b * b - d * d) * dy, 2 * (c * d - a * b) * dz, q.offset[1]],
    [2 * (b * d - a * c) * dx, 2 * (c * d + a * b) * dy, (a * a + d * d - c * c - b * b) * dz, q.offset[2]],
    [0, 0, 0, 1],
  ];
}

/**
 * The qform of an affine (nifti1_io's mat44_to_quatern), or null when its 3×3 part is not a rotation
 * times positive voxel sizes (a sheared sform has no qform).
 */
export function affineToQuatern(a: Affine): Quatern | null {
  const size = [0, 1, 2].map((c) => columnNorm(a, c));
  if (size.some((s) => !(s > 0))) return null;
  const r = [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i][j] / size[j]));
  for (let i = 0; i < 3; i++)
    for (let j = i + 1; j < 3; j++) {
      const dot = r[0][i] * r[0][j] + r[1][i] * r[1][j] + r[2][i] * r[2][j];
      if (Math.abs(dot) > 1e-4) return null;
    }
  const det =
    r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
    r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
    r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
  const qfac: 1 | -1 = det < 0 ? -1 : 1;
  if (qfac < 0) for (let i = 0; i < 3; i++) r[i][2] = -r[i][2];
  const [[r11, r12, r13], [r21, r22, r23], [r31, r32, r33]] = r;
  let qa = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (qa > 0.5) {
    qa = 0.5 * Math.sqrt(qa);
    b = (0.25 * (r32 - r23)) / qa;
    c = (0.25 * (r13 - r31)) / qa;
    d = (0.25 * (r21 - r12)) / qa;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      qa = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      qa = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      qa = (0.25 * (r21 - r12)) / d;
    }
    if (qa < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, offset: [a[0][3], a[1][3], a[2][3]], pixdim: [size[0], size[1], size[2]], qfac };
}

/**
 * The voxel axis → world axis map of an affine (nibabel's io_orientation): for voxel axes i, j, k the
 * world axis (0 = x/R, 1 = y/A, 2 = z/S) it mostly points along and the sign. An oblique affine gets
 * its closest orthogonal orientation.
 */
export function axisOrientation(a: Affine): { axis: number; sign: 1 | -1 }[] {
  const m = [0, 1, 2].map((w) => [0, 1, 2].map((v) => a[w][v] / (columnNorm(a, v) || 1)));
  const out: { axis: number; sign: 1 | -1 }[] = [];
  const usedW = new Set<number>();
  const usedV = new Set<number>();
  for (let step = 0; step < 3; step++) {
    let best = -1;
    let bw = 0;
    let bv = 0;
    for (let w = 0; w < 3; w++)
      for (let v = 0; v < 3; v++) {
        if (usedW.has(w) || usedV.has(v)) continue;
        if (Math.abs(m[w][v]) > best) [best, bw, bv] = [Math.abs(m[w][v]), w, v];
      }
    usedW.add(bw);
    usedV.add(bv);
    out[bv] = { axis: bw, sign: m[bw][bv] < 0 ? -1 : 1 };
  }
  return out;
}

/** nibabel's axis codes of an affine, e.g. "RAS" (nodulab's own) or "LPS" (DICOM's patient axes). */
export function orientationCode(a: Affine): string {
  const codes = [
    ['L', 'R'],
    ['P', 'A'],
    ['I', 'S'],
  ];
  return axisOrientation(a)
    .map((o) => codes[o.axis][o.sign > 0 ? 1 : 0])
    .join('');
}

/** Header byte offsets of the fields that hold the affine. */
const QFORM_CODE = 252;
const SFORM_CODE = 254;
const QUATERN_B = 256;
const SROW_X = 280;
const PIXDIM = 76;

/**
 * The affine a NIfTI-1 header declares, in the standard's order: the sform (sform_code > 0), else the
 * qform (qform_code > 0), else the voxel sizes of pixdim at the origin. A non-finite or singular sform
 * or qform is skipped in favour of the next.
 */
export function readHeaderAffine(v: DataView, le: boolean): { affine: Affine; source: AffineSource } {
  const f = (o: number) => v.getFloat32(o, le);
  const pix = [1, 2, 3].map((k) => f(PIXDIM + 4 * k)).map((p) => (Number.isFinite(p) && p > 0 ? p : 1));
  const usable = (a: Affine) =>
    a.every((r) => r.every(Number.isFinite)) && [0, 1, 2].every((c) => columnNorm(a, c) > 0);
  if (v.getInt16(SFORM_CODE, le) > 0) {
    const rows = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f(SROW_X + 16 * r + 4 * c)));
    const a = [...rows, [0, 0, 0, 1]];
    if (usable(a)) return { affine: a, source: 'sform' };
  }
  if (v.getInt16(QFORM_CODE, le) > 0) {
    const [b, c, d, ox, oy, oz] = [0, 1, 2, 3, 4, 5].map((k) => f(QUATERN_B + 4 * k));
    const a = quaternToAffine({
      b,
      c,
      d,
      offset: [ox, oy, oz],
      pixdim: [pix[0], pix[1], pix[2]],
      qfac: f(PIXDIM) < 0 ? -1 : 1,
    });
    if (usable(a) && b * b + c * c + d * d <= 1 + 1e-5) return { affine: a, source: 'qform' };
  }
  return {
    affine: [
      [pix[0], 0, 0, 0],
      [0, pix[1], 0, 0],
      [0, 0, pix[2], 0],
      [0, 0, 0, 1],
    ],
    source: 'pixdim',
  };
}

/**
 * Writes `affine` into a little-endian header as the sform (code 1, scanner) and, when it is a rotation
 * times the voxel sizes `pixdim` (x, y, z), as the qform too (with qfac in pixdim[0]); else qform_code 0.
 */
export function writeHeaderAffine(v: DataView, affine: Affine, pixdim: readonly number[]): void {
  const q = affineToQuatern(affine);
  const consistent = q !== null && q.pixdim.every((s, k) => Math.abs(s - pixdim[k]) <= 1e-4 * pixdim[k]);
  v.setInt16(SFORM_CODE, 1, true);
  affine.slice(0, 3).forEach((row, r) => row.forEach((x, c) => v.setFloat32(SROW_X + 16 * r + 4 * c, x, true)));
  if (!consistent || !q) {
    v.setInt16(QFORM_CODE, 0, true);
    return;
  }
  v.setInt16(QFORM_CODE, 1, true);
  v.setFloat32(PIXDIM, q.qfac, true);
  [q.b, q.c, q.d, ...q.offset].forEach((x, k) => v.setFloat32(QUATERN_B + 4 * k, x, true));
}
