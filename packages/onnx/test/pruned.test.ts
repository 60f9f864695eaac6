// A pruned model exports with its pruned weights zero (not the dense ones, not the masks) and
// onnxruntime-node running the export equals nodulab's eval-mode forward, after fine-tuning with Adam.
import { Generator, crossEntropy, noGrad, randn } from '@nodulab/tensor';
import { Adam, ModelSpec, prune } from '@nodulab/nn';
import { onnx } from 'onnx-proto';
import { exportOnnx, OnnxModel } from '../src';
import { maxAbsDiff, modelWithStats, randomBatch } from './helpers';

jest.setTimeout(60_000);

const SPECS: Record<string, ModelSpec> = {
  nodulenet: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
  resnet: { kind: 'resnet3d', options: { widths: [4, 8, 8, 16] } },
};

it.each([
  ['nodulenet', 0.7, 'global'],
  ['resnet', 0.5, 'layer'],
] as const)(
  '%s pruned to %p (%s) and fine-tuned exports its masked weights and matches its forward',
  async (name, s, scope) => {
    const model = modelWithStats(SPECS[name]);
    prune(model, { sparsity: s, scope });
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    model.train();
    for (let i = 0; i < 2; i++) {
      opt.zeroGrad();
      crossEntropy(model.forward(randn([2, 1, 16, 16, 16], new Generator(10 + i))), [0, 1]).backward();
      opt.step();
    }
    model.eval();
    const { bytes, metadata } = exportOnnx(model, {
      foldBatchNorm: false,
      inputSize: [16, 16, 16],
      modelSpec: SPECS[name],
    });
    const proto = onnx.ModelProto.decode(bytes);
    const inits = new Map((proto.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
    expect([...inits.keys()].some((k) => k.endsWith('_mask'))).toBe(false);
    let zeros = 0;
    let total = 0;
    for (const [key, w] of model.namedParameters()) {
      if (!key.endsWith('weight') || w.ndim < 2) continue;
      const init = inits.get(key);
      expect(init).toBeDefined();
      const raw = init!.rawData!;
      const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      expect(Array.from(values)).toEqual(Array.from(w.data));
      zeros += values.filter((v) => v === 0).length;
      total += values.length;
    }
    if (scope === 'global') expect(zeros).toBe(Math.round(s * total));
    else expect(zeros / total).toBeCloseTo(s, 2);

    const x = randomBatch(2, 1, [16, 16, 16], 3);
    const runtime = await OnnxModel.fromBytes(bytes, 'pruned');
    try {
      const out = await runtime.run(x.data, 2);
      const want = noGrad(() => model.forward(x));
      expect(maxAbsDiff(out[metadata.outputNames[0]].data, want.data)).toBeLessThan(1e-4);
    } finally {
      await runtime.release();
    }
  },
);
