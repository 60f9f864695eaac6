// The geometry of one DICOM series: slices ordered by ImagePositionPatient projected on the slice normal (row ×
// column cosines), never by file name or InstanceNumber; the slice spacing measured between positions and
// checked uniform; gantry tilt (positions moving within the slice plane) refused; the voxel → world affine in
// RAS+ mm, as nodulab's NIfTI affines are.
import type { Affine } from '../formats/nifti_affine';
import type { DicomSlice } from './dicom_file';

/** A series' slices in order along the normal, with its grid and affine. */
export interface SeriesGeometry {
  /** The slices, first to last along the normal (increasing projected position). */
  slices: DicomSlice[];
  /** (D, H, W) = (slices, Rows, Columns). */
  shape: [number, number, number];
  /** (z, y, x) mm: between slices, between rows, between columns. */
  spacing: [number, number, number];
  /** Voxel (column, row, slice) → RAS+ mm, in the files' own voxel order. */
  affine: Affine;
}

const cross = (a: number[], b: number[]) => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const fmt = (v: readonly number[]) => `(${v.map((x) => +x.toFixed(3)).join(', ')})`;

/** Every slice must share what makes one grid; throws naming the first file that differs and the field. */
function checkConsistent(slices: DicomSlice[]): void {
  const a = slices[0];
  const same: [string, (s: DicomSlice) => unknown][] = [
    ['Rows', (s) => s.rows],
    ['Columns', (s) => s.columns],
    ['BitsAllocated', (s) => s.bitsAllocated],
    ['PixelRepresentation', (s) => s.signed],
  ];
  for (const s of slices.slice(1)) {
    for (const [name, get] of same)
      if (get(s) !== get(a)) throw new Error(`${s.file}: ${name} ${get(s)} differs from ${get(a)} in ${a.file}`);
    if (s.orientation.some((c, k) => Math.abs(c - a.orientation[k]) > 1e-4))
      throw new Error(
        `${s.file}: ImageOrientationPatient ${fmt(s.orientation)} differs from ${fmt(a.orientation)} in ${a.file} ` +
          '(slices of several orientations in one series)',
      );
    if (s.pixelSpacing.some((p, k) => Math.abs(p - a.pixelSpacing[k]) > 1e-4 * a.pixelSpacing[k]))
      throw new Error(
        `${s.file}: PixelSpacing ${fmt(s.pixelSpacing)} differs from ${fmt(a.pixelSpacing)} in ${a.file}`,
      );
  }
}

/** The middle value of `v` (not empty). */
function median(v: number[]): number {
  const s = [...v].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/**
 * Orders and checks the image slices of one series (all of one SeriesInstanceUID) and gives its grid: slices
 * sorted by position along the normal; non-uniform spacing (a missing slice, mixed thickness), two slices at one
 * position, and gantry tilt throw, naming the files and positions. Messages do not name the folder; callers do.
 */
export function seriesGeometry(unsorted: DicomSlice[]): SeriesGeometry {
  checkConsistent(unsorted);
  const first = unsorted[0];
  const row = first.orientation.slice(0, 3);
  const col = first.orientation.slice(3, 6);
  if (
    Math.abs(Math.hypot(...row) - 1) > 1e-3 ||
    Math.abs(Math.hypot(...col) - 1) > 1e-3 ||
    Math.abs(dot(row, col)) > 1e-3
  )
    throw new Error(
      `${first.file}: ImageOrientationPatient ${fmt(first.orientation)} is not two orthogonal unit vectors`,
    );
  const normal = cross(row, col);
  const along = (s: DicomSlice) => dot(s.position, normal);
  const slices = [...unsorted].sort((a, b) => along(a) - along(b));
  const z = slices.map(along);
  const [rowSpacing, colSpacing] = first.pixelSpacing;
  let step: number[];
  let dz: number;
  if (slices.length === 1) {
    dz = first.sliceThickness !== null && first.sliceThickness > 0 ? first.sliceThickness : 1;
    step = normal.map((n) => n * dz);
  } else {
    const gaps = z.slice(1).map((v, k) => v - z[k]);
    const expected = median(gaps);
    const tol = Math.max(1e-3, 1e-2 * expected);
    for (let k = 0; k < gaps.length; k++) {
      if (gaps[k] <= tol)
        throw new Error(
          `two slices at one position ${fmt(slices[k + 1].position)} (${slices[k].file} and ${slices[k + 1].file}): ` +
            'several acquisitions, echoes or time points in one series are not supported',
        );
    }
    for (let k = 0; k < gaps.length; k++)
      if (Math.abs(gaps[k] - expected) > tol)
        throw new Error(
          `non-uniform slice spacing: ${gaps[k].toFixed(3)} mm between ${fmt(slices[k].position)} ` +
            `(${slices[k].file}) and ${fmt(slices[k + 1].position)} (${slices[k + 1].file}), expected ` +
            `${expected.toFixed(3)} mm (a missing slice or mixed slice thickness); nodulab does not resample it`,
        );
    // Gantry tilt: the positions drift within the slice plane as they advance along the normal.
    const p0 = first === slices[0] ? first.position : slices[0].position;
    for (const s of slices.slice(1)) {
      const d = s.position.map((p, k) => p - p0[k]);
      const t = dot(d, normal);
      const inPlane = Math.hypot(...d.map((x, k) => x - t * normal[k]));
      if (inPlane > Math.max(0.02, 1e-3 * Math.abs(t))) {
        const deg = (Math.atan2(inPlane, Math.abs(t)) * 180) / Math.PI;
        throw new Error(
          `gantry tilt of ${deg.toFixed(2)}°: ${s.file} at ${fmt(s.position)} lies ${inPlane.toFixed(3)} mm off ` +
            `the slice normal through ${fmt(p0)}; nodulab does not correct tilted series`,
        );
      }
    }
    const last = slices[slices.length - 1].position;
    step = last.map((p, k) => (p - p0[k]) / (slices.length - 1));
    dz = Math.hypot(...step);
  }
  // LPS columns: i along the row cosine (between columns), j along the column cosine (between rows), k the step.
  const lps = [0, 1, 2].map((w) => [row[w] * colSpacing, col[w] * rowSpacing, step[w], slices[0].position[w]]);
  const affine: Affine = [lps[0].map((x) => -x), lps[1].map((x) => -x), lps[2], [0, 0, 0, 1]];
  return { slices, shape: [slices.length, first.rows, first.columns], spacing: [dz, rowSpacing, colSpacing], affine };
}
