// readDicomSeries on series written by test/helpers/dicom_write.js: every voxel lands where its DICOM position
// says (checked through the returned RAS affine) for axial, coronal, sagittal, oblique and reversed series in
// every pixel format; and each refusal (gap, tilt, several series, compressed, truncated, too large) names its file.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readDicomSeries } from '../src';
import { CtSeriesOptions, ctSeries, ctSlice, nonImage, sliceNormal } from '../../../test/helpers/dicom_write';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-dicom-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes `files` under shuffled names (so name order is never slice order). */
function writeShuffled(files: Buffer[], into = dir, prefix = ''): void {
  const order = files.map((_, k) => (k * 7 + 3) % files.length);
  files.forEach((b, k) => fs.writeFileSync(path.join(into, `${prefix}IM${String(order[k]).padStart(4, '0')}`), b));
}

const value = (i: number, j: number, k: number) => ((i * 37 + j * 101 + k * 251) % 900) - 400;

function solve3(m: number[][], b: number[]): number[] {
  const det = (a: number[][]) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const d = det(m);
  return [0, 1, 2].map((c) => det(m.map((row, r) => row.map((x, k) => (k === c ? b[r] : x)))) / d);
}

/**
 * Checks every source voxel (column i, row j, slice k) against the volume: its LPS position from the DICOM
 * geometry, flipped to RAS, mapped through the inverse affine to a voxel of `data`, holds `expect(i, j, k)`.
 */
function checkPlacement(
  vol: ReturnType<typeof readDicomSeries>,
  o: CtSeriesOptions & { rows: number; columns: number },
  n: number,
  expect: (i: number, j: number, k: number) => number,
): void {
  const ori = o.orientation ?? [1, 0, 0, 0, 1, 0];
  const [dr, dc] = o.pixelSpacing ?? [1, 1];
  const normal = sliceNormal(ori);
  const step = o.sliceStep ?? normal;
  const origin = o.origin ?? [0, 0, 0];
  const [D, H, W] = vol.shape;
  const m = vol.affine.slice(0, 3).map((r) => r.slice(0, 3));
  let bad = 0;
  for (let k = 0; k < n; k++)
    for (let j = 0; j < o.rows; j++)
      for (let i = 0; i < o.columns; i++) {
        const lps = [0, 1, 2].map((w) => origin[w] + i * dc * ori[w] + j * dr * ori[3 + w] + k * step[w]);
        const ras = [-lps[0], -lps[1], lps[2]];
        const v = solve3(
          m,
          ras.map((x, w) => x - vol.affine[w][3]),
        );
        const [x, y, z] = v.map((c) => Math.round(c));
        if (v.some((c) => Math.abs(c - Math.round(c)) > 1e-4) || x < 0 || y < 0 || z < 0 || x >= W || y >= H || z >= D)
          bad++;
        else if (vol.data[(z * H + y) * W + x] !== Math.fround(expect(i, j, k))) bad++;
      }
  if (bad) throw new Error(`${bad} of ${n * o.rows * o.columns} voxels misplaced`);
}

const s2 = Math.SQRT1_2;
describe('geometry: every voxel where its position says, in RAS', () => {
  it.each<[string, CtSeriesOptions & { rows: number; columns: number }, string]>([
    [
      'axial (LPS, as scanners write it)',
      { rows: 5, columns: 6, pixelSpacing: [0.7, 0.8], origin: [-10, -20, 30], sliceStep: [0, 0, 2.5] },
      'LPS',
    ],
    [
      'axial, slices written head to foot',
      { rows: 4, columns: 3, origin: [0, 0, 50], sliceStep: [0, 0, -1.25] },
      'LPS',
    ],
    [
      'coronal',
      { rows: 5, columns: 4, orientation: [1, 0, 0, 0, 0, -1], pixelSpacing: [0.9, 0.6], sliceStep: [0, -2, 0] },
      'LIP',
    ],
    ['sagittal', { rows: 4, columns: 5, orientation: [0, 1, 0, 0, 0, -1], sliceStep: [-1.5, 0, 0] }, 'PIR'],
    [
      'oblique (30° about z, then tilted plane)',
      {
        rows: 4,
        columns: 5,
        orientation: [0.866025, 0.5, 0, -0.5, 0.866025, 0],
        pixelSpacing: [0.5, 0.75],
        sliceStep: [0, 0, 1.1],
        origin: [3, 4, 5],
      },
      'LPS',
    ],
    [
      'oblique (45° plane)',
      { rows: 3, columns: 4, orientation: [s2, 0, s2, 0, 1, 0], sliceStep: [-s2 * 2, 0, s2 * 2] },
      'LPS',
    ],
  ])('%s', (_name, o, native) => {
    const n = 5;
    writeShuffled(ctSeries(n, value, { ...o, signed: true, slope: 0.5, intercept: -1024 }));
    const vol = readDicomSeries(dir);
    expect(vol.data.length).toBe(n * o.rows * o.columns);
    expect(vol.sourceOrientation).toBe(native);
    // RAS: each voxel axis runs mostly along +x, +y, +z.
    for (let a = 0; a < 3; a++) expect(vol.affine[a][a]).toBeGreaterThan(0);
    checkPlacement(vol, o, n, (i, j, k) => value(i, j, k) * 0.5 - 1024);
    expect(vol.files).toHaveLength(n);
    expect(vol.affineSource).toBe('dicom');
    expect(vol.sclSlope).toBe(0.5);
    expect(vol.sclInter).toBe(-1024);
  });
});

describe('pixel formats → Hounsfield units', () => {
  const o = { rows: 3, columns: 4, sliceStep: [0, 0, 1] };
  it.each<[string, Partial<CtSeriesOptions>, (i: number, j: number, k: number) => number, (v: number) => number]>([
    ['int16, explicit VR', { signed: true }, value, (v) => v],
    ['int16, implicit VR', { signed: true, syntax: 'implicit' }, value, (v) => v],
    ['int16, big endian', { signed: true, syntax: 'big' }, value, (v) => v],
    ['int16, RLE', { signed: true, syntax: 'rle' }, value, (v) => v],
    ['uint16, slope 1, intercept −1024', { intercept: -1024 }, (i, j, k) => value(i, j, k) + 1024, (v) => v - 1024],
    [
      'uint16 in 12 bits stored',
      { bitsStored: 12, intercept: -1024 },
      (i, j, k) => value(i, j, k) + 1024,
      (v) => v - 1024,
    ],
    ['int16 in 12 bits stored (sign-extended)', { signed: true, bitsStored: 12 }, value, (v) => v],
    ['int16 in 12 bits under HighBit 15', { signed: true, bitsStored: 12, highBit: 15 }, value, (v) => v],
    [
      'uint8, slope 2',
      { bitsAllocated: 8, slope: 2, intercept: -100 },
      (i, j, k) => (i + 3 * j + 7 * k) % 256,
      (v) => 2 * v - 100,
    ],
    ['uint8, RLE', { bitsAllocated: 8, syntax: 'rle' }, (i, j, k) => (i * 50 + j + k) % 256, (v) => v],
  ])('%s', (_name, extra, stored, hu) => {
    writeShuffled(ctSeries(4, stored, { ...o, ...extra }));
    const vol = readDicomSeries(dir);
    checkPlacement(vol, o, 4, (i, j, k) => hu(stored(i, j, k)));
  });
});

describe('series, skipped files and refusals', () => {
  const o = { rows: 3, columns: 3, signed: true };
  it('splits a folder by SeriesInstanceUID; `series` picks by index or UID; none given lists them', () => {
    writeShuffled(ctSeries(4, value, { ...o, seriesUid: '1.2.3.1', seriesDescription: 'lung 1mm', seriesNumber: 2 }));
    writeShuffled(
      ctSeries(3, () => 7, { ...o, seriesUid: '1.2.3.2', seriesDescription: 'scout', seriesNumber: 1 }),
      dir,
      'b',
    );
    expect(() => readDicomSeries(dir)).toThrow(
      `readDicomSeries ${dir}: 2 series; choose one with \`series\` (--series: its index or SeriesInstanceUID): ` +
        '[0] 1.2.3.2 "scout" CT 3 slices; [1] 1.2.3.1 "lung 1mm" CT 4 slices',
    );
    expect(readDicomSeries(dir, { series: 1 }).shape[0]).toBe(4);
    expect(readDicomSeries(dir, { series: '0' }).shape[0]).toBe(3);
    expect(readDicomSeries(dir, { series: '1.2.3.1' }).series.description).toBe('lung 1mm');
    expect(() => readDicomSeries(dir, { series: 5 })).toThrow(/no series 5; the folder holds \[0\]/);
  });

  it('skips and lists DICOMDIR, SR and stray files; never fatal', () => {
    writeShuffled(ctSeries(3, value, o));
    fs.writeFileSync(path.join(dir, 'DICOMDIR'), nonImage('dicomdir'));
    fs.writeFileSync(path.join(dir, 'report.dcm'), nonImage('sr'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    const vol = readDicomSeries(dir);
    expect(vol.shape[0]).toBe(3);
    expect(vol.skipped.map((s) => [path.basename(s.file), s.reason])).toEqual([
      ['DICOMDIR', 'a DICOMDIR (media storage directory) (SOP class 1.2.840.10008.1.3.10)'],
      ['notes.txt', 'not a DICOM Part 10 file (no "DICM" at byte 128)'],
      ['report.dcm', 'no pixel data (SOP class 1.2.840.10008.5.1.4.1.1.88.11)'],
    ]);
  });

  it('refuses a missing slice, naming the gap, its positions and the expected spacing', () => {
    const files = ctSeries(6, value, { ...o, sliceStep: [0, 0, 2] });
    files.splice(3, 1);
    writeShuffled(files);
    expect(() => readDicomSeries(dir)).toThrow(
      /non-uniform slice spacing: 4\.000 mm between \(0, 0, 4\) \(.*IM\d+\) and \(0, 0, 8\) \(.*\), expected 2\.000 mm/,
    );
  });

  it('refuses gantry tilt by name', () => {
    writeShuffled(ctSeries(4, value, { ...o, sliceStep: [0, 0.35, 2] }));
    expect(() => readDicomSeries(dir)).toThrow(/gantry tilt of 9\.93°: .*IM\d+ at/);
  });

  it('refuses two slices at one position and mixed orientations, naming the files', () => {
    writeShuffled([...ctSeries(2, value, o), ctSlice({ ...o, pixels: Array(9).fill(0), position: [0, 0, 1] })]);
    expect(() => readDicomSeries(dir)).toThrow(/two slices at one position \(0, 0, 1\)/);
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(dir);
    writeShuffled([
      ...ctSeries(2, value, o),
      ctSlice({ ...o, pixels: Array(9).fill(0), position: [0, 0, 2], orientation: [1, 0, 0, 0, 0, -1] }),
    ]);
    expect(() => readDicomSeries(dir)).toThrow(/ImageOrientationPatient \(1, 0, 0, 0, 0, -1\) differs/);
  });

  it('refuses a compressed transfer syntax it does not decode, naming its UID and name', () => {
    writeShuffled(ctSeries(2, value, { ...o, syntax: 'jpegLossless' }));
    expect(() => readDicomSeries(dir)).toThrow(
      /IM\d+: transfer syntax 1\.2\.840\.10008\.1\.2\.4\.70 \(JPEG Lossless, Non-Hierarchical, First-Order Prediction/,
    );
  });

  it('refuses truncated pixel data, naming the file', () => {
    const files = ctSeries(3, value, o);
    files[1] = files[1].subarray(0, files[1].length - 4);
    files.forEach((b, k) => fs.writeFileSync(path.join(dir, `s${k}.dcm`), b));
    expect(() => readDicomSeries(dir)).toThrow(
      `readDicomSeries ${dir}: ${path.join(dir, 's1.dcm')}: truncated pixel data`,
    );
  });

  it('checks rows × columns × slices against maxVoxels before allocating', () => {
    writeShuffled(ctSeries(4, value, o));
    expect(() => readDicomSeries(dir, { maxVoxels: 35 })).toThrow(
      `readDicomSeries ${dir}: the series (4×3×3) needs 36 voxels (144 bytes as float32), over the limit of 35`,
    );
  });

  it('an empty folder, a file, and a folder of no images fail naming the path', () => {
    expect(() => readDicomSeries(dir)).toThrow(`readDicomSeries ${dir}: no DICOM image series among 0 files`);
    fs.writeFileSync(path.join(dir, 'x.txt'), 'x');
    expect(() => readDicomSeries(dir)).toThrow(
      /no DICOM image series among 1 files \(skipped 1: .*x\.txt: not a DICOM/,
    );
    expect(() => readDicomSeries(path.join(dir, 'x.txt'))).toThrow(/x\.txt: not a folder/);
    expect(() => readDicomSeries(path.join(dir, 'nope'))).toThrow(/nope: ENOENT/);
  });
});
