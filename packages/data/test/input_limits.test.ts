// Input limits: a file's header never decides how much nodulab allocates. A 356-byte NIfTI whose voxels
// claim 1950 mm is refused when resampled to 1 mm (it would need 27 GiB); dims past maxVoxels, an .npz of
// many entries, entries adding up past maxDecodedBytes, overlapping entries and an oversized .npy are
// errors naming the file, raised at once with the process's memory unmoved. Limits come from options, else
// NODULAB_MAX_VOXELS / NODULAB_MAX_DECODED_BYTES / NODULAB_MAX_NPZ_ENTRIES, else the defaults.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { crc32 } from '../src/formats/crc32';
import {
  DEFAULT_INPUT_LIMITS,
  decodeNpz,
  encodeNifti,
  encodeNpy,
  encodeNpz,
  inputLimits,
  readNifti,
  readNpy,
  readNpz,
  resampleLinear,
  resampleMaps,
} from '../src';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-limits-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `fn`, expecting it to throw; returns the message, the ms it took and the RSS it added (MiB). */
function refused(fn: () => unknown): { message: string; ms: number; rssMiB: number } {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  let message = '';
  try {
    fn();
  } catch (e) {
    message = (e as Error).message;
  }
  return { message, ms: performance.now() - t0, rssMiB: (process.memoryUsage().rss - rss0) / 2 ** 20 };
}

/** A zip of `entries` (each deflated or stored); `at` lets central records point at another entry's bytes. */
function zip(entries: { name: string; data: Buffer; deflate?: boolean; at?: number }[]): Buffer {
  const memo = new Map<Buffer, { body: Buffer; crc: number }>(); // one deflate and CRC per distinct array
  const packed = (b: Buffer) => memo.get(b) ?? memo.set(b, { body: zlib.deflateRawSync(b), crc: crc32(b) }).get(b)!;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const e of entries) {
    const { body: deflated, crc } = packed(e.data);
    const body = e.deflate ? deflated : e.data;
    const n = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const own = e.at === undefined;
    offsets.push(own ? offset : offsets[e.at as number]);
    if (own) {
      locals.push(local, n, body);
      offset += 30 + n.length + body.length;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offsets[offsets.length - 1], 42);
    centrals.push(central, n);
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** An .npy of `n` zero bytes (uint8). */
const zerosNpy = (n: number): Buffer => Buffer.from(encodeNpy({ dtype: 'uint8', shape: [n], data: new Uint8Array(n) }));

describe('a tiny NIfTI with huge voxels', () => {
  const tiny = (mm: number): Buffer => encodeNifti([1, 1, 1], [mm, mm, mm], [0]);

  it('reads (one voxel), but resampling it to 1 mm is an error naming the file, before any allocation', () => {
    const file = path.join(dir, 'tiny.nii');
    fs.writeFileSync(file, tiny(1950));
    expect(fs.statSync(file).size).toBe(356);
    const vol = readNifti(file);
    expect(vol.shape).toEqual([1, 1, 1]);
    const r = refused(() =>
      resampleLinear(vol.data, vol.shape, resampleMaps(vol.shape, vol.spacing, [1, 1, 1], { name: file })),
    );
    expect(r.message).toBe(
      `${file}: resampled from (1×1×1) voxels of (1950, 1950, 1950) mm to (1, 1, 1) mm, the grid (1950×1950×1950) ` +
        'needs 7414875000 voxels (27.62 GiB as float32), over the limit of 268435456 (maxVoxels, NODULAB_MAX_VOXELS)',
    );
    expect(r.ms).toBeLessThan(1000);
    expect(r.rssMiB).toBeLessThan(64);
  });

  it('obeys maxVoxels from the options, else NODULAB_MAX_VOXELS', () => {
    const shape = [1, 1, 1];
    // 480 mm: 400^3 = 64M voxels (0.24 GiB), within the default.
    expect(resampleMaps(shape, [480, 480, 480], [1.2, 1.2, 1.2]).map((m) => m.size)).toEqual([400, 400, 400]);
    expect(() => resampleMaps(shape, [480, 480, 480], [1.2, 1.2, 1.2], { limits: { maxVoxels: 256 ** 3 } })).toThrow(
      /^resampleMaps: .* needs 64000000 voxels \(244\.1 MiB as float32\), over the limit of 16777216/,
    );
    process.env.NODULAB_MAX_VOXELS = String(256 ** 3);
    try {
      expect(() => resampleMaps(shape, [480, 480, 480], [1.2, 1.2, 1.2])).toThrow(/over the limit of 16777216/);
      expect(resampleMaps(shape, [480, 480, 480], [1.2, 1.2, 1.2], { limits: { maxVoxels: 400 ** 3 } })).toHaveLength(
        3,
      );
      process.env.NODULAB_MAX_VOXELS = '1e3x';
      expect(() => resampleMaps(shape, [2, 2, 2], [1, 1, 1])).toThrow(
        'NODULAB_MAX_VOXELS="1e3x": must be a positive integer, got NaN',
      );
    } finally {
      delete process.env.NODULAB_MAX_VOXELS;
    }
  });

  it('refuses dims past maxVoxels before reading or inflating the voxels', () => {
    const big = Buffer.from(encodeNifti([4, 4, 4], [1, 1, 1], new Float32Array(64), { datatype: 'uint8' }));
    [3, 128, 128, 128].forEach((d, k) => big.writeInt16LE(d, 40 + 2 * k));
    const gz = zlib.gzipSync(Buffer.concat([big.subarray(0, 352), Buffer.alloc(128 ** 3)]), { level: 1 });
    const file = path.join(dir, 'big.nii.gz');
    fs.writeFileSync(file, gz);
    const r = refused(() => readNifti(file, { maxVoxels: 2 ** 20 }));
    expect(r.message).toBe(
      `readNifti ${file}: its dims (128×128×128) needs 2097152 voxels (8.0 MiB as float32), over the limit ` +
        'of 1048576 (maxVoxels, NODULAB_MAX_VOXELS)',
    );
    expect(readNifti(file).shape).toEqual([128, 128, 128]);
  });
});

describe('.npz bounds', () => {
  it('refuses more entries than maxNpzEntries before reading any, naming the file', () => {
    const many = Buffer.from(
      encodeNpz(
        Object.fromEntries(
          Array.from({ length: 2000 }, (_, k) => [`a${k}`, { dtype: 'uint8', shape: [1], data: [k & 255] }]),
        ),
      ),
    );
    const file = path.join(dir, 'many.npz');
    fs.writeFileSync(file, many);
    const r = refused(() => readNpz(file));
    expect(r.message).toBe(
      `readNpz ${file}: holds 2000 entries, over the limit of 1024 (maxNpzEntries, NODULAB_MAX_NPZ_ENTRIES)`,
    );
    expect(r.ms).toBeLessThan(1000);
    expect(Object.keys(readNpz(file, { maxNpzEntries: 2000 }))).toHaveLength(2000);
    process.env.NODULAB_MAX_NPZ_ENTRIES = '10';
    try {
      expect(() => decodeNpz(encodeNpz({ a: { dtype: 'uint8', shape: [1], data: [1] } }), 'one.npz')).not.toThrow();
      expect(() => readNpz(file)).toThrow(/holds 2000 entries, over the limit of 10 \(maxNpzEntries/);
    } finally {
      delete process.env.NODULAB_MAX_NPZ_ENTRIES;
    }
  });

  it('refuses entries adding up past maxDecodedBytes before inflating the one that passes it', () => {
    // Eight 1 MiB entries of zeros, about 1 KiB each deflated: 8 MiB if inflated, 4 MiB allowed.
    const npy = zerosNpy(2 ** 20);
    const bomb = zip(Array.from({ length: 8 }, (_, k) => ({ name: `x${k}.npy`, data: npy, deflate: true })));
    expect(bomb.length).toBeLessThan(16 * 1024);
    const file = path.join(dir, 'total.npz');
    fs.writeFileSync(file, bomb);
    expect(() => readNpz(file, { maxDecodedBytes: 4 * 2 ** 20 })).toThrow(
      `readNpz ${file}: its entries up to "x3.npy" (4 of 8) needs ${4 * npy.length} bytes (4.0 MiB), over the ` +
        `limit of ${4 * 2 ** 20} (maxDecodedBytes, NODULAB_MAX_DECODED_BYTES)`,
    );
    expect(Object.keys(readNpz(file, { maxDecodedBytes: 8 * npy.length }))).toHaveLength(8);
  });

  it('refuses entries that share their bytes (an overlapping zip bomb), before inflating any', () => {
    const npy = zerosNpy(4 * 2 ** 20);
    const bomb = zip([
      { name: 'a.npy', data: npy, deflate: true },
      ...Array.from({ length: 200 }, (_, k) => ({ name: `b${k}.npy`, data: npy, deflate: true, at: 0 })),
    ]);
    expect(bomb.length).toBeLessThan(32 * 1024); // 201 × 4 MiB = 804 MiB if each entry were inflated
    const file = path.join(dir, 'overlap.npz');
    fs.writeFileSync(file, bomb);
    const r = refused(() => readNpz(file));
    expect(r.message).toBe(
      `readNpz ${file}: entries "a.npy" and "b0.npy" share bytes (overlapping entries: a zip bomb, or a corrupt file)`,
    );
    expect(r.ms).toBeLessThan(1000);
    expect(r.rssMiB).toBeLessThan(64);
  });

  it('still reads an archive with stored and deflated entries within the limits', () => {
    const a = zerosNpy(1000);
    const out = decodeNpz(
      zip([
        { name: 's.npy', data: a },
        { name: 'd.npy', data: a, deflate: true },
      ]),
      'ok.npz',
      {
        maxDecodedBytes: 2 * a.length,
        maxNpzEntries: 2,
      },
    );
    expect(out.s.shape).toEqual([1000]);
    expect(out.d.data.length).toBe(1000);
    expect(() =>
      decodeNpz(
        zip([
          { name: 's.npy', data: a },
          { name: 'd.npy', data: a },
        ]),
        'ok.npz',
        {
          maxDecodedBytes: 2 * a.length - 1,
        },
      ),
    ).toThrow(/readNpz ok\.npz: its entries up to "d\.npy" \(2 of 2\) needs/);
  });
});

describe('.npy bounds', () => {
  it('refuses a file larger than maxDecodedBytes without reading it, and a shape past it', () => {
    const file = path.join(dir, 'big.npy');
    fs.writeFileSync(file, zerosNpy(4096));
    expect(readNpy(file).shape).toEqual([4096]);
    expect(() => readNpy(file, { maxDecodedBytes: 4096 })).toThrow(
      `readNpy ${file}: the file needs ${fs.statSync(file).size} bytes (${fs.statSync(file).size} bytes), over the ` +
        'limit of 4096 (maxDecodedBytes, NODULAB_MAX_DECODED_BYTES)',
    );
    expect(() => readNifti(file, { maxDecodedBytes: 100 })).toThrow(/^readNifti .*big\.npy: the file needs/);
  });
});

describe('inputLimits', () => {
  it('takes options over the environment over the defaults, and names a bad value', () => {
    expect(inputLimits()).toEqual({ maxVoxels: 2 ** 28, maxDecodedBytes: 2 ** 31, maxNpzEntries: 1024 });
    expect(inputLimits()).toEqual(DEFAULT_INPUT_LIMITS);
    process.env.NODULAB_MAX_DECODED_BYTES = '1048576';
    try {
      expect(inputLimits().maxDecodedBytes).toBe(2 ** 20);
      expect(inputLimits({ maxDecodedBytes: 5 }).maxDecodedBytes).toBe(5);
    } finally {
      delete process.env.NODULAB_MAX_DECODED_BYTES;
    }
    expect(() => inputLimits({ maxVoxels: 0 })).toThrow('maxVoxels: must be a positive integer, got 0');
    expect(() => inputLimits({ maxNpzEntries: 1.5 })).toThrow('maxNpzEntries: must be a positive integer, got 1.5');
  });
});
