// ScanFolderDataset on a folder of DICOM series (test/helpers/dicom_write.js) and NIfTI files with labels.csv:
// items come out at the asked shape and spacing, equal to readVolume → resampleToRas → centerCropOrPad; the
// recipe reopens it; every refusal (bad header, label, duplicate, `..`, absolute path, symlink out, missing or
// unreadable scan, a grid over the limits) names the file and line.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ScanFolderDataset, centerCropOrPad, openRecipe, readVolume, resampleToRas, writeNifti } from '../src';
import { ctSeries } from '../../../test/helpers/dicom_write';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-scans-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const stored = (i: number, j: number, k: number) => 100 + ((i * 37 + j * 101 + k * 251) % 900);

/** A 12-slice 10×14 series at 0.8 mm in-plane, 2 mm slices (LPS, HU = stored − 1024) in `dir/<name>`. */
function writeSeries(name: string, uid: string): void {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  const files = ctSeries(12, stored, {
    rows: 10,
    columns: 14,
    pixelSpacing: [0.8, 0.8],
    origin: [-5, -4, 10],
    sliceStep: [0, 0, 2],
    intercept: -1024,
    seriesUid: uid,
  });
  files.forEach((b, k) => fs.writeFileSync(path.join(dir, name, `s${(k * 5) % 12}.dcm`), b));
}

/** A 6×9×7 NIfTI at (1.5, 1, 1.2) mm with an LPS affine. */
function writeNii(name: string): void {
  const data = Float32Array.from({ length: 6 * 9 * 7 }, (_, i) => ((i * 13) % 400) - 200);
  const affine = [
    [-1.2, 0, 0, 3],
    [0, -1, 0, 2],
    [0, 0, 1.5, -7],
    [0, 0, 0, 1],
  ];
  writeNifti(path.join(dir, name), [6, 9, 7], [1.5, 1, 1.2], data, { affine });
}

const labels = (text: string) => fs.writeFileSync(path.join(dir, 'labels.csv'), text);
const options = { spacing: [1, 1, 1] as [number, number, number], shape: [16, 8, 12] as [number, number, number] };

function expected(file: string, padValue: number | 'min'): Float32Array {
  const g = resampleToRas(readVolume(file), options.spacing);
  let pad = padValue;
  if (pad === 'min') pad = g.data.reduce((a, b) => Math.min(a, b), Infinity);
  return centerCropOrPad(g.data, g.shape, options.shape, pad);
}

describe('ScanFolderDataset', () => {
  beforeEach(() => {
    writeSeries('p1/series', '1.2.3.1');
    writeSeries('p2', '1.2.3.2');
    writeNii('c.nii.gz');
  });

  it.each([['min' as const], [-1024]])('items equal readVolume → resampleToRas → centerCropOrPad (pad %s)', (pad) => {
    labels('scan,label\np1/series,1\r\n\nc.nii.gz,0\np2/,1\n');
    const ds = new ScanFolderDataset(dir, { ...options, padValue: pad });
    expect([ds.length, ds.shape, ds.spacing, Array.from(ds.labels)]).toEqual([3, [16, 8, 12], [1, 1, 1], [1, 0, 1]]);
    ds.rows.forEach((row, i) => {
      const item = ds.get(i);
      expect(item.shape).toEqual([1, 16, 8, 12]);
      expect(item.label).toBe(row.label);
      expect(item.volume).toEqual(expected(path.join(dir, row.scan), pad));
    });
    // The series is 11.2 × 8 × 24 mm: resampled to (24, 8, 11) at 1 mm, so z is cropped and x padded.
    expect(resampleToRas(readVolume(path.join(dir, 'p2')), [1, 1, 1]).shape).toEqual([24, 8, 11]);
    if (pad === -1024) expect(ds.get(0).volume[11]).toBe(-1024); // x 11: the padded column
    const again = openRecipe(ds.recipe());
    expect(again.get(2).volume).toEqual(ds.get(2).volume);
  });

  it('caches items when asked, and keeps the asked spacing in its recipe', () => {
    labels('scan,label\nc.nii.gz,2\n');
    const ds = new ScanFolderDataset(dir, { ...options, cache: true });
    expect(ds.get(0).volume).toBe(ds.get(0).volume);
    expect(ds.recipe()).toMatchObject({ kind: 'scans', spacing: [1, 1, 1], shape: [16, 8, 12], cache: true });
  });

  it.each([
    ['no header', 'p2,1\n', /labels\.csv line 1: the header must be "scan,label"/],
    [
      'a bad label',
      'scan,label\np2,1\nc.nii.gz,benign\n',
      /labels\.csv line 3: the label of c\.nii\.gz must be an integer/,
    ],
    ['a negative label', 'scan,label\np2,-1\n', /labels\.csv line 2: the label of p2 must be an integer/],
    ['three cells', 'scan,label\np2,1,0\n', /labels\.csv line 2: expected "scan,label" \(2 cells\)/],
    [
      'a duplicate row',
      'scan,label\np2,1\nc.nii.gz,0\n./p2/,0\n',
      /labels\.csv line 4: \.\/p2\/ is listed again \(first on line 2\)/,
    ],
    [
      'a ".." path',
      'scan,label\np1/../../x,1\n',
      /labels\.csv line 2: p1\/\.\.\/\.\.\/x must be a path relative to the folder/,
    ],
    ['an absolute path', 'scan,label\n/etc/hosts,1\n', /labels\.csv line 2: \/etc\/hosts must be a path relative/],
    ['a missing scan', 'scan,label\np2,1\nnone.nii.gz,0\n', /labels\.csv line 3: none\.nii\.gz is missing/],
    ['no rows', 'scan,label\n\n', /labels\.csv: no scans listed/],
  ])('refuses %s, naming the file and line', (_, csv, message) => {
    labels(csv);
    expect(() => new ScanFolderDataset(dir, options)).toThrow(message);
  });

  it('refuses a symlink leading outside the folder', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'x.nii'), 'secret');
      fs.symlinkSync(path.join(outside, 'x.nii'), path.join(dir, 'link.nii'));
      fs.symlinkSync(outside, path.join(dir, 'linkdir'));
      labels('scan,label\nlink.nii,1\n');
      expect(() => new ScanFolderDataset(dir, options)).toThrow(
        /labels\.csv line 2: link\.nii leads outside the folder/,
      );
      labels('scan,label\np2,0\nlinkdir/x.nii,1\n');
      expect(() => new ScanFolderDataset(dir, options)).toThrow(/line 3: linkdir\/x\.nii leads outside the folder/);
      // A symlink that stays inside is a scan like any other.
      fs.symlinkSync(path.join(dir, 'c.nii.gz'), path.join(dir, 'alias.nii.gz'));
      labels('scan,label\nalias.nii.gz,1\n');
      expect(new ScanFolderDataset(dir, options).get(0).volume).toEqual(expected(path.join(dir, 'c.nii.gz'), 'min'));
      // So is a file whose name only begins with two dots.
      fs.copyFileSync(path.join(dir, 'c.nii.gz'), path.join(dir, '..c.nii.gz'));
      labels('scan,label\n..c.nii.gz,1\n');
      expect(new ScanFolderDataset(dir, options).get(0).volume).toEqual(expected(path.join(dir, 'c.nii.gz'), 'min'));
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it("names the row and gives the reader's message for an unreadable scan, on get", () => {
    fs.writeFileSync(path.join(dir, 'bad.nii'), Buffer.alloc(40));
    fs.mkdirSync(path.join(dir, 'empty'));
    labels('scan,label\np2,1\nbad.nii,0\nempty,1\n');
    const ds = new ScanFolderDataset(dir, options);
    expect(ds.get(0).volume).toHaveLength(16 * 8 * 12);
    expect(() => ds.get(1)).toThrow(/ScanFolderDataset .*: labels\.csv line 3: bad\.nii: .*bad\.nii/);
    expect(() => ds.get(2)).toThrow(/labels\.csv line 4: empty: .*empty/);
  });

  it('bounds every scan and the items by the input limits', () => {
    labels('scan,label\np2,1\n');
    expect(() => new ScanFolderDataset(dir, { ...options, limits: { maxVoxels: 1000 } })).toThrow(
      /the item shape \(16×8×12\) needs 1536 voxels/,
    );
    const ds = new ScanFolderDataset(dir, {
      spacing: [0.25, 0.25, 0.25],
      shape: [4, 4, 4],
      limits: { maxVoxels: 5000 },
    });
    expect(() => ds.get(0)).toThrow(/labels\.csv line 2: p2: .*over the limit of 5000/);
    expect(() => new ScanFolderDataset(dir, { spacing: [1, 0, 1], shape: [4, 4, 4] } as never)).toThrow(
      /spacing must be 3 positive numbers/,
    );
  });
});
