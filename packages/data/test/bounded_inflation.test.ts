// Decompression bombs and broken archives: a .nii.gz or .npz entry that inflates past what its header
// (and the zip) declares is refused with a clear error before the excess is allocated; numpy-written .npz
// files (zip64 local headers) still read; a bad central directory names the file.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { zipSync } from 'fflate';
import { crc32 } from '../src/formats/crc32';
import { decodeNifti, decodeNpz, encodeNifti, encodeNpy, readNifti, readNpz } from '../src';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-bomb-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const FIXTURES = path.join(__dirname, 'fixtures', 'npy');

/** 64 MiB of zeros: deflates to about 64 KiB. */
const ZEROS = 64 * 2 ** 20;

describe('.nii.gz', () => {
  const vol = encodeNifti([32, 32, 32], [1, 1, 1], new Float32Array(32 ** 3).fill(1));

  it('refuses a volume followed by 64 MiB of zeros, naming the file', () => {
    const bomb = zlib.gzipSync(Buffer.concat([vol, Buffer.alloc(ZEROS)]), { level: 9 });
    expect(bomb.length).toBeLessThan(ZEROS / 500);
    const f = path.join(dir, 'bomb.nii.gz');
    fs.writeFileSync(f, bomb);
    expect(() => readNifti(f)).toThrow(
      `readNifti ${f}: decompresses past the ${352 + 4 * 32 ** 3 + 352} bytes its header declares; refusing to inflate further`,
    );
  });

  it('refuses a bomb hidden in a second gzip member', () => {
    const bomb = Buffer.concat([zlib.gzipSync(vol), zlib.gzipSync(Buffer.alloc(ZEROS))]);
    expect(() => decodeNifti(bomb, 'two.nii.gz')).toThrow(/two\.nii\.gz: decompresses past/);
  });

  it('refuses a header declaring more voxels than maxVoxels, or more bytes than maxDecodedBytes', () => {
    const big = Buffer.from(vol);
    [3, 32767, 32767, 32767].forEach((d, k) => big.writeInt16LE(d, 40 + 2 * k));
    expect(() => decodeNifti(zlib.gzipSync(big), 'huge.nii.gz')).toThrow(
      'readNifti huge.nii.gz: its dims (32767×32767×32767) needs 35181150961663 voxels (131060.00 GiB as float32), ' +
        'over the limit of 268435456 (maxVoxels, NODULAB_MAX_VOXELS)',
    );
    // A vox_offset far past the voxels: within maxVoxels, but more bytes than maxDecodedBytes.
    const far = Buffer.from(vol);
    far.writeFloatLE(2 ** 31, 108);
    expect(() => decodeNifti(zlib.gzipSync(far), 'far.nii.gz')).toThrow(
      `readNifti far.nii.gz: its header declares that it needs ${2 ** 31 + 4 * 32 ** 3 + 352} bytes (2.00 GiB), ` +
        'over the limit of 2147483648 (maxDecodedBytes, NODULAB_MAX_DECODED_BYTES)',
    );
  });

  it('still reads a volume with a few bytes of trailing slack, and a multi-member gzip', () => {
    const ok = decodeNifti(zlib.gzipSync(Buffer.concat([vol, Buffer.alloc(100)])), 'slack.nii.gz');
    expect(ok.shape).toEqual([32, 32, 32]);
    const two = decodeNifti(Buffer.concat([zlib.gzipSync(vol.subarray(0, 1000)), zlib.gzipSync(vol.subarray(1000))]));
    expect(two.data[5]).toBe(1);
  });
});

/** A one-entry zip of `data` deflated by zlib (fast for large zeros), declaring `size` uncompressed bytes. */
function zipDeflated(name: string, data: Buffer, size = data.length): Buffer {
  const body = zlib.deflateRawSync(data, { level: 9 });
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc32(data), 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc32(data), 16);
  central.writeUInt32LE(body.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(n.length, 28);
  const cdOffset = 30 + n.length + body.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + n.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, body, central, n, eocd]);
}

describe('.npz', () => {
  const npy = encodeNpy({ dtype: 'float32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] });

  it('refuses an entry of a small array followed by 64 MiB of zeros (bounded by the .npy header)', () => {
    const bomb = zipDeflated('x.npy', Buffer.concat([npy, Buffer.alloc(ZEROS)]));
    expect(bomb.length).toBeLessThan(ZEROS / 500);
    const f = path.join(dir, 'bomb.npz');
    fs.writeFileSync(f, bomb);
    expect(() => readNpz(f)).toThrow(
      `readNpz ${f}: entry "x.npy": decompresses past the ${npy.length} bytes its header declares; refusing to inflate further`,
    );
  });

  it('refuses an entry that inflates past the size the zip declares', () => {
    const big = Buffer.from(encodeNpy({ dtype: 'float32', shape: [4000], data: new Float32Array(4000) }));
    const zip = zipDeflated('x.npy', big, big.length - 1000);
    expect(() => decodeNpz(zip, 'liar.npz')).toThrow(/liar\.npz: entry "x\.npy": decompresses past the \d+ bytes/);
  });

  it.each([
    ['an offset past the end', (z: Buffer, eocd: number) => z.writeUInt32LE(z.length + 100, eocd + 16)],
    [
      'a name running past the end',
      (z: Buffer, eocd: number) => z.writeUInt16LE(60000, z.readUInt32LE(eocd + 16) + 28),
    ],
    [
      'a local header offset past the end',
      (z: Buffer, eocd: number) => z.writeUInt32LE(1e9, z.readUInt32LE(eocd + 16) + 42),
    ],
  ])('names the file for a central directory with %s', (_name, edit) => {
    const zip = Buffer.from(zipSync({ 'x.npy': npy }));
    edit(zip, zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])));
    expect(() => decodeNpz(zip, 'cd.npz')).toThrow(/^readNpz cd\.npz: /);
  });

  it.each(['numpy_savez.npz', 'numpy_savez_compressed.npz'])('reads %s as numpy wrote it', (file) => {
    const a = readNpz(path.join(FIXTURES, file));
    expect(Array.from(a.x.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.x.dtype).toBe('int8');
  });
});
