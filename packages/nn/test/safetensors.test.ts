// safetensors: round trip, the exact byte layout a Python reader expects (parsed by hand here),
// validation of corrupt files, and atomic writes that leave no temporary file behind.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor } from '@nodulab/tensor';
import { saveSafetensors, loadSafetensors, encodeSafetensors } from '../src';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-st-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const sample = (): Record<string, Tensor> => ({
  'features.0.weight': Tensor.from([1.5, -2, 3.25, 0, -0, 1e-30], [2, 1, 3]),
  'features.1.num_batches_tracked': Tensor.from([7], []),
  empty: Tensor.zeros([0, 4]),
  'classifier.bias': Tensor.from([NaN, Infinity], [2]),
});

/** Builds a file from a header object and a data length, for the corruption cases. */
function rawFile(header: unknown, dataBytes: number, headerLength?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLength ?? BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(dataBytes)]);
}

describe('safetensors', () => {
  it('round-trips tensors, shapes, special values and metadata', () => {
    const file = path.join(dir, 'model.safetensors');
    saveSafetensors(file, sample(), { epoch: '3', note: 'ünïcode' });
    const { tensors, metadata } = loadSafetensors(file);
    expect(Object.keys(tensors)).toEqual(Object.keys(sample()));
    for (const [k, t] of Object.entries(sample())) {
      expect(tensors[k].shape).toEqual(t.shape);
      expect(Array.from(tensors[k].data)).toEqual(Array.from(t.data));
    }
    expect(Object.is(tensors['features.0.weight'].data[4], -0)).toBe(true);
    expect(metadata).toEqual({ epoch: '3', note: 'ünïcode' });
  });

  it('writes the layout Python safetensors reads: u64 LE length, padded JSON, LE float32', () => {
    const file = path.join(dir, 'm.safetensors');
    saveSafetensors(file, { a: Tensor.from([1, 2, 3], [3]), b: Tensor.from([-1, 0.5], [1, 2]) }, { format: 'pt' });
    const bytes = fs.readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    expect(text.startsWith('{')).toBe(true);
    expect(text.trimEnd().length).toBeGreaterThan(n - 8); // only spaces pad, fewer than 8
    const header = JSON.parse(text);
    expect(header).toEqual({
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
      b: { dtype: 'F32', shape: [1, 2], data_offsets: [12, 20] },
    });
    expect(bytes.length).toBe(8 + n + 20);
    const values = [0, 1, 2, 3, 4].map((i) => bytes.readFloatLE(8 + n + 4 * i));
    expect(values).toEqual([1, 2, 3, -1, 0.5]);
  });

  const good = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  it.each([
    ['a file shorter than 8 bytes', () => Buffer.from([1, 2, 3]), /too short for the 8-byte header length/],
    [
      'a truncated header',
      () => rawFile(good, 8).subarray(0, 20),
      /runs past the end of the 20-byte file \(truncated\?\)/,
    ],
    ['truncated data', () => rawFile(good, 4), /data_offsets \[0, 8\] run past the 4 data bytes/],
    [
      'an oversized header length',
      () => rawFile(good, 8, 1n << 40n),
      /header length 1099511627776 exceeds the 100000000-byte limit/,
    ],
    ['invalid JSON', () => rawFile('{"x": [', 0), /header is not valid JSON/],
    ['a JSON array header', () => rawFile([1, 2], 0), /header must be a JSON object/],
    [
      'dtype F16',
      () => rawFile({ x: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4),
      /tensor "x" has dtype "F16"; only F32 is supported/,
    ],
    [
      'a shape that does not match the offsets',
      () => rawFile({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8),
      /tensor "x" of shape \[3\] needs 12 bytes but data_offsets \[0, 8\] hold 8/,
    ],
    [
      'a negative dimension',
      () => rawFile({ x: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8),
      /invalid shape \[-2\]/,
    ],
    [
      'overlapping tensors',
      () => rawFile({ ...good, y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8),
      /overlap the previous tensor/,
    ],
    [
      'a gap in the data',
      () => rawFile({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8),
      /gap in the data before tensor "x"/,
    ],
    ['trailing bytes', () => rawFile(good, 12), /the tensors cover 8 data bytes but the file holds 12/],
    ['non-string metadata', () => rawFile({ __metadata__: { epoch: 3 } }, 0), /__metadata__ "epoch" must be a string/],
  ])('rejects %s, naming the file', (_name, make, message) => {
    const file = path.join(dir, 'bad.safetensors');
    fs.writeFileSync(file, make());
    expect(() => loadSafetensors(file)).toThrow(message);
    expect(() => loadSafetensors(file)).toThrow(file);
  });

  it('reports a missing file by name', () => {
    const file = path.join(dir, 'nope.safetensors');
    expect(() => loadSafetensors(file)).toThrow(`loadSafetensors(${file})`);
  });

  it('replaces a file atomically and leaves no temporary file, even when the write fails', () => {
    const file = path.join(dir, 'ckpt.safetensors');
    saveSafetensors(file, { a: Tensor.from([1], [1]) });
    saveSafetensors(file, { a: Tensor.from([2], [1]) });
    expect(loadSafetensors(file).tensors.a.data[0]).toBe(2);
    expect(fs.readdirSync(dir)).toEqual(['ckpt.safetensors']);
    // A bad tensor fails before anything is written; a directory in the way fails the rename.
    expect(() => saveSafetensors(file, { a: 'not a tensor' as unknown as Tensor })).toThrow(/"a" is not a Tensor/);
    const blocked = path.join(dir, 'blocked');
    fs.mkdirSync(path.join(blocked, 'inner'), { recursive: true });
    expect(() => saveSafetensors(blocked, { a: Tensor.from([3], [1]) })).toThrow(`cannot write ${blocked}`);
    expect(fs.readdirSync(dir).sort()).toEqual(['blocked', 'ckpt.safetensors']);
    expect(loadSafetensors(file).tensors.a.data[0]).toBe(2);
    expect(() =>
      saveSafetensors(path.join(dir, 'no', 'such', 'dir.safetensors'), { a: Tensor.from([3], [1]) }),
    ).toThrow(/cannot write/);
  });

  it('rejects reserved names and non-string metadata on save', () => {
    expect(() => encodeSafetensors({ __metadata__: Tensor.zeros([1]) })).toThrow(/invalid tensor name "__metadata__"/);
    expect(() => encodeSafetensors({}, { epoch: 3 as unknown as string })).toThrow(/metadata "epoch" must be a string/);
  });
});
