// NumPy .npy arrays: read (format 1.0/2.0/3.0 headers, little- or big-endian, C or Fortran order)
// and write (C order, '<f4' '<f8' '|u1' '<i4' '<i8'); every error names the file.
import { writeFileAtomic } from '@nodulab/platform';
import { InputLimits, byteLimitError, inputLimits } from './input_limits';
import { readBytes } from './read_bytes';

/** Element types this module reads; 'int64'/'uint64' are returned as Float64Array (exact up to 2^53). */
export type NpyDtype =
  'float32' | 'float64' | 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

/** The typed array each dtype reads into. */
export type NpyData =
  Float32Array | Float64Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** An n-dimensional array as stored in a .npy file: data in C (row-major) order. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** descr kind+size (without byte order) -> dtype. */
const DESCR: Record<string, NpyDtype> = {
  f4: 'float32',
  f8: 'float64',
  u1: 'uint8',
  i1: 'int8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  b1: 'bool',
};
const ITEMSIZE: Record<NpyDtype, number> = {
  float32: 4,
  float64: 8,
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
};
/** dtypes writeNpy accepts, with their descr. */
const WRITE_DESCR: Partial<Record<NpyDtype, string>> = {
  float32: '<f4',
  float64: '<f8',
  uint8: '|u1',
  int32: '<i4',
  int64: '<i8',
};
/** Deepest nesting of tuples/lists a header may hold ('shape' is one level inside the dict). */
const MAX_HEADER_DEPTH = 8;

/** Number of elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Parses the Python dict literal of a .npy header, e.g.
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, into its three fields.
 */
function parseHeader(text: string, fail: (msg: string) => never): { descr: string; fortran: boolean; shape: number[] } {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (c: string): void => {
    ws();
    if (text[i] !== c) fail(`malformed header ${JSON.stringify(text.trim())}: expected '${c}' at character ${i}`);
    i++;
  };
  const value = (depth: number): unknown => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail(`malformed header: unterminated string at character ${i}`);
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === '(' || c === '[') {
      if (depth >= MAX_HEADER_DEPTH) fail(`header nested deeper than ${MAX_HEADER_DEPTH}`);
      const close = c === '(' ? ')' : ']';
      i++;
      const items: unknown[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`malformed header: expected ',' or '${close}' at character ${i}`);
      }
    }
    const m = /^(True|False|-?\d+L?)/.exec(text.slice(i));
    if (!m) fail(`malformed header ${JSON.stringify(text.trim())}: unexpected text at character ${i}`);
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    return Number(m[0].replace('L', ''));
  };
  expect('{');
  const dict: Record<string, unknown> = {};
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const key = value(1);
    if (typeof key !== 'string') fail('malformed header: dict keys must be strings');
    expect(':');
    dict[key] = value(1);
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(`malformed header: expected ',' or '}' at character ${i}`);
  }
  for (const k of Object.keys(dict)) {
    if (!['descr', 'fortran_order', 'shape'].includes(k)) fail(`unknown header key '${k}'`);
  }
  const { descr, fortran_order: fortran, shape } = dict;
  if (typeof descr !== 'string')
    fail(`header has no string 'descr' (got ${JSON.stringify(descr)}); structured dtypes are not supported`);
  if (typeof fortran !== 'boolean') fail(`header has no boolean 'fortran_order'`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(`header 'shape' must be a tuple of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return { descr, fortran, shape: shape as number[] };
}

/** Reorders Fortran-order (first index fastest) elements into C order. */
function fortranToC<T extends NpyData>(src: T, shape: readonly number[]): T {
  const n = src.length;
  const out = new (src.constructor as new (n: number) => T)(n);
  const nd = shape.length;
  const fstride: number[] = [];
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fstride.push(s);
    s *= shape[k];
  }
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let k = 0; k < nd; k++) f += idx[k] * fstride[k];
    out[c] = src[f];
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** What a .npy preamble and header declare: where the data starts, its dtype, byte order and shape. */
interface NpyLayout {
  dataStart: number;
  descr: string;
  dtype: NpyDtype;
  le: boolean;
  fortran: boolean;
  shape: number[];
  /** dataStart + elements x item size: the size the file must have. */
  byteLength: number;
}

/** Parses the preamble and header at the start of `bytes`; throws through `fail`. */
function parseLayout(bytes: Uint8Array, fail: (msg: string) => never): NpyLayout {
  if (bytes.length < 10) fail(`truncated: ${bytes.length} bytes, shorter than a .npy preamble`);
  if (!MAGIC.every((b, k) => bytes[k] === b)) fail('bad magic: not a .npy file (expected \\x93NUMPY)');
  const major = bytes[6];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = v.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated preamble');
    headerLen = v.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail(`unsupported format version ${major}.${bytes[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) fail(`truncated header: needs ${dataStart} bytes, file has ${bytes.length}`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLen).toString(
    major === 3 ? 'utf8' : 'latin1',
  );
  const { descr, fortran, shape } = parseHeader(text, fail);
  const order = descr[0];
  const dtype = DESCR[descr.slice(1)];
  if (!['<', '>', '|', '='].includes(order) || dtype === undefined) {
    fail(
      `unsupported dtype '${descr}' (supported: ${Object.keys(DESCR)
        .map((d) => `<${d}`)
        .join(', ')}, big-endian too)`,
    );
  }
  const byteLength = dataStart + shapeSize(shape) * ITEMSIZE[dtype];
  return { dataStart, descr, dtype, le: order !== '>', fortran, shape, byteLength };
}

/**
 * The byte length a .npy declares (preamble + header + data) from its first bytes, or undefined when
 * `head` is too short to hold the whole header. Throws, naming `name`, on a bad preamble or header.
 */
export function npyByteLength(head: Uint8Array, name: string): number | undefined {
  const fail = (msg: string): never => {
    throw new Error(`readNpy ${name}: ${msg}`);
  };
  if (head.length < 12) return undefined;
  const major = head[6];
  const headerEnd =
    major === 1 ? 10 + (head[8] | (head[9] << 8)) : 12 + new DataView(head.buffer, head.byteOffset).getUint32(8, true);
  if (MAGIC.every((b, k) => head[k] === b) && head.length < headerEnd) return undefined;
  return parseLayout(head, fail).byteLength;
}

/**
 * Decodes .npy bytes; `name` (the file, or "archive.npz:key.npy") appears in every error. A shape whose data
 * would pass `maxDecodedBytes` (see {@link inputLimits}: `limits`, else the environment) fails before it is read.
 */
export function decodeNpy(bytes: Uint8Array, name = 'array.npy', limits: Partial<InputLimits> = {}): NpyArray {
  const fail = (msg: string): never => {
    throw new Error(`readNpy ${name}: ${msg}`);
  };
  const { dataStart, descr, dtype, le, fortran, shape } = parseLayout(bytes, fail);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = shapeSize(shape);
  const size = ITEMSIZE[dtype];
  const over = byteLimitError(n * size, inputLimits(limits), `its shape (${shape.join(', ')}) of ${descr}`);
  if (over !== null) fail(over);
  const have = bytes.length - dataStart;
  if (have < n * size)
    fail(`truncated data: shape (${shape.join(', ')}) of ${descr} needs ${n * size} bytes, file has ${have}`);
  if (have > n * size)
    fail(`${have - n * size} unexpected bytes after the data of shape (${shape.join(', ')}) ${descr}`);
  const o = dataStart;
  let data: NpyData;
  switch (dtype) {
    case 'float32':
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = v.getFloat32(o + 4 * i, le);
      break;
    case 'float64':
      data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = v.getFloat64(o + 8 * i, le);
      break;
    // Copies into arrays of their own: `bytes` may be a view into a larger (pooled) buffer.
    case 'uint8':
      data = new Uint8Array(bytes.buffer, bytes.byteOffset + o, n).slice();
      break;
    case 'bool':
      data = Uint8Array.from(new Uint8Array(bytes.buffer, bytes.byteOffset + o, n), (b) => (b ? 1 : 0));
      break;
    case 'int8':
      data = new Int8Array(bytes.buffer, bytes.byteOffset + o, n).slice();
      break;
    case 'int16':
      data = new Int16Array(n);
      for (let i = 0; i < n; i++) data[i] = v.getInt16(o + 2 * i, le);
      break;
    case 'uint16':
      data = new Uint16Array(n);
      for (let i = 0; i < n; i++) data[i] = v.getUint16(o + 2 * i, le);
      break;
    case 'int32':
      data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = v.getInt32(o + 4 * i, le);
      break;
    case 'uint32':
      data = new Uint32Array(n);
      for (let i = 0; i < n; i++) data[i] = v.getUint32(o + 4 * i, le);
      break;
    default: {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const x = dtype === 'int64' ? v.getBigInt64(o + 8 * i, le) : v.getBigUint64(o + 8 * i, le);
        if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER))
          fail(`${dtype} element ${i} = ${x} is beyond 2^53`);
        out[i] = Number(x);
      }
      data = out;
    }
  }
  if (fortran && shape.length > 1) data = fortranToC(data, shape);
  return { dtype, shape: [...shape], data };
}

/**
 * Encodes an array as .npy bytes (C order, little-endian; format 1.0, or 2.0 for headers over 64 KiB).
 * dtype: 'float32' ('<f4'), 'float64', 'uint8', 'int32' or 'int64'; values are converted to it.
 */
export function encodeNpy(
  array: { dtype: NpyDtype; shape: readonly number[]; data: ArrayLike<number> },
  name = 'array.npy',
): Uint8Array {
  const { dtype, shape, data } = array;
  const descr = WRITE_DESCR[dtype];
  if (descr === undefined)
    throw new Error(
      `writeNpy ${name}: cannot write dtype '${dtype}' (supported: ${Object.keys(WRITE_DESCR).join(', ')})`,
    );
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`writeNpy ${name}: shape must be non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const n = shapeSize(shape);
  if (data.length !== n)
    throw new Error(`writeNpy ${name}: ${data.length} values do not fill shape (${shape.join(', ')}) (needs ${n})`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces and a final newline so the data starts on a 64-byte boundary.
  const v2 = header.length + 11 > 65535;
  const pre = v2 ? 12 : 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, ' ') + '\n';
  const size = ITEMSIZE[dtype];
  const out = new Uint8Array(total + n * size);
  out.set(MAGIC, 0);
  out[6] = v2 ? 2 : 1;
  const v = new DataView(out.buffer);
  if (v2) v.setUint32(8, header.length, true);
  else v.setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), pre);
  const o = total;
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) v.setFloat32(o + 4 * i, data[i], true);
      break;
    case 'float64':
      for (let i = 0; i < n; i++) v.setFloat64(o + 8 * i, data[i], true);
      break;
    case 'uint8':
      for (let i = 0; i < n; i++) out[o + i] = Math.min(255, Math.max(0, Math.round(data[i])));
      break;
    case 'int32':
      for (let i = 0; i < n; i++) v.setInt32(o + 4 * i, data[i], true);
      break;
    default:
      for (let i = 0; i < n; i++) {
        if (!Number.isSafeInteger(data[i]))
          throw new Error(`writeNpy ${name}: int64 element ${i} = ${data[i]} is not a safe integer`);
        v.setBigInt64(o + 8 * i, BigInt(data[i]), true);
      }
  }
  return out;
}

/** Reads a .npy file; errors name the file. `limits` as for {@link decodeNpy}; a larger file is not read. */
export function readNpy(file: string, limits: Partial<InputLimits> = {}): NpyArray {
  const lim = inputLimits(limits);
  return decodeNpy(readBytes(file, 'readNpy', lim), file, lim);
}

/** Writes a .npy file atomically (see encodeNpy for the dtypes). */
export function writeNpy(
  file: string,
  array: { dtype: NpyDtype; shape: readonly number[]; data: ArrayLike<number> },
): void {
  writeFileAtomic(file, encodeNpy(array, file));
}
