// NumPy .npz and the MedMNIST 3D layout: round trips (stored and deflated), a zip built by hand the
// way np.savez stores it, a NoduleMNIST3D-like fixture read as a dataset, and corrupt/truncated files,
// missing keys and wrong dimensions giving errors that name the file.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { DataLoader, decodeNpz, encodeNpy, encodeNpz, openDataset, readMedMNIST, readNpz, writeNpz } from '../src';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-npz-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A little-endian record of `size` bytes: [offset, bytes (2 or 4), value] fields, zero elsewhere. */
function record(size: number, fields: [number, 2 | 4, number][]): Buffer {
  const b = Buffer.alloc(size);
  for (const [at, bytes, value] of fields) {
    if (bytes === 2) b.writeUInt16LE(value, at);
    else b.writeUInt32LE(value, at);
  }
  return b;
}

/** A zip with stored (uncompressed) entries, as np.savez writes: local headers, central directory, end record. */
function storedZip(entries: Record<string, Uint8Array>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const crc = zlib.crc32(data);
    const n = Buffer.from(name);
    const local = record(30, [
      [0, 4, 0x04034b50],
      [4, 2, 20],
      [14, 4, crc],
      [18, 4, data.length],
      [22, 4, data.length],
      [26, 2, n.length],
    ]);
    const cd = record(46, [
      [0, 4, 0x02014b50],
      [4, 2, 20],
      [6, 2, 20],
      [16, 4, crc],
      [20, 4, data.length],
      [24, 4, data.length],
      [28, 2, n.length],
      [42, 4, offset],
    ]);
    locals.push(local, n, Buffer.from(data));
    central.push(cd, n);
    offset += 30 + n.length + data.length;
  }
  const cdBytes = Buffer.concat(central);
  const count = Object.keys(entries).length;
  const end = record(22, [
    [0, 4, 0x06054b50],
    [8, 2, count],
    [10, 2, count],
    [12, 4, cdBytes.length],
    [16, 4, offset],
  ]);
  return Buffer.concat([...locals, cdBytes, end]);
}

/** A NoduleMNIST3D-like layout: uint8 images (N, 28, 28, 28) and labels (N, 1) per split. */
function medmnistArrays(counts: Record<string, number>): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const [split, n] of Object.entries(counts)) {
    const v = 28 ** 3;
    const images = Array.from({ length: n * v }, (_, i) => (i * 31 + n) % 256);
    files[`${split}_images.npy`] = encodeNpy({ dtype: 'uint8', shape: [n, 28, 28, 28], data: images });
    files[`${split}_labels.npy`] = encodeNpy({
      dtype: 'uint8',
      shape: [n, 1],
      data: Array.from({ length: n }, (_, i) => i % 2),
    });
  }
  return files;
}

describe('npz', () => {
  const arrays = {
    a: { dtype: 'float32' as const, shape: [2, 3], data: [1, 2, 3, 4, 5, 6.25] },
    b: { dtype: 'uint8' as const, shape: [4], data: [0, 1, 254, 255] },
  };

  it.each([[false], [true]])('round trip (compress %s)', (compress) => {
    const file = path.join(dir, 'x.npz');
    writeNpz(file, arrays, { compress });
    const back = readNpz(file);
    expect(Object.keys(back).sort()).toEqual(['a', 'b']);
    expect(back.a.shape).toEqual([2, 3]);
    expect(Array.from(back.a.data)).toEqual(arrays.a.data);
    expect(back.b.dtype).toBe('uint8');
    expect(Array.from(back.b.data)).toEqual(arrays.b.data);
  });

  it('reads a stored zip built by hand', () => {
    const zip = storedZip({ 'w.npy': encodeNpy({ dtype: 'int32', shape: [3], data: [-1, 0, 7] }) });
    const back = decodeNpz(zip, 'hand.npz');
    expect(Array.from(back.w.data)).toEqual([-1, 0, 7]);
  });

  it('deflated entries are smaller for redundant data', () => {
    const big = { z: { dtype: 'float32' as const, shape: [4096], data: new Float32Array(4096) } };
    expect(encodeNpz(big, { compress: true }).length).toBeLessThan(encodeNpz(big).length / 10);
  });

  describe('bad files', () => {
    const good = storedZip({
      'w.npy': encodeNpy({ dtype: 'float32', shape: [64], data: new Float32Array(64).fill(1) }),
    });
    const flipped = Buffer.from(good);
    flipped[200] ^= 0x40; // inside the array data
    it.each<[string, Uint8Array, RegExp]>([
      ['not a zip', Buffer.from('hello world, not a zip'), /bad\.npz: bad magic: not a zip archive/],
      [
        'truncated',
        good.subarray(0, good.length - 30),
        /bad\.npz: not a zip archive \(no end-of-central-directory record; truncated/,
      ],
      ['a flipped data bit', flipped, /bad\.npz: entry "w\.npy" fails its CRC check/],
      ['an entry that is not .npy', storedZip({ 'w.txt': Buffer.from('hi') }), /entry "w\.txt" is not a \.npy array/],
      ['a corrupt array inside', storedZip({ 'w.npy': Buffer.from('\x93NUMPY junk') }), /readNpy bad\.npz:w\.npy: /],
    ])('%s', (_, bytes, message) => {
      expect(() => decodeNpz(bytes, 'bad.npz')).toThrow(message);
    });

    it('names a missing file', () => {
      expect(() => readNpz(path.join(dir, 'none.npz'))).toThrow(/readNpz .*none\.npz: ENOENT/);
    });
  });
});

describe('MedMNIST 3D layout', () => {
  it('reads every split of a NoduleMNIST3D-like file and batches it', () => {
    const file = path.join(dir, 'nodulemnist3d.npz');
    fs.writeFileSync(file, storedZip(medmnistArrays({ train: 3, val: 2, test: 2 })));
    const train = readMedMNIST(file, 'train');
    expect(train.n).toBe(3);
    expect(train.shape).toEqual([28, 28, 28]);
    expect(Array.from(train.labels)).toEqual([0, 1, 0]);
    expect(train.hasMasks).toBe(false);
    const v1 = train.volume(1);
    expect(v1.length).toBe(28 ** 3);
    const i = 5000;
    expect(v1[i]).toBeCloseTo((((28 ** 3 + i) * 31 + 3) % 256) / 255, 6);
    expect(train.mask(0)).toBeNull();
    const val = openDataset(file, { split: 'val' });
    expect(val.n).toBe(2);
    const all = [...new DataLoader(train, { batchSize: 2 })];
    expect(all.map((b) => b.x.shape)).toEqual([
      [2, 1, 28, 28, 28],
      [1, 1, 28, 28, 28],
    ]);
    expect(Array.from(all[1].labels)).toEqual([0]);
    expect(all[1].x.data).toEqual(train.volume(2));
  });

  it('accepts (N, 1, D, H, W) images and (N,) labels', () => {
    const file = path.join(dir, 'five.npz');
    writeNpz(file, {
      train_images: { dtype: 'uint8', shape: [2, 1, 4, 5, 6], data: new Uint8Array(240).fill(255) },
      train_labels: { dtype: 'int64', shape: [2], data: [3, 1] },
    });
    const ds = readMedMNIST(file);
    expect(ds.shape).toEqual([4, 5, 6]);
    expect(Array.from(ds.labels)).toEqual([3, 1]);
    expect(ds.volume(0).every((x) => x === 1)).toBe(true);
  });

  it.each<
    [string, Record<string, { dtype: 'uint8' | 'float32' | 'int32'; shape: number[]; n?: number }>, string, RegExp]
  >([
    [
      'a missing split',
      { train_images: { dtype: 'uint8', shape: [1, 2, 2, 2] }, train_labels: { dtype: 'uint8', shape: [1, 1] } },
      'test',
      /readMedMNIST .*m\.npz: missing keys test_images, test_labels \(keys: train_images, train_labels; splits: train\)/,
    ],
    ['missing labels', { train_images: { dtype: 'uint8', shape: [1, 2, 2, 2] } }, 'train', /missing key train_labels/],
    [
      '2-D images',
      { train_images: { dtype: 'uint8', shape: [1, 28, 28] }, train_labels: { dtype: 'uint8', shape: [1, 1] } },
      'train',
      /train_images has shape \(1, 28, 28\); 3D images must be \(N, D, H, W\)/,
    ],
    [
      'too few labels',
      { train_images: { dtype: 'uint8', shape: [3, 2, 2, 2] }, train_labels: { dtype: 'uint8', shape: [2, 1] } },
      'train',
      /train_labels has shape \(2, 1\); expected \(3, 1\)/,
    ],
    [
      'multi-label',
      { train_images: { dtype: 'uint8', shape: [2, 2, 2, 2] }, train_labels: { dtype: 'uint8', shape: [2, 3] } },
      'train',
      /multi-label arrays are not supported/,
    ],
    [
      'int32 images',
      { train_images: { dtype: 'int32', shape: [1, 2, 2, 2] }, train_labels: { dtype: 'uint8', shape: [1, 1] } },
      'train',
      /train_images is int32; expected uint8/,
    ],
  ])('%s', (_, spec, split, message) => {
    const file = path.join(dir, 'm.npz');
    const arrays = Object.fromEntries(
      Object.entries(spec).map(([k, a]) => [k, { ...a, data: new Array(a.shape.reduce((x, y) => x * y, 1)).fill(0) }]),
    );
    writeNpz(file, arrays);
    expect(() => readMedMNIST(file, split)).toThrow(message);
  });
});
