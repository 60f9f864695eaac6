// safetensors: round trip, the exact byte layout a Python reader expects (parsed by hand here),
// validation of corrupt files, atomic writes that leave no temporary file behind, and files as PyTorch
// writes them (I64 num_batches_tracked, F16, BF16, F64) read as float32.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor } from '@nodulab/tensor';
import { BatchNorm3d, saveSafetensors, loadSafetensors, encodeSafetensors, loadCheckpoint } from '../src';

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
      'an unknown dtype (C64)',
      () => rawFile({ x: { dtype: 'C64', shape: [2], data_offsets: [0, 16] } }, 16),
      /tensor "x" has dtype "C64"; supported dtypes are F32, F64, F16, BF16, I64/,
    ],
    [
      'a dtype that is not a string',
      () => rawFile({ x: { dtype: 4, shape: [2], data_offsets: [0, 8] } }, 8),
      /tensor "x" has dtype 4; supported dtypes/,
    ],
    [
      'I64 data of the size of F32 data',
      () => rawFile({ x: { dtype: 'I64', shape: [2], data_offsets: [0, 8] } }, 8),
      /tensor "x" of shape \[2\] needs 16 bytes but data_offsets \[0, 8\] hold 8 \(dtype I64, 8 bytes per element\)/,
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

  /** safetensors bytes from (name, dtype, shape, raw little-endian data) as torch's save_file lays them out. */
  function torchFile(entries: [string, string, number[], Buffer][]): Buffer {
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    let offset = 0;
    for (const [name, dtype, shape, data] of entries) {
      header[name] = { dtype, shape, data_offsets: [offset, offset + data.length] };
      offset += data.length;
    }
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([len, Buffer.from(json), ...entries.map((e) => e[3])]);
  }
  const f16 = (bits: number[]) => Buffer.from(new Uint16Array(bits).buffer);
  const f64 = (v: number[]) => Buffer.from(new Float64Array(v).buffer);
  const i64 = (v: bigint[]) => Buffer.from(new BigInt64Array(v).buffer);

  it.each([
    // 1, -2, 0.5, 65504 (max), 2^-24 (smallest subnormal), -0, Inf, NaN
    [
      'F16',
      f16([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00]),
      [1, -2, 0.5, 65504, 2 ** -24, -0, Infinity, NaN],
    ],
    // bfloat16: the top 16 bits of a float32
    [
      'BF16',
      f16([0x3f80, 0xc000, 0x3f00, 0x4049, 0x0000, 0x8000, 0xff80, 0x7fc0]),
      [1, -2, 0.5, 3.140625, 0, -0, -Infinity, NaN],
    ],
    [
      'F64',
      f64([1, -2, 0.1, 1e300, 2 ** -30, -0, Infinity, NaN]),
      [1, -2, Math.fround(0.1), Infinity, 2 ** -30, -0, Infinity, NaN],
    ],
    [
      'I64',
      i64([1n, -2n, 0n, 123456n, 2n ** 40n, -(2n ** 40n), 7n, 9n]),
      [1, -2, 0, 123456, 2 ** 40, -(2 ** 40), 7, 9],
    ],
    ['I32', Buffer.from(new Int32Array([1, -2, 0, 5, 6, -7, 8, 9]).buffer), [1, -2, 0, 5, 6, -7, 8, 9]],
    ['U8', Buffer.from([1, 2, 0, 255, 6, 7, 8, 9]), [1, 2, 0, 255, 6, 7, 8, 9]],
    ['I8', Buffer.from([1, 254, 0, 128, 6, 7, 8, 9]), [1, -2, 0, -128, 6, 7, 8, 9]],
    ['BOOL', Buffer.from([1, 0, 0, 1, 1, 0, 0, 1]), [1, 0, 0, 1, 1, 0, 0, 1]],
  ] as const)('reads %s tensors as float32', (dtype, data, expected) => {
    const file = path.join(dir, `${dtype}.safetensors`);
    fs.writeFileSync(file, torchFile([['x', dtype, [2, 4], data]]));
    const { tensors, dtypes } = loadSafetensors(file);
    expect(tensors.x.shape).toEqual([2, 4]);
    expect(tensors.x.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensors.x.data)).toEqual(expected);
    expect(dtypes).toEqual({ x: dtype });
  });

  it('loads a PyTorch BatchNorm3d state dict with an I64 num_batches_tracked and half-precision weights', () => {
    const file = path.join(dir, 'torch_bn.safetensors');
    fs.writeFileSync(
      file,
      torchFile([
        ['weight', 'F16', [2], f16([0x3c00, 0x4000])], // 1, 2
        ['bias', 'BF16', [2], f16([0x3f00, 0xbf00])], // 0.5, -0.5
        ['running_mean', 'F64', [2], f64([0.25, -3])],
        ['running_var', 'F32', [2], Buffer.from(new Float32Array([4, 9]).buffer)],
        ['num_batches_tracked', 'I64', [], i64([1234n])],
      ]),
    );
    const bn = new BatchNorm3d(2);
    loadCheckpoint(bn, file);
    const sd = bn.stateDict();
    expect(Array.from(sd.weight.data)).toEqual([1, 2]);
    expect(Array.from(sd.bias.data)).toEqual([0.5, -0.5]);
    expect(Array.from(sd.running_mean.data)).toEqual([0.25, -3]);
    expect(Array.from(sd.running_var.data)).toEqual([4, 9]);
    expect(sd.num_batches_tracked.shape).toEqual([]);
    expect(Array.from(sd.num_batches_tracked.data)).toEqual([1234]);
  });
});
