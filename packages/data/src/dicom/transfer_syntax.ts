// DICOM transfer syntaxes nodulab meets in CT series: which it decodes (native little/big endian, RLE) and the
// names of the compressed ones it refuses, so an error can say what the file holds and what to do.

/** How nodulab decodes the pixel data of a transfer syntax. */
export type PixelEncoding = 'native-le' | 'native-be' | 'rle';

/** The transfer syntaxes nodulab decodes, by UID. */
export const DECODED_TRANSFER_SYNTAXES: Readonly<Record<string, { name: string; encoding: PixelEncoding }>> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encoding: 'native-le' },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encoding: 'native-le' },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian (retired)', encoding: 'native-be' },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encoding: 'rle' },
};

/** Names of transfer syntaxes nodulab recognises but does not decode. */
const REFUSED: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Lossy (Near-Lossless)',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000 Image Compression',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
};

/** A transfer syntax's name: "JPEG 2000 Image Compression (Lossless Only)", or "unknown" for one not listed. */
export function transferSyntaxName(uid: string): string {
  return DECODED_TRANSFER_SYNTAXES[uid]?.name ?? REFUSED[uid] ?? 'unknown';
}

/**
 * How to decode pixel data of transfer syntax `uid`; throws for a compressed one nodulab does not decode,
 * naming its UID and name (e.g. "transfer syntax 1.2.840.10008.1.2.4.70 (JPEG Lossless, ...) is not supported").
 */
export function pixelEncoding(uid: string): PixelEncoding {
  const known = DECODED_TRANSFER_SYNTAXES[uid];
  if (known) return known.encoding;
  throw new Error(
    `transfer syntax ${uid} (${transferSyntaxName(uid)}) is not supported: nodulab decodes ` +
      `${Object.values(DECODED_TRANSFER_SYNTAXES)
        .map((t) => t.name)
        .join(', ')}; decompress the series first (e.g. \`gdcmconv --raw\` or \`dcmdjpeg\`)`,
  );
}
