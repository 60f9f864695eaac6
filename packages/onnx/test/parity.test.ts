// PARITY: onnxruntime-node running the exported graph equals nodulab's own eval-mode forward within
// 1e-4 absolute, for every model kind and head (the box head included), batch 1 and > 1, BatchNorm folded
// and kept, on random and on generated volumes.
import { Tensor } from '@nodulab/tensor';
import { ModelSpec, TraceOutput } from '@nodulab/nn';
import { applyWindow, NoduleGenerator, preset } from '@nodulab/data';
import { exportOnnx, OnnxModel } from '../src';
import { maxAbsDiff, modelWithStats, nodulabOutput, randomBatch, softmaxAxis1 } from './helpers';

const ATOL = 1e-4;

const SPECS: Record<string, ModelSpec> = {
  nodulenet: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5, projectionHead: true, projectionDim: 16 } },
  resnet: { kind: 'resnet3d', options: { widths: [4, 8, 8, 16], projectionHead: true, projectionDim: 8 } },
  unet: { kind: 'unet3d', options: { baseChannels: 4, levels: 2, numClasses: 3 } },
  nodulenetBoxes: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5, boxHead: true } },
  resnetBoxes: { kind: 'resnet3d', options: { widths: [4, 8, 8, 16], boxHead: true } },
};

async function checkParity(spec: ModelSpec, output: TraceOutput, fold: boolean, x: Tensor): Promise<void> {
  const model = modelWithStats(spec);
  const size = x.shape.slice(2) as [number, number, number];
  const { bytes, metadata, foldedBatchNorms } = exportOnnx(model, {
    output,
    foldBatchNorm: fold,
    inputSize: size,
    modelSpec: spec,
  });
  expect(foldedBatchNorms > 0).toBe(fold);
  const onnx = await OnnxModel.fromBytes(bytes, 'parity');
  try {
    const out = await onnx.run(x.data, x.shape[0]);
    const want = nodulabOutput(model, x, output);
    const first = out[metadata.outputNames[0]];
    expect(first.dims).toEqual(want.shape);
    expect(maxAbsDiff(first.data, want.data)).toBeLessThan(ATOL);
    if (output === 'boxes') {
      expect(metadata.task).toBe('localization');
      const p = await onnx.predict(x, { units: 'normalized' });
      if (p.task !== 'localization') throw new Error(`a box model predicts ${p.task}`);
      expect(maxAbsDiff(p.boxes[0], want.data.subarray(0, 6))).toBeLessThan(ATOL);
    }
    if (output === 'logits') {
      const probs = out[metadata.outputNames[1]];
      expect(maxAbsDiff(probs.data, softmaxAxis1(want.data, want.shape))).toBeLessThan(ATOL);
    }
  } finally {
    await onnx.release();
  }
}

describe('parity on random inputs', () => {
  it.each([
    ['nodulenet', 'logits', true, 1],
    ['nodulenet', 'logits', false, 3],
    ['nodulenet', 'embedding', true, 2],
    ['nodulenet', 'projection', false, 2],
    ['resnet', 'logits', true, 1],
    ['resnet', 'logits', false, 3],
    ['resnet', 'embedding', true, 2],
    ['resnet', 'projection', true, 1],
    ['unet', 'logits', true, 1],
    ['unet', 'logits', false, 2],
    ['unet', 'embedding', true, 2],
    ['nodulenetBoxes', 'boxes', true, 2],
    ['resnetBoxes', 'boxes', false, 1],
  ] as const)('%s %s, BN folded %p, batch %p', async (name, output, fold, n) => {
    const spec = SPECS[name];
    await checkParity(spec, output, fold, randomBatch(n, 1, [16, 16, 16], n));
  });

  it('non-cubic input and two channels', async () => {
    await checkParity(
      { kind: 'nodulenet3d', options: { widthMultiplier: 0.25, inChannels: 2 } },
      'logits',
      true,
      randomBatch(2, 2, [8, 12, 16]),
    );
  });
});

describe('parity on generated volumes through predict (window normalization from the metadata)', () => {
  const gen = new NoduleGenerator(preset('iid'), 7);
  const samples = gen.batch('test', [0, 1, 2, 3], { hu: true });
  const windowed = (k: number) => {
    const v = Float32Array.from(samples[k].volume);
    applyWindow(v, samples[k].window);
    return v;
  };

  it.each([
    ['nodulenet3d (full width), batch 4', { kind: 'nodulenet3d' } as ModelSpec, 4],
    ['resnet3d, batch 1', SPECS.resnet, 1],
    ['unet3d, batch 2', SPECS.unet, 2],
  ])('%s', async (_name, spec, n) => {
    const model = modelWithStats(spec);
    const onnx = await OnnxModel.fromBytes(exportOnnx(model, { window: samples[0].window }).bytes);
    try {
      const x = new Tensor(new Float32Array(n * 32 ** 3), [n, 1, 32, 32, 32]);
      for (let k = 0; k < n; k++) x.data.set(windowed(k), k * 32 ** 3);
      const want = nodulabOutput(model, x, 'logits');
      const p = await onnx.predict(samples.slice(0, n).map((s) => ({ data: s.volume, shape: s.shape })));
      if (p.task === 'embedding' || p.task === 'localization') throw new Error(`unexpected ${p.task} model`);
      const per = want.size / n;
      for (let k = 0; k < n; k++) {
        expect(maxAbsDiff(p.logits[k], want.data.subarray(k * per, (k + 1) * per))).toBeLessThan(ATOL);
      }
      if (p.task === 'classification') {
        expect(p.predicted).toHaveLength(n);
        p.probabilities.forEach((q) => expect(q[0] + q[1]).toBeCloseTo(1, 5));
      } else {
        expect(p.masks).toHaveLength(n);
        expect(p.masks[0]).toHaveLength(32 ** 3);
        expect(Math.max(...p.masks[0])).toBeLessThan(3);
      }
    } finally {
      await onnx.release();
    }
  });
});
