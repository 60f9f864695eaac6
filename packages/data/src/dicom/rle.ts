// DICOM RLE Lossless (PS3.5 annex G): a 64-byte header of segment offsets, then one PackBits-coded segment per
// byte plane (most significant byte first), decoded into the native little-endian pixel layout.

/**
 * Decodes one RLE frame of `rows × columns` pixels of `bytesPerPixel` bytes (one sample) into little-endian
 * native pixel bytes; throws on a header or segment that does not fit the frame.
 */
export function decodeRleFrame(frame: Uint8Array, pixels: number, bytesPerPixel: number): Uint8Array {
  if (frame.length < 64) throw new Error(`RLE frame of ${frame.length} bytes is shorter than its 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerPixel)
    throw new Error(`RLE frame has ${segments} segments, ${bytesPerPixel} expected (one per byte of a pixel)`);
  const out = new Uint8Array(pixels * bytesPerPixel);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || end < start)
      throw new Error(`RLE segment ${s} at bytes ${start}..${end} lies outside the frame of ${frame.length} bytes`);
    // Segment s holds byte (bytesPerPixel - 1 - s) of each pixel: the most significant first.
    const lane = bytesPerPixel - 1 - s;
    let p = 0;
    let i = start;
    while (p < pixels && i < end) {
      const n = (frame[i++] << 24) >> 24; // as int8
      if (n >= 0) {
        const count = n + 1;
        if (i + count > end || p + count > pixels) throw new Error(`RLE segment ${s}: a literal run overruns`);
        for (let k = 0; k < count; k++) out[p++ * bytesPerPixel + lane] = frame[i++];
      } else if (n !== -128) {
        const count = 1 - n;
        if (i >= end || p + count > pixels) throw new Error(`RLE segment ${s}: a repeat run overruns`);
        const b = frame[i++];
        for (let k = 0; k < count; k++) out[p++ * bytesPerPixel + lane] = b;
      }
    }
    if (p !== pixels) throw new Error(`RLE segment ${s} decodes to ${p} of ${pixels} pixels`);
  }
  return out;
}
