// NumPy .npy dtypes: files written by numpy (fixtures/npy, np.save of one (2, 3) array per dtype and byte
// order) read back with the right dtype, shape and values, in typed arrays of their own (not views).
import * as fs from 'fs';
import * as path from 'path';
import { NpyDtype, decodeNpy, readNpy } from '../src';

const DIR = path.join(__dirname, 'fixtures', 'npy');
const VALUES = JSON.parse(fs.readFileSync(path.join(DIR, 'values.json'), 'utf8')) as Record<string, number[]>;

const TABLE: [file: string, kind: string, dtype: NpyDtype, typed: string][] = [
  ['i1_le.npy', 'i1', 'int8', 'Int8Array'],
  ['u1_le.npy', 'u1', 'uint8', 'Uint8Array'],
  ['b1_le.npy', 'b1', 'bool', 'Uint8Array'],
  ['i2_le.npy', 'i2', 'int16', 'Int16Array'],
  ['i2_be.npy', 'i2', 'int16', 'Int16Array'],
  ['u2_le.npy', 'u2', 'uint16', 'Uint16Array'],
  ['u2_be.npy', 'u2', 'uint16', 'Uint16Array'],
  ['i4_le.npy', 'i4', 'int32', 'Int32Array'],
  ['i4_be.npy', 'i4', 'int32', 'Int32Array'],
  ['u4_le.npy', 'u4', 'uint32', 'Uint32Array'],
  ['u4_be.npy', 'u4', 'uint32', 'Uint32Array'],
  ['f4_le.npy', 'f4', 'float32', 'Float32Array'],
  ['f4_be.npy', 'f4', 'float32', 'Float32Array'],
  ['f8_le.npy', 'f8', 'float64', 'Float64Array'],
  ['f8_be.npy', 'f8', 'float64', 'Float64Array'],
  ['i8_le.npy', 'i8', 'int64', 'Float64Array'],
  ['i8_be.npy', 'i8', 'int64', 'Float64Array'],
  ['u8_le.npy', 'u8', 'uint64', 'Float64Array'],
  ['u8_be.npy', 'u8', 'uint64', 'Float64Array'],
  ['i1_fortran.npy', 'i1', 'int8', 'Int8Array'],
];

function expected(kind: string): number[] {
  const v = VALUES[kind].map(Number);
  return kind === 'f4' ? v.map(Math.fround) : v;
}

describe('numpy-written dtypes', () => {
  it.each(TABLE)('%s reads as %s -> %s', (file, kind, dtype, typed) => {
    const a = readNpy(path.join(DIR, file));
    expect(a.dtype).toBe(dtype);
    expect(a.shape).toEqual([2, 3]);
    expect(a.data.constructor.name).toBe(typed);
    expect(a.data.length).toBe(6);
    expect(a.data.buffer.byteLength).toBe(6 * a.data.BYTES_PER_ELEMENT);
    expect(Array.from(a.data)).toEqual(expected(kind));
  });

  it('reads int8 from a small pooled Buffer (a view into a larger ArrayBuffer)', () => {
    const bytes = Buffer.from(fs.readFileSync(path.join(DIR, 'i1_le.npy')));
    expect(bytes.buffer.byteLength).toBeGreaterThan(bytes.length); // Node's 8 KiB pool
    const a = decodeNpy(bytes, 'pooled.npy');
    expect(Array.from(a.data)).toEqual(VALUES.i1);
    const u = decodeNpy(Buffer.from(fs.readFileSync(path.join(DIR, 'u1_le.npy'))), 'pooled.npy');
    expect(u.data.buffer.byteLength).toBe(6);
  });
});
