// NumPy .npz archives (a zip of name.npy entries, stored or deflated): read with every entry's CRC checked,
// its inflation bounded (zip_read), the entry count and the bytes of all entries together within the input
// limits, and write through fflate (np.savez layout). Errors name the file.
import { zipSync } from 'fflate';
import { writeFileAtomic } from '@nodulab/platform';
import { InputLimits, byteLimitError, inputLimits } from './input_limits';
import { NpyArray, NpyDtype, decodeNpy, encodeNpy, npyByteLength } from './npy';
import { readBytes } from './read_bytes';
import { zipEntries, zipEntryData } from './zip_read';

/** Arrays by key (the entry name without ".npy"). */
export type NpzArrays = Record<string, NpyArray>;

/** Options for writing an .npz. */
export interface NpzWriteOptions {
  /** Deflate the entries (like np.savez_compressed); default false (stored, like np.savez). */
  compress?: boolean;
}

/** Zip archives without zip64 hold entries below 4 GiB; keep well clear of that. */
const MAX_ENTRY_BYTES = 2 ** 31;

/** Enough of an entry's start to hold a .npy preamble and any header numpy writes. */
const NPY_HEAD_BYTES = 4096;

/**
 * Decodes .npz bytes into arrays by key; `name` appears in every error. Each deflated entry is inflated
 * no further than the zip declares and its .npy header implies, so a small file of zeros is refused. More
 * entries than `maxNpzEntries`, or entries whose bytes add up past `maxDecodedBytes`, fail before the entry
 * that would pass the bound is inflated or copied (see {@link inputLimits}: `limits`, else the environment).
 */
export function decodeNpz(bytes: Uint8Array, name = 'arrays.npz', limits: Partial<InputLimits> = {}): NpzArrays {
  const lim = inputLimits(limits);
  const fail = (msg: string): never => {
    throw new Error(`readNpz ${name}: ${msg}`);
  };
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b)
    fail('bad magic: not a zip archive (an .npz starts with "PK")');
  const out: NpzArrays = {};
  const entries = zipEntries(bytes, fail, lim.maxNpzEntries);
  let total = 0;
  for (const [k, entry] of entries.entries()) {
    if (entry.name.endsWith('/')) continue;
    if (!entry.name.endsWith('.npy')) fail(`entry "${entry.name}" is not a .npy array`);
    const key = entry.name.slice(0, -4);
    if (Object.prototype.hasOwnProperty.call(out, key)) fail(`entry "${entry.name}" appears twice`);
    // The zip's size bounds the entry's inflation (checked below), so the running total holds before it.
    total += entry.size;
    const over = byteLimitError(total, lim, `its entries up to "${entry.name}" (${k + 1} of ${entries.length})`);
    if (over !== null) fail(over);
    const where = `${name}:${entry.name}`;
    const head = (h: Uint8Array) => npyByteLength(h, where) ?? entry.size;
    const data = zipEntryData(bytes, entry, NPY_HEAD_BYTES, head, fail, lim.maxDecodedBytes);
    out[key] = decodeNpy(data, where, lim);
  }
  return out;
}

/** Reads an .npz file; errors name the file. `limits` as for {@link decodeNpz}. */
export function readNpz(file: string, limits: Partial<InputLimits> = {}): NpzArrays {
  const lim = inputLimits(limits);
  return decodeNpz(readBytes(file, 'readNpz', lim), file, lim);
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
