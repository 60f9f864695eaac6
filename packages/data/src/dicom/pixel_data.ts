// The pixel data of one DICOM slice as Hounsfield units: native (little or big endian) or RLE-coded samples of
// 8, 16 or 32 bits, the stored bits taken from under HighBit and sign-extended when PixelRepresentation is 1,
// then value = stored · RescaleSlope + RescaleIntercept.
import * as dicomParser from 'dicom-parser';
import type { DicomSlice } from './dicom_file';
import { decodeRleFrame } from './rle';
import { pixelEncoding } from './transfer_syntax';

/** Checks the pixel format of `s` is one nodulab decodes; throws saying which field is not. */
export function checkPixelFormat(s: DicomSlice): void {
  if (![8, 16, 32].includes(s.bitsAllocated))
    throw new Error(`BitsAllocated ${s.bitsAllocated} is not supported (8, 16 or 32)`);
  if (!(s.bitsStored >= 1 && s.bitsStored <= s.bitsAllocated))
    throw new Error(`BitsStored ${s.bitsStored} must be in 1..BitsAllocated (${s.bitsAllocated})`);
  if (!(s.highBit >= s.bitsStored - 1 && s.highBit < s.bitsAllocated))
    throw new Error(`HighBit ${s.highBit} must be in BitsStored − 1 (${s.bitsStored - 1})..BitsAllocated − 1`);
  const encoding = pixelEncoding(s.transferSyntax);
  // What the file holds must be able to give rows × columns samples (RLE: at most 64 bytes from each 2 coded),
  // checked before the series' grid is allocated.
  const need = s.rows * s.columns * (s.bitsAllocated / 8);
  const enough = encoding === 'rle' ? s.pixelBytes * 64 >= need : s.pixelBytes >= need;
  if (!enough)
    throw new Error(
      `truncated pixel data: ${s.pixelBytes} bytes, ${s.rows}×${s.columns} pixels of ${s.bitsAllocated / 8} ` +
        `bytes need ${need}${encoding === 'rle' ? ' (RLE-coded: at least 1/64 of that)' : ''}`,
    );
}

/** The raw sample bytes of the slice (little-endian for native-le and RLE, big-endian for native-be). */
function sampleBytes(ds: dicomParser.DataSet, s: DicomSlice, bytesPer: number): Uint8Array {
  const el = ds.elements.x7fe00010;
  const pixels = s.rows * s.columns;
  const need = pixels * bytesPer;
  const bytes = ds.byteArray;
  if (pixelEncoding(s.transferSyntax) === 'rle') {
    if (!el.encapsulatedPixelData || !el.fragments?.length)
      throw new Error('RLE pixel data is not encapsulated in fragments');
    for (const f of el.fragments)
      if (el.dataOffset + f.offset + f.length > bytes.length) throw new Error('an RLE fragment runs past the file end');
    let frame: Uint8Array;
    try {
      frame = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, el.fragments.length);
    } catch (e) {
      throw new Error(`unreadable RLE pixel data: ${e instanceof Error ? e.message : String(e)}`);
    }
    return decodeRleFrame(frame, pixels, bytesPer);
  }
  if (el.encapsulatedPixelData) throw new Error('encapsulated pixel data in a native transfer syntax');
  if (el.length < need || el.dataOffset + need > bytes.length)
    throw new Error(
      `truncated pixel data: ${Math.min(el.length, bytes.length - el.dataOffset)} bytes, ` +
        `${s.rows}×${s.columns} pixels of ${bytesPer} bytes need ${need}`,
    );
  return bytes.subarray(el.dataOffset, el.dataOffset + need);
}

/**
 * Writes the slice's `rows × columns` values (column index fastest, as stored) in Hounsfield units — or the
 * modality's units after its rescale — into `out` from `offset`. Throws (without the file's name) on pixel data
 * that is missing, truncated or not decodable.
 */
export function decodeSlicePixels(ds: dicomParser.DataSet, s: DicomSlice, out: Float32Array, offset: number): void {
  checkPixelFormat(s);
  const bytesPer = s.bitsAllocated / 8;
  const raw = sampleBytes(ds, s, bytesPer);
  const le = pixelEncoding(s.transferSyntax) !== 'native-be';
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shift = s.highBit + 1 - s.bitsStored;
  const bits = s.bitsStored;
  const mask = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  const signBit = 2 ** (bits - 1);
  const { rescaleSlope: slope, rescaleIntercept: intercept } = s;
  const pixels = s.rows * s.columns;
  for (let p = 0; p < pixels; p++) {
    const word = bytesPer === 1 ? raw[p] : bytesPer === 2 ? view.getUint16(2 * p, le) : view.getUint32(4 * p, le);
    // Unsigned arithmetic throughout: >>> and a division-free mask keep 32-bit words non-negative.
    let v = ((word >>> shift) & mask) >>> 0;
    if (s.signed && v >= signBit) v -= 2 * signBit;
    out[offset + p] = v * slope + intercept;
  }
}
