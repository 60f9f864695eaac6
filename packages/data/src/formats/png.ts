// A minimal PNG writer: 8-bit grayscale or RGB, one IDAT of zlib-deflated scanlines (filter 0),
// IHDR / IDAT / IEND chunks each with its CRC-32.
import * as zlib from 'zlib';
import { crc32 } from './crc32';

/** An 8-bit image: pixels (height, width, channels) row-major; channels 1 (gray) or 3 (RGB). */
export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes an image as PNG bytes. */
export function encodePng(image: RasterImage): Buffer {
  const { width, height, channels, pixels } = image;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width > 2 ** 31 - 1 ||
    height > 2 ** 31 - 1
  ) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width} x ${height}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`encodePng: channels must be 1 or 3, got ${channels}`);
  const row = width * channels;
  if (pixels.length !== row * height)
    throw new Error(`encodePng: ${pixels.length} bytes do not fill ${width} x ${height} x ${channels}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: grayscale or truecolour
  // compression 0 (deflate), filter method 0, interlace 0: already zero.
  const raw = Buffer.alloc((row + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * row, (y + 1) * row), y * (row + 1) + 1); // filter byte 0
  return Buffer.concat([
    Buffer.from(SIGNATURE),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
