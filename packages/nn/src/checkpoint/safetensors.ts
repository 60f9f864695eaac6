// safetensors files: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}, "__metadata__": {..}} padded with spaces to 8 bytes, then the
// raw little-endian data. Writes F32, atomically; reads F32 and the dtypes PyTorch writes (F64, F16,
// BF16, I64 e.g. num_batches_tracked, ...) as float32; validates everything and never runs code.
import * as fs from 'fs';
import { Tensor } from '@nodulab/tensor';
import { writeFileAtomic } from '@nodulab/platform';

/** The largest header accepted on load (the same cap as the Python safetensors package). */
export const MAX_HEADER_BYTES = 100_000_000;

/** What {@link loadSafetensors} returns: tensors in file order and the string metadata. */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  /** Each tensor's dtype in the file (its values are float32 in `tensors` whatever the dtype). */
  dtypes: Record<string, string>;
}

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The raw little-endian bytes of a float32 array. */
function toLittleEndianBytes(data: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/** float32 values from little-endian bytes (copied into a fresh, aligned array). */
function fromLittleEndianBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  if (littleEndianHost) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** Bytes per element of each dtype read, and how to read element i as a number. */
const DTYPES: Record<string, { bytes: number; read: (v: DataView, at: number) => number }> = {
  F32: { bytes: 4, read: (v, at) => v.getFloat32(at, true) },
  F64: { bytes: 8, read: (v, at) => v.getFloat64(at, true) },
  F16: { bytes: 2, read: (v, at) => halfToFloat(v.getUint16(at, true)) },
  BF16: { bytes: 2, read: (v, at) => new Float32Array(new Uint32Array([v.getUint16(at, true) << 16]).buffer)[0] },
  I64: { bytes: 8, read: (v, at) => Number(v.getBigInt64(at, true)) },
  I32: { bytes: 4, read: (v, at) => v.getInt32(at, true) },
  I16: { bytes: 2, read: (v, at) => v.getInt16(at, true) },
  I8: { bytes: 1, read: (v, at) => v.getInt8(at) },
  U8: { bytes: 1, read: (v, at) => v.getUint8(at) },
  BOOL: { bytes: 1, read: (v, at) => (v.getUint8(at) ? 1 : 0) },
};

/** The dtypes {@link decodeSafetensors} reads (each converted to float32). */
export const SAFETENSORS_DTYPES: readonly string[] = Object.keys(DTYPES);

/** An IEEE 754 half-precision value (its 16 bits) as a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float32 values of `bytes` holding little-endian elements of `dtype`. */
function toFloat32(bytes: Uint8Array, dtype: string): Float32Array {
  if (dtype === 'F32') return fromLittleEndianBytes(bytes);
  const { bytes: size, read } = DTYPES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / size);
  for (let i = 0; i < out.length; i++) out[i] = read(view, i * size);
  return out;
}

/** Serializes tensors and metadata to safetensors bytes (header + data). */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
  what = 'safetensors',
): Buffer {
  if (!tensors || typeof tensors !== 'object') throw new Error(`${what}: tensors must be an object of name -> Tensor`);
  const header: Record<string, unknown> = {};
  if (metadata && typeof metadata === 'object' && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`${what}: metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = { ...metadata };
  } else if (metadata !== undefined && (metadata === null || typeof metadata !== 'object')) {
    throw new Error(`${what}: metadata must be an object of string -> string`);
  }
  const entries = Object.entries(tensors);
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '' || name === '__metadata__') throw new Error(`${what}: invalid tensor name "${name}"`);
    if (!(t instanceof Tensor)) throw new Error(`${what}: "${name}" is not a Tensor`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.size * 4] };
    offset += t.size * 4;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const [, t] of entries) {
    out.set(toLittleEndianBytes(t.device === 'cpu' ? t.data : t.toFloat32Array()), at); // device tensors: a host copy
    at += t.size * 4;
  }
  return out;
}

/**
 * Parses and validates safetensors bytes (every dtype of SAFETENSORS_DTYPES, read as float32); errors
 * start with `what` (the file name).
 */
export function decodeSafetensors(buf: Uint8Array, what = 'safetensors'): SafetensorsContents {
  const fail = (msg: string): never => {
    throw new Error(`${what}: ${msg}`);
  };
  if (buf.length < 8) fail(`file is ${buf.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(n64);
  if (n < 2) fail(`header length ${n} is too small for a JSON object`);
  if (8 + n > buf.length) fail(`header length ${n} runs past the end of the ${buf.length}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, n).toString('utf8'));
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('header must be a JSON object');
  const dataStart = 8 + n;
  const dataLength = buf.length - dataStart;
  const metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number; shape: number[]; dtype: string }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!info || typeof info !== 'object' || Array.isArray(info)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ "${k}" must be a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!e || typeof e !== 'object') fail(`entry "${name}" must be an object`);
    if (typeof e.dtype !== 'string' || !Object.hasOwn(DTYPES, e.dtype))
      fail(
        `tensor "${name}" has dtype ${JSON.stringify(e.dtype)}; supported dtypes are ${SAFETENSORS_DTYPES.join(', ')}`,
      );
    const dtype = e.dtype as string;
    const size = DTYPES[dtype].bytes;
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    }
    const offs = e.data_offsets;
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      offs.some((o) => !Number.isSafeInteger(o) || o < 0) ||
      offs[0] > offs[1]
    ) {
      fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as number[];
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== numel * size) {
      fail(
        `tensor "${name}" of shape [${(shape as number[]).join(', ')}] needs ${numel * size} bytes but data_offsets [${begin}, ${end}] hold ${end - begin} (dtype ${dtype}, ${size} bytes per element)`,
      );
    }
    if (end > dataLength)
      fail(`tensor "${name}" data_offsets [${begin}, ${end}] run past the ${dataLength} data bytes (truncated?)`);
    spans.push({ name, begin, end, shape: shape as number[], dtype });
  }
  // The data must be covered exactly: sorted spans contiguous from 0 to the end of the file.
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const s of sorted) {
    if (s.begin < expected) fail(`tensor "${s.name}" data_offsets [${s.begin}, ${s.end}] overlap the previous tensor`);
    if (s.begin > expected)
      fail(`gap in the data before tensor "${s.name}" (bytes ${expected}..${s.begin} belong to no tensor)`);
    expected = s.end;
  }
  if (expected !== dataLength) fail(`the tensors cover ${expected} data bytes but the file holds ${dataLength}`);
  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, string> = {};
  for (const s of spans) {
    const bytes = buf.subarray(dataStart + s.begin, dataStart + s.end);
    tensors[s.name] = new Tensor(toFloat32(bytes, s.dtype), s.shape);
    dtypes[s.name] = s.dtype;
  }
  return { tensors, metadata, dtypes };
}

/**
 * Writes `tensors` (and optional string `metadata`) to `file` as safetensors, atomically: the bytes
 * go to a temporary file in the same folder, which is fsynced and renamed over `file`; then the
 * folder is fsynced. On any error the temporary file is removed and `file` is left as it was.
 */
export function saveSafetensors(
  file: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): void {
  const bytes = encodeSafetensors(tensors, metadata, `saveSafetensors(${file})`);
  writeFileAtomic(file, bytes);
}

/**
 * Reads and validates a safetensors file; tensors of every dtype in SAFETENSORS_DTYPES come back as
 * float32 (I64 counters such as PyTorch's num_batches_tracked included). Every failure names the file.
 */
export function loadSafetensors(file: string): SafetensorsContents {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`loadSafetensors(${file}): ${(e as Error).message}`);
  }
  return decodeSafetensors(buf, `loadSafetensors(${file})`);
}
