// NIfTI geometry as nibabel writes it: sform and qform (quaternions with qfac), LPS and RAS affines, int16
// voxels with scl_slope / scl_inter, hand-built qform-only headers; and the orientation codes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Affine,
  affineToQuatern,
  decodeNifti,
  encodeNifti,
  orientationCode,
  quaternToAffine,
  readNifti,
  writeNifti,
} from '../src';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-nifti-affine-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const shape: [number, number, number] = [4, 5, 6];
const spacing: [number, number, number] = [1.25, 0.7, 0.7];
const values = Float32Array.from({ length: 120 }, (_, i) => -1000 + 17.5 * i);

/** Affines (x, y, z spacing 0.7, 0.7, 1.25) with their nibabel axis codes. */
const AFFINES: [string, Affine][] = [
  [
    'RAS',
    [
      [0.7, 0, 0, -10],
      [0, 0.7, 0, 20],
      [0, 0, 1.25, -30],
      [0, 0, 0, 1],
    ],
  ],
  [
    'LPS',
    [
      [-0.7, 0, 0, 90],
      [0, -0.7, 0, 110],
      [0, 0, 1.25, -30],
      [0, 0, 0, 1],
    ],
  ],
  [
    'LAS',
    [
      [-0.7, 0, 0, 90],
      [0, 0.7, 0, 20],
      [0, 0, 1.25, -30],
      [0, 0, 0, 1],
    ],
  ],
  [
    'PSR',
    [
      [0, 0, 1.25, 5],
      [-0.7, 0, 0, 6],
      [0, 0.7, 0, 7],
      [0, 0, 0, 1],
    ],
  ],
];

const close = (a: Affine, b: Affine, tol = 1e-5) =>
  a.every((r, i) => r.every((x, j) => Math.abs(x - b[i][j]) <= tol * Math.max(1, Math.abs(b[i][j]))));

describe('affines', () => {
  it.each(AFFINES)('%s: orientation code, quaternion round trip, and write/read through sform and qform', (code, a) => {
    expect(orientationCode(a)).toBe(code);
    const q = affineToQuatern(a)!;
    expect(q).not.toBeNull();
    expect(q.b * q.b + q.c * q.c + q.d * q.d).toBeLessThanOrEqual(1 + 1e-9);
    expect(close(quaternToAffine(q), a, 1e-9)).toBe(true);

    const buf = encodeNifti(shape, spacing, values, { affine: a });
    const back = decodeNifti(buf, 'affine.nii');
    expect(back.affineSource).toBe('sform');
    expect(close(back.affine, a)).toBe(true);
    // The same file with sform_code 0, as a qform-only writer leaves it.
    buf.writeInt16LE(0, 254);
    const qOnly = decodeNifti(buf, 'qform.nii');
    expect(qOnly.affineSource).toBe('qform');
    expect(close(qOnly.affine, a)).toBe(true);
    // Neither: pixdim at the origin.
    buf.writeInt16LE(0, 252);
    const none = decodeNifti(buf, 'pixdim.nii');
    expect(none.affineSource).toBe('pixdim');
    expect(none.affine).toEqual([
      [Math.fround(0.7), 0, 0, 0],
      [0, Math.fround(0.7), 0, 0],
      [0, 0, 1.25, 0],
      [0, 0, 0, 1],
    ]);
  });

  it("nodulab's default is RAS diag(x, y, z spacing) at the origin, in sform and qform", () => {
    const back = decodeNifti(encodeNifti(shape, spacing, values), 'default.nii');
    expect(orientationCode(back.affine)).toBe('RAS');
    expect(back.affine).toEqual([
      [Math.fround(0.7), 0, 0, 0],
      [0, Math.fround(0.7), 0, 0],
      [0, 0, 1.25, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('a sheared sform is written without a qform; a bad affine is an error naming the file', () => {
    const sheared: Affine = [
      [0.7, 0.3, 0, 0],
      [0, 0.7, 0, 0],
      [0, 0, 1.25, 0],
      [0, 0, 0, 1],
    ];
    expect(affineToQuatern(sheared)).toBeNull();
    const buf = encodeNifti(shape, spacing, values, { affine: sheared });
    expect(buf.readInt16LE(252)).toBe(0);
    expect(buf.readInt16LE(254)).toBe(1);
    expect(() => writeNifti(path.join(dir, 'bad.nii'), shape, spacing, values, { affine: [[1, 2, 3]] })).toThrow(
      /writeNifti .*bad\.nii: affine must be 3 or 4 rows of 4 finite numbers/,
    );
  });
});

describe('int16 with scl_slope / scl_inter (as nibabel stores CT)', () => {
  it('writes int16 bytes and scaling, and reads back value = stored · slope + inter', () => {
    const file = path.join(dir, 'ct.nii.gz');
    const hu = Float32Array.from(values, (v) => Math.round(v * 2) / 2); // multiples of the slope 0.5
    writeNifti(file, shape, spacing, hu, { datatype: 'int16', scale: { slope: 0.5, inter: -1024 } });
    const raw = encodeNifti(shape, spacing, hu, { datatype: 'int16', scale: { slope: 0.5, inter: -1024 } });
    expect(raw.readInt16LE(70)).toBe(4); // datatype int16
    expect(raw.readInt16LE(72)).toBe(16); // bitpix
    expect(raw.readFloatLE(112)).toBe(0.5);
    expect(raw.readFloatLE(116)).toBe(-1024);
    expect(raw.readInt16LE(352)).toBe((hu[0] + 1024) / 0.5);
    const back = readNifti(file);
    expect(back.datatype).toBe(4);
    expect(back.sclSlope).toBe(0.5);
    expect(back.sclInter).toBe(-1024);
    expect(Array.from(back.data)).toEqual(Array.from(hu));
  });

  it('rounds and clamps to the int16 range; a zero slope is an error', () => {
    const v = Float32Array.from([1e6, -1e6, 1.4, 1.6, 0, 0]);
    const back = decodeNifti(encodeNifti([1, 1, 6], [1, 1, 1], v, { datatype: 'int16' }));
    expect(Array.from(back.data)).toEqual([32767, -32768, 1, 2, 0, 0]);
    expect(() => encodeNifti([1, 1, 6], [1, 1, 1], v, { datatype: 'int16', scale: { slope: 0, inter: 0 } })).toThrow(
      /non-zero slope/,
    );
  });
});
