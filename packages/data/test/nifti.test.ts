// NIfTI-1: round trips (.nii, .nii.gz, float32 and uint8), hand-checked header bytes, atomic writes,
// and clear errors naming the file for corrupt, truncated or unsupported files.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { NoduleGenerator, decodeNifti, encodeNifti, preset, readNifti, writeNifti } from '../src';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-nifti-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const shape: [number, number, number] = [3, 4, 5];
const spacing: [number, number, number] = [2.5, 0.75, 0.5];
const values = Float32Array.from({ length: 60 }, (_, i) => (i - 30) * 1.25 + 0.1);

describe('header bytes', () => {
  const buf = encodeNifti(shape, spacing, values, { description: 'unit test' });
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);

  it.each<[string, number, 'i32' | 'i16' | 'f32' | 'u8', number]>([
    ['sizeof_hdr', 0, 'i32', 348],
    ['dim[0] (rank)', 40, 'i16', 3],
    ['dim[1] = W (x)', 42, 'i16', 5],
    ['dim[2] = H (y)', 44, 'i16', 4],
    ['dim[3] = D (z)', 46, 'i16', 3],
    ['dim[4]', 48, 'i16', 1],
    ['datatype float32', 70, 'i16', 16],
    ['bitpix', 72, 'i16', 32],
    ['pixdim[0] (qfac)', 76, 'f32', 1],
    ['pixdim[1] = x spacing', 80, 'f32', 0.5],
    ['pixdim[2] = y spacing', 84, 'f32', 0.75],
    ['pixdim[3] = z spacing', 88, 'f32', 2.5],
    ['vox_offset', 108, 'f32', 352],
    ['scl_slope', 112, 'f32', 1],
    ['xyzt_units (mm)', 123, 'u8', 2],
    ['qform_code', 252, 'i16', 1],
    ['sform_code', 254, 'i16', 1],
    ['quatern_b', 256, 'f32', 0],
    ['qoffset_x', 268, 'f32', 0],
    ['srow_x[0]', 280, 'f32', 0.5],
    ['srow_x[1]', 284, 'f32', 0],
    ['srow_y[1]', 300, 'f32', 0.75],
    ['srow_z[2]', 320, 'f32', 2.5],
    ['srow_z[3]', 324, 'f32', 0],
    ['extension flag', 348, 'i32', 0],
  ])('%s at byte %d', (_name, offset, type, expected) => {
    const got =
      type === 'i32'
        ? v.getInt32(offset, true)
        : type === 'i16'
          ? v.getInt16(offset, true)
          : type === 'u8'
            ? v.getUint8(offset)
            : v.getFloat32(offset, true);
    expect(got).toBe(expected);
  });

  it('has the magic, the description, and the voxels from byte 352, x fastest', () => {
    expect(buf.toString('latin1', 344, 348)).toBe('n+1\0');
    expect(buf.toString('latin1', 148, 157)).toBe('unit test');
    expect(buf.length).toBe(352 + 60 * 4);
    expect(v.getFloat32(352, true)).toBe(values[0]);
    expect(v.getFloat32(352 + 4 * 59, true)).toBe(values[59]);
  });
});

describe('round trips', () => {
  it.each([['vol.nii'], ['vol.nii.gz']])('%s keeps shape, spacing and every float32 value', (name) => {
    const file = path.join(dir, name);
    writeNifti(file, shape, spacing, values);
    const raw = fs.readFileSync(file);
    expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(name.endsWith('.gz'));
    const back = readNifti(file);
    expect(back.shape).toEqual(shape);
    expect(back.spacing).toEqual(spacing);
    expect(back.datatype).toBe(16);
    expect(Array.from(back.data)).toEqual(Array.from(values));
    expect(fs.readdirSync(dir)).toEqual([name]);
  });

  it('a generated volume and its uint8 mask', () => {
    const s = new NoduleGenerator(preset('iid'), 0).sample('train', 0, { hu: true });
    writeNifti(path.join(dir, 'img.nii.gz'), s.shape, s.spacing, s.volume);
    writeNifti(path.join(dir, 'seg.nii.gz'), s.shape, s.spacing, s.mask, { datatype: 'uint8' });
    const img = readNifti(path.join(dir, 'img.nii.gz'));
    const seg = readNifti(path.join(dir, 'seg.nii.gz'));
    expect(Buffer.from(img.data.buffer).equals(Buffer.from(s.volume.buffer))).toBe(true);
    expect(seg.datatype).toBe(2);
    expect(Array.from(seg.data)).toEqual(Array.from(s.mask));
  });

  it('reads big-endian int16 files with scl_slope / scl_inter', () => {
    const buf = Buffer.alloc(352 + 2 * 4);
    const v = new DataView(buf.buffer);
    v.setInt32(0, 348, false);
    [3, 2, 2, 1].forEach((d, k) => v.setInt16(40 + 2 * k, d, false));
    v.setInt16(70, 4, false);
    v.setInt16(72, 16, false);
    [1, 0.5, 0.5, 3].forEach((p, k) => v.setFloat32(76 + 4 * k, p, false));
    v.setFloat32(108, 352, false);
    v.setFloat32(112, 2, false);
    v.setFloat32(116, -1024, false);
    buf.write('n+1\0', 344, 'latin1');
    [0, 100, -5, 7].forEach((x, i) => v.setInt16(352 + 2 * i, x, false));
    const vol = decodeNifti(buf, 'be.nii');
    expect(vol.shape).toEqual([1, 2, 2]);
    expect(vol.spacing).toEqual([3, 0.5, 0.5]);
    expect(Array.from(vol.data)).toEqual([-1024, -824, -1034, -1010]);
  });

  it('replaces an existing file whole and leaves no temporary files', () => {
    const file = path.join(dir, 'v.nii');
    writeNifti(file, shape, spacing, values);
    writeNifti(file, [1, 1, 2], [1, 1, 1], [7, 8]);
    expect(Array.from(readNifti(file).data)).toEqual([7, 8]);
    expect(fs.readdirSync(dir)).toEqual(['v.nii']);
  });
});

describe('bad input', () => {
  function corrupt(edit: (b: Buffer) => Buffer): string {
    const file = path.join(dir, 'bad.nii');
    fs.writeFileSync(file, edit(Buffer.from(encodeNifti(shape, spacing, values))));
    return file;
  }

  it.each<[string, (b: Buffer) => Buffer, RegExp]>([
    ['empty file', () => Buffer.alloc(0), /truncated header: 0 bytes/],
    ['truncated header', (b) => b.subarray(0, 200), /truncated header: 200 bytes/],
    ['wrong sizeof_hdr', (b) => (b.writeInt32LE(540, 0), b), /not a NIfTI-1 file: sizeof_hdr is 540/],
    ['bad magic', (b) => (b.write('abc\0', 344, 'latin1'), b), /bad magic "abc\\u0000"/],
    ['two-file header', (b) => (b.write('ni1\0', 344, 'latin1'), b), /two-file/],
    ['zero dimension', (b) => (b.writeInt16LE(0, 44), b), /dim\[2\] = 0/],
    ['bad rank', (b) => (b.writeInt16LE(9, 40), b), /dim\[0\] = 9/],
    ['4-D image', (b) => (b.writeInt16LE(4, 40), b.writeInt16LE(2, 48), b), /only 3-D volumes/],
    ['unsupported datatype', (b) => (b.writeInt16LE(128, 70), b), /unsupported datatype 128/],
    ['bitpix mismatch', (b) => (b.writeInt16LE(8, 72), b), /bitpix 8 does not match datatype 16/],
    ['bad vox_offset', (b) => (b.writeFloatLE(100, 108), b), /vox_offset 100/],
    ['truncated voxels', (b) => b.subarray(0, b.length - 9), /truncated data: 231 bytes of voxels .* needs 240/],
    ['zero spacing', (b) => (b.writeFloatLE(0, 84), b), /pixdim\[2\] = 0, must be > 0/],
    ['corrupt gzip', (b) => zlib.gzipSync(b).subarray(0, 60), /corrupt gzip data/],
  ])('%s', (_name, edit, message) => {
    const file = corrupt(edit);
    expect(() => readNifti(file)).toThrow(message);
    expect(() => readNifti(file)).toThrow(new RegExp(`^readNifti ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('missing files and unwritable paths name the file', () => {
    expect(() => readNifti(path.join(dir, 'none.nii'))).toThrow(/readNifti .*none\.nii: ENOENT/);
    const target = path.join(dir, 'no-such-dir', 'x.nii');
    expect(() => writeNifti(target, shape, spacing, values)).toThrow(/cannot write .*no-such-dir.*x\.nii/);
  });

  it.each<[string, number[], number[], number, RegExp]>([
    ['bad shape', [3, 4], [1, 1, 1], 12, /shape must be 3 integers/],
    ['zero dimension', [3, 0, 5], [1, 1, 1], 0, /shape must be 3 integers/],
    ['bad spacing', [3, 4, 5], [1, -1, 1], 60, /spacing must be 3 positive numbers/],
    ['wrong data length', [3, 4, 5], [1, 1, 1], 59, /59 values do not fill shape \(3, 4, 5\)/],
  ])('writing rejects %s', (_name, sh, sp, n, message) => {
    const file = path.join(dir, 'w.nii');
    expect(() => writeNifti(file, sh, sp, new Float32Array(n))).toThrow(message);
    expect(fs.existsSync(file)).toBe(false);
  });
});
