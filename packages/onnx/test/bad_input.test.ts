// Bad input gives clear errors, never a crash: missing, directory, empty, corrupt and non-ONNX files,
// ONNX without nodulab metadata, and volumes of the wrong size, channel count or with NaN.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { onnx } from 'onnx-proto';
import { exportOnnx, OnnxModel } from '../src';
import { modelWithStats } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-onnx-bad-'));
const good = exportOnnx(modelWithStats({ kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } }), {
  inputSize: [8, 8, 8],
}).bytes;

function file(name: string, bytes: Uint8Array | string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('OnnxModel.load rejects bad files', () => {
  const stripped = onnx.ModelProto.decode(good);
  stripped.metadataProps = [];
  const partial = onnx.ModelProto.decode(good);
  partial.metadataProps = partial.metadataProps.filter((p) => p.key !== 'nodulab.input_size');
  const badJson = onnx.ModelProto.decode(good);
  badJson.metadataProps.find((p) => p.key === 'nodulab.input_size')!.value = '[8, 8';

  it.each([
    ['a missing file', path.join(dir, 'nope.onnx'), /cannot read the model: ENOENT/],
    ['a directory', dir, /not a file/],
    ['an empty file', file('empty.onnx', ''), /the file is empty/],
    ['a text file', file('notes.onnx', 'this is not a model\n'), /not an ONNX model/],
    [
      'a gzip (NIfTI-like) file',
      file('vol.onnx', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4])),
      /not an ONNX model/,
    ],
    [
      'a truncated model',
      file('cut.onnx', good.subarray(0, Math.floor(good.length / 2))),
      /not an ONNX model|onnxruntime cannot load/,
    ],
    [
      'a model with corrupted bytes',
      file(
        'flip.onnx',
        Uint8Array.from(good, (b, i) => (i > 40 && i % 7 === 0 ? b ^ 0xff : b)),
      ),
      /OnnxModel\.load/,
    ],
    [
      'ONNX without nodulab metadata',
      file('plain.onnx', onnx.ModelProto.encode(stripped).finish()),
      /without nodulab metadata/,
    ],
    [
      'metadata missing a key',
      file('partial.onnx', onnx.ModelProto.encode(partial).finish()),
      /missing "nodulab.input_size"/,
    ],
    [
      'metadata with bad JSON',
      file('badjson.onnx', onnx.ModelProto.encode(badJson).finish()),
      /"nodulab.input_size" is not valid JSON/,
    ],
  ])('%s', async (_name, f, message) => {
    await expect(OnnxModel.load(f)).rejects.toThrow(message);
  });
});

describe('predict rejects bad volumes', () => {
  let model: OnnxModel;
  beforeAll(async () => {
    model = await OnnxModel.load(file('good.onnx', good));
  });
  afterAll(() => model.release());

  it.each([
    ['too few values', new Float32Array(100), /has 100 values; the model expects volumes \(1, 8, 8, 8\)/],
    [
      'wrong size',
      { data: new Float32Array(8 * 8 * 9), shape: [8, 8, 9] },
      /volume size \(8, 8, 9\) differs from the model's input size \(8, 8, 8\)/,
    ],
    [
      'two channels',
      { data: new Float32Array(2 * 512), shape: [2, 8, 8, 8] },
      /has 2 channels .* expects volumes \(1, 8, 8, 8\)/,
    ],
    ['shape and data disagree', { data: new Float32Array(10), shape: [8, 8, 8] }, /does not match its 10 values/],
    ['a 2-D shape', { data: new Float32Array(64), shape: [8, 8] }, /use \(D,H,W\), \(C,D,H,W\) or \(N,C,D,H,W\)/],
    [
      'NaN',
      Float32Array.from({ length: 512 }, (_, i) => (i === 5 ? NaN : 0)),
      /volume 0 has a non-finite value \(NaN\) at voxel 5/,
    ],
    ['an empty batch', [], /no volumes given/],
    ['not a volume', 'scan.nii' as unknown as Float32Array, /must be a Float32Array, a Tensor or \{ data, shape \}/],
  ])('%s', async (_name, input, message) => {
    await expect(model.predict(input as Float32Array)).rejects.toThrow(message);
  });

  it('accepts one volume, a (C,D,H,W) volume and a batch, and bad options are errors', async () => {
    const v = new Float32Array(512).fill(-600);
    const one = await model.predict(v);
    const batch = await model.predict(
      [v, { data: v, shape: [1, 8, 8, 8] }, { data: new Float32Array(1024).fill(-600), shape: [2, 1, 8, 8, 8] }],
      { batchSize: 3 },
    );
    if (one.task !== 'classification' || batch.task !== 'classification') throw new Error('expected classification');
    expect(batch.probabilities).toHaveLength(4);
    for (const p of batch.probabilities) expect(Array.from(p)).toEqual(Array.from(one.probabilities[0]));
    await expect(model.predict(v, { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    await expect(model.predict(v, { units: 'mm' as 'HU' })).rejects.toThrow(/units must be 'HU' or 'normalized'/);
  });
});
