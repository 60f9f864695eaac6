// PNG writer and preview mosaic: the bytes are decoded back here (chunks parsed, CRCs checked with
// zlib.crc32, IDAT inflated, scanlines unfiltered) and compared pixel by pixel; the mosaic shows the
// orthogonal slices through the nodule with its outline in red.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { NoduleGenerator, RasterImage, encodePng, renderPreview, writePreview } from '../src';

/** Decodes an 8-bit gray or RGB, non-interlaced PNG with filter type 0 rows (what encodePng writes). */
function decodePng(bytes: Buffer): RasterImage & { chunks: string[] } {
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | null = null;
  let p = 8;
  while (p < bytes.length) {
    const len = bytes.readUInt32BE(p);
    const type = bytes.toString('latin1', p + 4, p + 8);
    const data = bytes.subarray(p + 8, p + 8 + len);
    expect(bytes.readUInt32BE(p + 8 + len)).toBe(zlib.crc32(bytes.subarray(p + 4, p + 8 + len)));
    chunks.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    p += 12 + len;
  }
  expect(p).toBe(bytes.length);
  if (ihdr === null) throw new Error('no IHDR');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect(ihdr[8]).toBe(8);
  expect([0, 2]).toContain(ihdr[9]);
  expect([ihdr[10], ihdr[11], ihdr[12]]).toEqual([0, 0, 0]);
  const channels = ihdr[9] === 0 ? 1 : 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const row = width * channels;
  expect(raw.length).toBe((row + 1) * height);
  const pixels = new Uint8Array(row * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (row + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (row + 1) + 1, (y + 1) * (row + 1)), y * row);
  }
  return { width, height, channels, pixels, chunks };
}

describe('encodePng', () => {
  it.each<[string, number, number, 1 | 3]>([
    ['gray 7x5', 7, 5, 1],
    ['RGB 3x4', 3, 4, 3],
    ['gray 1x1', 1, 1, 1],
    ['RGB 300x2', 300, 2, 3],
  ])('%s decodes back to the same pixels', (_, width, height, channels) => {
    const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37 + 11) % 256);
    const png = decodePng(encodePng({ width, height, channels, pixels }));
    expect(png.chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([png.width, png.height, png.channels]).toEqual([width, height, channels]);
    expect(png.pixels).toEqual(pixels);
  });

  it.each<[string, RasterImage, RegExp]>([
    [
      'zero width',
      { width: 0, height: 1, channels: 1, pixels: new Uint8Array(0) },
      /width and height must be positive integers/,
    ],
    ['2 channels', { width: 1, height: 1, channels: 2 as 1, pixels: new Uint8Array(2) }, /channels must be 1 or 3/],
    [
      'short pixels',
      { width: 2, height: 2, channels: 3, pixels: new Uint8Array(11) },
      /11 bytes do not fill 2 x 2 x 3/,
    ],
  ])('rejects %s', (_, image, message) => {
    expect(() => encodePng(image)).toThrow(message);
  });
});

describe('preview mosaic', () => {
  it('lays out 3 panels per sample, gray slices through the centre, red mask outline', () => {
    // A synthetic volume: intensity = x / (W - 1); a cube mask of 4^3 voxels around the centre.
    const shape = [8, 10, 12];
    const volume = new Float32Array(8 * 10 * 12);
    const mask = new Uint8Array(volume.length);
    for (let z = 0; z < 8; z++)
      for (let y = 0; y < 10; y++)
        for (let x = 0; x < 12; x++) {
          const i = (z * 10 + y) * 12 + x;
          volume[i] = x / 11;
          mask[i] = z >= 2 && z < 6 && y >= 3 && y < 7 && x >= 4 && x < 8 ? 1 : 0;
        }
    const item = { shape, spacing: [1, 1, 1], volume, mask, centre: [4, 5, 6] };
    const img = renderPreview([item, { ...item, mask: null }], { panelSize: 24, columns: 1, gap: 2 });
    // 24 px per 12 mm: 2 px per mm. Tile: axial 24 wide, coronal 24, sagittal 20, 4 gaps; 2 rows of tiles.
    expect(img.width).toBe(2 + 24 + 2 + 24 + 2 + 20 + 2);
    expect(img.height).toBe(2 + 20 + 2 + 20 + 2);
    const px = (x: number, y: number): number[] =>
      Array.from(img.pixels.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    // Axial panel at (2, 2): pixel column c shows voxel x = floor(c / 2); far from the mask, gray = x/11.
    expect(px(2 + 21, 2 + 1)).toEqual(Array(3).fill(Math.round((255 * 10) / 11)));
    expect(px(2, 2)).toEqual([0, 0, 0]);
    // Mask x 4..7 -> pixels 8..15, y 3..6 -> rows 6..13: its edge is red, its inside is gray.
    expect(px(2 + 8, 2 + 10)).toEqual([255, 48, 48]);
    expect(px(2 + 15, 2 + 6)).toEqual([255, 48, 48]);
    expect(px(2 + 11, 2 + 10)).toEqual(Array(3).fill(Math.round((255 * 5) / 11)));
    // The sample without mask has no red at all.
    const red = (y0: number, y1: number): number => {
      let count = 0;
      for (let y = y0; y < y1; y++) for (let x = 0; x < img.width; x++) if (px(x, y).join() === '255,48,48') count++;
      return count;
    };
    expect(red(0, 22)).toBeGreaterThan(3 * 20);
    expect(red(22, img.height)).toBe(0);
    // Gaps are background.
    expect(px(0, 0)).toEqual([32, 32, 32]);
  });

  it('writes a PNG of generated samples', () => {
    const gen = new NoduleGenerator(
      { name: 'tiny', volume: { shape: [16, 16, 16] }, factors: { diameter: { uniform: [5, 8] } } },
      3,
    );
    const samples = gen.batch('train', [0, 1, 2]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-png-'));
    try {
      const file = path.join(dir, 'preview.png');
      writePreview(
        file,
        samples.map((s) => ({ shape: s.shape, spacing: s.spacing, volume: s.volume, mask: s.mask, centre: s.centre })),
      );
      const png = decodePng(fs.readFileSync(file));
      expect(png.channels).toBe(3);
      expect(png.width).toBeGreaterThan(3 * 96);
      expect(png.height).toBeGreaterThan(2 * 96);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scales anisotropic spacing to millimetres', () => {
    const item = { shape: [4, 8, 8], spacing: [3, 1, 1], volume: new Float32Array(256), mask: null, centre: null };
    const img = renderPreview([item], { panelSize: 24, gap: 0 });
    // 12 mm in z and 8 mm in y, x at 2 px/mm: axial 16x16, coronal 24 rows x 16, sagittal 24 x 16.
    expect([img.width, img.height]).toEqual([48, 24]);
  });

  it('rejects bad input', () => {
    expect(() => renderPreview([])).toThrow(/no samples/);
    expect(() => renderPreview([{ shape: [2, 2, 2], spacing: [1, 1, 1], volume: new Float32Array(7) }])).toThrow(
      /sample 0 has shape/,
    );
  });
});
