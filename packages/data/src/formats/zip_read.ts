// Zip archive reading for .npz: the central directory (zip64 sizes too, as numpy writes them) parsed with
// every offset checked against the file, its entry count bounded and entries that share bytes (the trick of
// overlapping zip bombs) refused, and each entry's data stored or inflated no further than bounds.
import { crc32 } from './crc32';
import { inflateBounded } from './inflate_bounded';
import { INPUT_LIMIT_ENV } from './input_limits';

/** One file in the archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local file header. */
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

/**
 * The entries of a zip archive; `fail` throws naming the archive. More than `maxEntries` entries fail before
 * any is read; so do two entries whose local header and data overlap.
 */
export function zipEntries(bytes: Uint8Array, fail: (msg: string) => never, maxEntries: number): ZipEntry[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (v.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('not a zip archive (no end-of-central-directory record; truncated or not an .npz)');
  const count = v.getUint16(eocd + 10, true);
  if (count > maxEntries)
    fail(`holds ${count} entries, over the limit of ${maxEntries} (maxNpzEntries, ${INPUT_LIMIT_ENV.maxNpzEntries})`);
  let p = v.getUint32(eocd + 16, true);
  const entries: ZipEntry[] = [];
  for (let k = 0; k < count; k++) {
    const bad = (why: string): never => fail(`corrupt zip central directory (entry ${k}: ${why})`);
    if (p + 46 > bytes.length || v.getUint32(p, true) !== CENTRAL) bad(`no record at offset ${p}`);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > bytes.length) bad(`its name and fields run past the end of the file`);
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + p + 46, nameLen).toString('utf8');
    let size = v.getUint32(p + 24, true);
    let compressedSize = v.getUint32(p + 20, true);
    let localOffset = v.getUint32(p + 42, true);
    // zip64 extended information (id 1): 8-byte values for the fields that read 0xffffffff, in this order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len || q + 8 > bytes.length) bad('short zip64 field');
          const x = Number(v.getBigUint64(q, true));
          q += 8;
          return x;
        };
        if (size === U32_MAX) size = next();
        if (compressedSize === U32_MAX) compressedSize = next();
        if (localOffset === U32_MAX) localOffset = next();
      }
      e += 4 + len;
    }
    entries.push({
      name,
      method: v.getUint16(p + 10, true),
      crc: v.getUint32(p + 16, true),
      compressedSize,
      size,
      localOffset,
    });
    p = end;
  }
  checkNoOverlap(entries, fail);
  return entries;
}

/** Fails when two entries' local header and data (at least 30 + compressedSize bytes each) overlap. */
function checkNoOverlap(entries: readonly ZipEntry[], fail: (msg: string) => never): void {
  const sorted = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1];
    const b = sorted[k];
    if (b.localOffset < a.localOffset + 30 + a.compressedSize)
      fail(`entries "${a.name}" and "${b.name}" share bytes (overlapping entries: a zip bomb, or a corrupt file)`);
  }
}

/**
 * The bytes of `entry`, CRC-checked. A deflated entry is inflated no further than its declared size, or
 * than `limit(head)` of its first `headBytes` bytes when that is smaller (the format inside declares it);
 * more than `maxBytes` fails before inflating.
 */
export function zipEntryData(
  bytes: Uint8Array,
  entry: ZipEntry,
  headBytes: number,
  limit: (head: Uint8Array) => number,
  fail: (msg: string) => never,
  maxBytes: number,
): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = `entry "${entry.name}"`;
  const p = entry.localOffset;
  if (p + 30 > bytes.length || v.getUint32(p, true) !== LOCAL) fail(`${at}: no local header at offset ${p}`);
  const start = p + 30 + v.getUint16(p + 26, true) + v.getUint16(p + 28, true);
  if (start + entry.compressedSize > bytes.length)
    fail(`${at}: its ${entry.compressedSize} bytes of data run past the end of the file`);
  const raw = bytes.subarray(start, start + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) {
    data = inflateBounded(
      raw,
      'raw',
      headBytes,
      (head) => Math.min(entry.size, limit(head)),
      (msg) => fail(`${at}: ${msg}`),
      { maxDecodedBytes: maxBytes },
    );
  } else return fail(`${at}: compression method ${entry.method} is not supported (stored or deflate only)`);
  if (data.length !== entry.size)
    fail(`${at}: holds ${data.length} bytes, the zip declares ${entry.size} (corrupt file)`);
  if (crc32(data) !== entry.crc) fail(`${at} fails its CRC check (corrupt file)`);
  return data;
}
