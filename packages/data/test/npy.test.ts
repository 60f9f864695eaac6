// NumPy .npy: round trips per dtype and shape, hand-built byte fixtures (v1/v2 headers, big-endian,
// Fortran order, 64-bit ints), and clear errors naming the file for bad, truncated or unsupported files.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NpyDtype, decodeNpy, encodeNpy, readNpy, writeNpy } from '../src';

/** A .npy file built by hand: preamble, header text padded to 64 bytes, raw data. */
function npyBytes(header: string, data: Uint8Array, major = 1): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  const text = header.padEnd(total - pre - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, text.length, true);
  else v.setUint32(8, text.length, true);
  out.set(Buffer.from(text, 'latin1'), pre);
  out.set(data, total);
  return out;
}

function le(kind: 'f4' | 'i2be' | 'i8' | 'u1', values: number[]): Uint8Array {
  const size = { f4: 4, i2be: 2, i8: 8, u1: 1 }[kind];
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => {
    if (kind === 'f4') v.setFloat32(4 * i, x, true);
    else if (kind === 'i2be') v.setInt16(2 * i, x, false);
    else if (kind === 'i8') v.setBigInt64(8 * i, BigInt(x), true);
    else out[i] = x;
  });
  return out;
}

describe('round trips', () => {
  it.each<[NpyDtype, number[], (i: number) => number]>([
    ['float32', [2, 3, 4], (i) => Math.fround(i * 0.37 - 3)],
    ['float64', [5], (i) => i / 3 - 1e-9],
    ['uint8', [3, 28, 28, 28], (i) => (i * 7) % 256],
    ['int32', [4, 1], (i) => i * 1000003 - 2e9],
    ['int64', [3, 2], (i) => (i - 3) * 2 ** 40],
    ['float32', [], () => 2.5],
    ['uint8', [0, 4], () => 0],
  ])('%s shape %j', (dtype, shape, f) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, (_, i) => f(i));
    const bytes = encodeNpy({ dtype, shape, data });
    expect(bytes.slice(0, 6)).toEqual(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]));
    const headerEnd = 10 + new DataView(bytes.buffer).getUint16(8, true);
    expect(headerEnd % 64).toBe(0);
    expect(bytes[headerEnd - 1]).toBe(0x0a);
    const back = decodeNpy(bytes);
    expect(back.dtype).toBe(dtype);
    expect(back.shape).toEqual(shape);
    expect(Array.from(back.data)).toEqual(data);
  });

  it('writes and reads a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-npy-'));
    try {
      const file = path.join(dir, 'a.npy');
      writeNpy(file, { dtype: 'float32', shape: [2, 2], data: [1, 2, 3, 4] });
      expect(readNpy(file)).toEqual({ dtype: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
      expect(fs.readdirSync(dir)).toEqual(['a.npy']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the header numpy writes', () => {
    const bytes = encodeNpy({ dtype: 'uint8', shape: [3], data: [1, 2, 3] });
    const text = Buffer.from(bytes.slice(10, 128)).toString('latin1');
    expect(text.trimEnd()).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }");
    expect(new DataView(bytes.buffer).getUint16(8, true)).toBe(118); // 10 + 118 = 128, a multiple of 64
    expect(Array.from(bytes.slice(128))).toEqual([1, 2, 3]);
  });
});

describe('hand-built fixtures', () => {
  it.each<[string, Uint8Array, string, number[], number[]]>([
    [
      'v1 <f4 (2, 3)',
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", le('f4', [1, 2, 3, 4, 5, 6.5])),
      'float32',
      [2, 3],
      [1, 2, 3, 4, 5, 6.5],
    ],
    [
      'v2 header',
      npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (4,)}", le('u1', [9, 8, 7, 6]), 2),
      'uint8',
      [4],
      [9, 8, 7, 6],
    ],
    [
      'big-endian >i2',
      npyBytes("{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }", le('i2be', [-2, 300, 7])),
      'int16',
      [3],
      [-2, 300, 7],
    ],
    [
      '<i8 labels (2, 1)',
      npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }", le('i8', [1, 0])),
      'int64',
      [2, 1],
      [1, 0],
    ],
    // Fortran order: memory holds column 0 (1, 4), column 1 (2, 5), column 2 (3, 6) of [[1,2,3],[4,5,6]].
    [
      'fortran_order True -> C order',
      npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", le('f4', [1, 4, 2, 5, 3, 6])),
      'float32',
      [2, 3],
      [1, 2, 3, 4, 5, 6],
    ],
    [
      'double quotes, no spaces',
      npyBytes('{"descr":"|u1","fortran_order":False,"shape":(2,2)}', le('u1', [1, 2, 3, 4])),
      'uint8',
      [2, 2],
      [1, 2, 3, 4],
    ],
  ])('%s', (_, bytes, dtype, shape, values) => {
    const a = decodeNpy(bytes, 'fixture.npy');
    expect(a.dtype).toBe(dtype);
    expect(a.shape).toEqual(shape);
    expect(Array.from(a.data)).toEqual(values);
  });

  it('transposes a 3-D Fortran-order array', () => {
    // a[i, j, k] = 100 i + 10 j + k with shape (2, 3, 4); Fortran memory: i fastest, then j, then k.
    const vals: number[] = [];
    for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) vals.push(100 * i + 10 * j + k);
    const a = decodeNpy(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", le('f4', vals)));
    const expected: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(100 * i + 10 * j + k);
    expect(Array.from(a.data)).toEqual(expected);
  });
});

describe('bad files', () => {
  const good = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", le('f4', [1, 2, 3, 4, 5, 6]));
  it.each<[string, Uint8Array, RegExp]>([
    ['bad magic', Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]), /bad\.npy: bad magic/],
    ['too short', good.slice(0, 6), /bad\.npy: truncated/],
    ['truncated header', good.slice(0, 40), /bad\.npy: truncated header/],
    [
      'truncated data',
      good.slice(0, good.length - 3),
      /bad\.npy: truncated data: shape \(2, 3\) of <f4 needs 24 bytes, file has 21/,
    ],
    ['trailing bytes', Uint8Array.from([...good, 0, 0]), /2 unexpected bytes/],
    ['version 9', Uint8Array.from([...good.slice(0, 6), 9, 0, ...good.slice(8)]), /unsupported format version 9\.0/],
    [
      'complex dtype',
      npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)),
      /unsupported dtype '<c8'/,
    ],
    [
      'structured dtype',
      npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)),
      /structured dtypes are not supported/,
    ],
    [
      'unknown key',
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", new Uint8Array(4)),
      /unknown header key 'extra'/,
    ],
    [
      'negative dim',
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new Uint8Array(4)),
      /'shape' must be a tuple of non-negative integers/,
    ],
    ['garbage header', npyBytes('not a dict', new Uint8Array(0)), /malformed header/],
    ['unterminated string', npyBytes("{'descr: 1}", new Uint8Array(0)), /malformed header/],
  ])('%s', (_, bytes, message) => {
    expect(() => decodeNpy(bytes, 'bad.npy')).toThrow(message);
  });

  it('names a missing file', () => {
    expect(() => readNpy('/nonexistent/x.npy')).toThrow(/readNpy \/nonexistent\/x\.npy: ENOENT/);
  });

  it.each<[string, () => Uint8Array, RegExp]>([
    [
      'unwritable dtype',
      () => encodeNpy({ dtype: 'int16', shape: [1], data: [1] }, 'o.npy'),
      /writeNpy o\.npy: cannot write dtype 'int16'/,
    ],
    [
      'data and shape disagree',
      () => encodeNpy({ dtype: 'float32', shape: [2, 2], data: [1, 2, 3] }, 'o.npy'),
      /3 values do not fill shape \(2, 2\)/,
    ],
    [
      'bad shape',
      () => encodeNpy({ dtype: 'float32', shape: [1.5], data: [1] }, 'o.npy'),
      /shape must be non-negative integers/,
    ],
    ['unsafe int64', () => encodeNpy({ dtype: 'int64', shape: [1], data: [0.5] }, 'o.npy'), /not a safe integer/],
  ])('write: %s', (_, f, message) => {
    expect(f).toThrow(message);
  });
});
