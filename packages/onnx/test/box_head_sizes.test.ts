// A localizer's ONNX graph is size-agnostic: exported once at one input size (its box head's soft-argmax has no fixed
// cell grid), it runs in onnxruntime-node at other sizes, cubic and not, and matches nodulab's own forward there;
// nodulab's graph checks refuse a box-head graph whose reductions or cumulative sum are malformed.
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { ModelSpec } from '@nodulab/nn';
import { exportOnnx, OnnxModel } from '../src';
import { maxAbsDiff, modelWithStats, nodulabOutput, randomBatch } from './helpers';

const ATOL = 1e-4;

const SPECS: [string, ModelSpec][] = [
  ['nodulenet3d', { kind: 'nodulenet3d', options: { widthMultiplier: 0.5, boxHead: true } }],
  ['resnet3d', { kind: 'resnet3d', options: { widths: [4, 8, 8, 16], boxHead: true } }],
];

describe('box head export at any input size', () => {
  it.each(SPECS)('%s exported at 16^3 runs at 16^3, 24^3 and 12x20x28', async (_, spec) => {
    const model = modelWithStats(spec);
    const { bytes, metadata } = exportOnnx(model, { output: 'boxes', inputSize: [16, 16, 16], modelSpec: spec });
    await OnnxModel.fromBytes(bytes, 'box head').then((m) => m.release()); // passes nodulab's graph checks
    const session = await ort.InferenceSession.create(bytes);
    try {
      for (const size of [
        [16, 16, 16],
        [24, 24, 24],
        [12, 20, 28],
      ]) {
        const x = randomBatch(2, 1, size, size[2]);
        const out = await session.run({ [metadata.inputName]: new ort.Tensor('float32', x.data, x.shape) });
        const got = out[metadata.outputNames[0]];
        const want = nodulabOutput(model, x, 'boxes');
        expect(got.dims).toEqual([2, 6]);
        expect(maxAbsDiff(got.data as Float32Array, want.data)).toBeLessThan(ATOL);
      }
      // Different volumes give different boxes: the graph does not return one fixed answer.
      const a = randomBatch(1, 1, [24, 24, 24], 1);
      const b = randomBatch(1, 1, [24, 24, 24], 2);
      const run = async (t: typeof a) =>
        (await session.run({ [metadata.inputName]: new ort.Tensor('float32', t.data, t.shape) }))[
          metadata.outputNames[0]
        ].data as Float32Array;
      expect(maxAbsDiff(await run(a), await run(b))).toBeGreaterThan(1e-6);
    } finally {
      await session.release();
    }
  });

  it('the graph checks name a CumSum whose axis is not an integer Constant and a reduction over the batch', async () => {
    const model = modelWithStats(SPECS[0][1]);
    const { bytes } = exportOnnx(model, { output: 'boxes', inputSize: [16, 16, 16] });
    const edit = async (change: (g: onnx.IGraphProto) => void) => {
      const proto = onnx.ModelProto.decode(bytes);
      change(proto.graph!);
      return OnnxModel.fromBytes(onnx.ModelProto.encode(proto).finish(), 'edited');
    };
    await expect(
      edit((g) => {
        const cum = g.node!.find((n) => n.opType === 'CumSum')!;
        cum.input![1] = cum.input![0];
      }),
    ).rejects.toThrow(/\(CumSum\): axis ".*" must be an integer Constant/);
    await expect(
      edit((g) => {
        const r = g.node!.find((n) => n.opType === 'ReduceMax')!;
        r.attribute!.find((t) => t.name === 'axes')!.ints = [0, 1];
      }),
    ).rejects.toThrow(/\(ReduceMax\): axes must be 1 to 8 distinct integers in \[1, 4\]/);
  });
});
