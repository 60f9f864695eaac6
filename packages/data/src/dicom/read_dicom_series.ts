// readDicomSeries: a folder of DICOM files as one volume, the way dcm2niix reads it — the series chosen by
// SeriesInstanceUID, slices ordered by position along the normal, Hounsfield units from the rescale, voxels and
// affine in RAS — within the input limits, checked before the grid is allocated. Files that are no image slice
// are skipped and listed, never fatal.
import * as fs from 'fs';
import * as path from 'path';
import { InputLimits, inputLimits, voxelLimitError } from '../formats/input_limits';
import type { NiftiVolume } from '../formats/nifti';
import { readBytes } from '../formats/read_bytes';
import { rasAffine, rasReorientation, toRas } from '../volume/reorient';
import { DicomSkip, DicomSlice, describeSlice, parseDicomBytes } from './dicom_file';
import { checkPixelFormat, decodeSlicePixels } from './pixel_data';
import { seriesGeometry } from './series_geometry';
import { pixelEncoding } from './transfer_syntax';

/** Options of {@link readDicomSeries}. */
export interface DicomReadOptions extends Partial<InputLimits> {
  /**
   * Which series of a folder that holds several: its SeriesInstanceUID, or its index in the listing the error
   * gives (series ordered by SeriesNumber, then UID). Not needed when the folder holds one.
   */
  series?: string | number;
  /** Most files the folder may hold (default 100,000): a guard against reading a whole archive by mistake. */
  maxFiles?: number;
}

/** One series found in a folder. */
export interface DicomSeriesInfo {
  uid: string;
  description: string;
  number: number | null;
  modality: string;
  /** Image files (slices) of the series. */
  slices: number;
}

/** A DICOM series as a volume: what `readNifti` gives (RAS voxels and affine, HU) plus the series and skips. */
export interface DicomSeriesVolume extends NiftiVolume {
  /** The series read. */
  series: DicomSeriesInfo;
  /** Its files, first to last slice along the normal (before reorientation to RAS). */
  files: string[];
  /** Files of the folder that are not image slices, with the reason (DICOMDIR, SR, SEG, not DICOM, ...). */
  skipped: DicomSkip[];
  /** The axis codes of the files' own voxel order (column, row, slice), e.g. "LPS" for an axial scan. */
  sourceOrientation: string;
}

/** The files of `dir`, recursively (a DICOMDIR-style tree), sorted; throws naming `dir` past `maxFiles`. */
function listFiles(dir: string, maxFiles: number): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && depth < 8) walk(p, depth + 1);
      else if (e.isFile()) out.push(p);
      if (out.length > maxFiles) throw new Error(`more than ${maxFiles} files (maxFiles); point at one series' folder`);
    }
  };
  walk(dir, 0);
  return out;
}

/** `slices` grouped by SeriesInstanceUID, ordered by SeriesNumber then UID. */
function groupSeries(slices: DicomSlice[]): { info: DicomSeriesInfo; slices: DicomSlice[] }[] {
  const by = new Map<string, DicomSlice[]>();
  for (const s of slices) by.set(s.seriesUid, [...(by.get(s.seriesUid) ?? []), s]);
  return [...by.values()]
    .map((g) => ({
      info: {
        uid: g[0].seriesUid,
        description: g[0].seriesDescription,
        number: g[0].seriesNumber,
        modality: g[0].modality,
        slices: g.length,
      },
      slices: g,
    }))
    .sort((a, b) => (a.info.number ?? Infinity) - (b.info.number ?? Infinity) || (a.info.uid < b.info.uid ? -1 : 1));
}

/** A listing line per series, for errors and `nodulab convert`. */
export function describeSeries(list: DicomSeriesInfo[]): string {
  return list
    .map(
      (s, k) =>
        `[${k}] ${s.uid || '(no SeriesInstanceUID)'} ${JSON.stringify(s.description)} ${s.modality} ${s.slices} slice${s.slices === 1 ? '' : 's'}`,
    )
    .join('; ');
}

/** The NIfTI datatype code matching the stored samples (for `datatype`, as `readNifti` reports the file's). */
function storedDatatype(s: DicomSlice): number {
  if (s.bitsAllocated === 8 && !s.signed) return 2;
  if (s.bitsAllocated === 16) return s.signed ? 4 : 512;
  if (s.bitsAllocated === 32 && s.signed) return 8;
  return 16;
}

/** True when `target` is a folder holding at least one DICOM Part 10 file at its top level ("DICM" at byte 128). */
export function isDicomFolder(target: string): boolean {
  try {
    if (!fs.statSync(target).isDirectory()) return false;
    for (const e of fs.readdirSync(target, { withFileTypes: true })) {
      if (!e.isFile()) continue;
      const fd = fs.openSync(path.join(target, e.name), 'r');
      try {
        const b = Buffer.alloc(4);
        if (fs.readSync(fd, b, 0, 4, 128) === 4 && b.toString('latin1') === 'DICM') return true;
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * Reads the DICOM series in folder `dir` (files in any order and with any names; subfolders too) as one volume
 * in RAS: data (D, H, W) x fastest in Hounsfield units (value = stored · RescaleSlope + RescaleIntercept),
 * spacing (z, y, x) mm and the RAS+ affine, as `readNifti` returns a NIfTI. Several series need `series`; files
 * that are not image slices are skipped and listed in `skipped`. Throws `readDicomSeries <dir>: ...` naming the
 * file at fault for a series it cannot read exactly: non-uniform slice spacing, gantry tilt, mixed orientations,
 * a compressed transfer syntax other than RLE, truncated pixel data, a grid past `maxVoxels`.
 *
 * @example
 * const ct = readDicomSeries('scans/patient7/CT', { series: 0 });
 * writeNifti('ct.nii.gz', ct.shape, ct.spacing, ct.data, { affine: ct.affine });
 */
export function readDicomSeries(dir: string, options: DicomReadOptions = {}): DicomSeriesVolume {
  const fail = (msg: string): never => {
    throw new Error(`readDicomSeries ${dir}: ${msg}`);
  };
  const limits = inputLimits(options);
  const maxFiles = options.maxFiles ?? 100_000;
  let files: string[] = [];
  try {
    if (!fs.statSync(dir).isDirectory()) fail('not a folder (give the folder of one DICOM series)');
    files = listFiles(dir, maxFiles);
  } catch (e) {
    if ((e as Error).message.startsWith('readDicomSeries')) throw e;
    fail((e as Error).message);
  }
  // Pass 1: headers only (each file read, parsed and let go).
  const slices: DicomSlice[] = [];
  const skipped: DicomSkip[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = readBytes(file, 'readDicomSeries', limits);
    } catch (e) {
      skipped.push({ file, reason: (e as Error).message.replace(`readDicomSeries ${file}: `, '') });
      continue;
    }
    try {
      const d = describeSlice(parseDicomBytes(bytes, true), file);
      if ('reason' in d) skipped.push(d);
      else slices.push(d);
    } catch (e) {
      skipped.push({ file, reason: (e as Error).message });
    }
  }
  const groups = groupSeries(slices);
  if (!groups.length) {
    const why = skipped.slice(0, 5).map((s) => `${s.file}: ${s.reason}`);
    fail(
      `no DICOM image series among ${files.length} files` +
        (why.length ? ` (skipped ${skipped.length}: ${why.join('; ')}${skipped.length > 5 ? '; ...' : ''})` : ''),
    );
  }
  let group = groups[0];
  const choice = options.series;
  if (choice !== undefined) {
    const byUid = groups.find((g) => g.info.uid === String(choice));
    const index = typeof choice === 'number' ? choice : /^\d+$/.test(choice) ? Number(choice) : NaN;
    const picked = byUid ?? groups[index];
    if (!picked)
      fail(`no series ${JSON.stringify(choice)}; the folder holds ${describeSeries(groups.map((g) => g.info))}`);
    group = picked as typeof group;
  } else if (groups.length > 1) {
    fail(
      `${groups.length} series; choose one with \`series\` (--series: its index or SeriesInstanceUID): ` +
        describeSeries(groups.map((g) => g.info)),
    );
  }
  let geometry: ReturnType<typeof seriesGeometry>;
  try {
    for (const s of group.slices)
      try {
        checkPixelFormat(s);
      } catch (e) {
        throw new Error(`${s.file}: ${(e as Error).message}`);
      }
    geometry = seriesGeometry(group.slices);
  } catch (e) {
    return fail((e as Error).message);
  }
  const over = voxelLimitError(geometry.shape, limits, 'the series');
  if (over !== null) fail(over);
  // Pass 2: pixels, slice by slice, into the one grid.
  const [D, H, W] = geometry.shape;
  const native = new Float32Array(D * H * W);
  geometry.slices.forEach((s, k) => {
    try {
      const bytes = readBytes(s.file, 'readDicomSeries', limits);
      const ds = parseDicomBytes(bytes, pixelEncoding(s.transferSyntax) !== 'rle');
      decodeSlicePixels(ds, s, native, k * H * W);
    } catch (e) {
      const msg = (e as Error).message;
      fail(msg.startsWith(`readDicomSeries ${s.file}`) ? msg.slice('readDicomSeries '.length) : `${s.file}: ${msg}`);
    }
  });
  const r = rasReorientation(geometry.shape, geometry.affine);
  const first = geometry.slices[0];
  const uniform = geometry.slices.every(
    (s) => s.rescaleSlope === first.rescaleSlope && s.rescaleIntercept === first.rescaleIntercept,
  );
  const description = `DICOM ${group.info.modality} ${group.info.description}`.trim();
  return {
    shape: r.shape,
    spacing: r.spacing,
    data: toRas(native, r),
    datatype: storedDatatype(first),
    description,
    affine: rasAffine(geometry.affine, r),
    affineSource: 'dicom',
    sclSlope: uniform ? first.rescaleSlope : 1,
    sclInter: uniform ? first.rescaleIntercept : 0,
    series: group.info,
    files: geometry.slices.map((s) => s.file),
    skipped,
    sourceOrientation: r.orientation,
  };
}
