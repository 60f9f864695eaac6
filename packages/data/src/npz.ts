// NumPy .npz archives (a zip of name.npy entries, stored or deflated) through fflate: read with every
// entry's CRC checked, and write (np.savez layout; deflated with `compress`). Errors name the file.
import { unzipSync, zipSync } from 'fflate';
import { crc32 } from './crc32';
import { writeFileAtomic } from './nifti';
import { NpyArray, NpyDtype, decodeNpy, encodeNpy } from './npy';
import { readBytes } from './read_bytes';

/** Arrays by key (the entry name without ".npy"). */
export type NpzArrays = Record<string, NpyArray>;

/** Options for writing an .npz. */
export interface NpzWriteOptions {
  /** Deflate the entries (like np.savez_compressed); default false (stored, like np.savez). */
  compress?: boolean;
}

/** Zip archives without zip64 hold entries below 4 GiB; keep well clear of that. */
const MAX_ENTRY_BYTES = 2 ** 31;

/** The CRC-32 of every entry, read from the zip's central directory. */
function centralDirectoryCrcs(bytes: Uint8Array, fail: (msg: string) => never): Map<string, number> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('not a zip archive (no end-of-central-directory record; truncated or not an .npz)');
  const count = v.getUint16(eocd + 10, true);
  let p = v.getUint32(eocd + 16, true);
  const crcs = new Map<string, number>();
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || v.getUint32(p, true) !== 0x02014b50)
      fail(`corrupt zip central directory (entry ${k})`);
    const nameLen = v.getUint16(p + 28, true);
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + p + 46, nameLen).toString('utf8');
    crcs.set(name, v.getUint32(p + 16, true));
    p += 46 + nameLen + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
  }
  return crcs;
}

/** Decodes .npz bytes into arrays by key; `name` appears in every error. */
export function decodeNpz(bytes: Uint8Array, name = 'arrays.npz'): NpzArrays {
  const fail = (msg: string): never => {
    throw new Error(`readNpz ${name}: ${msg}`);
  };
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b)
    fail('bad magic: not a zip archive (an .npz starts with "PK")');
  const crcs = centralDirectoryCrcs(bytes, fail);
  let entries: Record<string, Uint8Array> = {};
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    fail(`corrupt zip data (${(e as Error).message})`);
  }
  const out: NpzArrays = {};
  for (const [entry, data] of Object.entries(entries)) {
    if (entry.endsWith('/')) continue;
    const crc = crcs.get(entry);
    if (crc === undefined) fail(`entry "${entry}" is missing from the central directory`);
    if (crc32(data) !== crc) fail(`entry "${entry}" fails its CRC check (corrupt file)`);
    if (!entry.endsWith('.npy')) fail(`entry "${entry}" is not a .npy array`);
    out[entry.slice(0, -4)] = decodeNpy(data, `${name}:${entry}`);
  }
  return out;
}

/** Reads an .npz file; errors name the file. */
export function readNpz(file: string): NpzArrays {
  return decodeNpz(readBytes(file, 'readNpz'), file);
}

/** Encodes arrays (key -> {dtype, shape, data}) as .npz bytes. */
export function encodeNpz(
  arrays: Record<string, { dtype: NpyDtype; shape: readonly number[]; data: ArrayLike<number> }>,
  options: NpzWriteOptions = {},
  name = 'arrays.npz',
): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [key, a] of Object.entries(arrays)) {
    if (key.length === 0 || key.includes('/')) throw new Error(`writeNpz ${name}: bad key ${JSON.stringify(key)}`);
    const npy = encodeNpy(a, `${name}:${key}.npy`);
    if (npy.length >= MAX_ENTRY_BYTES)
      throw new Error(`writeNpz ${name}: array "${key}" is ${npy.length} bytes, over the 2 GiB an .npz entry may hold`);
    files[`${key}.npy`] = npy;
  }
  return zipSync(files, { level: options.compress ? 6 : 0 });
}

/** Writes arrays as an .npz file atomically. */
export function writeNpz(
  file: string,
  arrays: Record<string, { dtype: NpyDtype; shape: readonly number[]; data: ArrayLike<number> }>,
  options: NpzWriteOptions = {},
): void {
  writeFileAtomic(file, encodeNpz(arrays, options, file));
}
