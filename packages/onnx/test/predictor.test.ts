// OnnxPredictor and openPredictor: an exported model and the checkpoint it came from are the same
// Predictor to @nodulab/eval — same info, logits within 1e-4, the same evaluation of HU volumes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { modelSpecMetadata, saveCheckpoint } from '@nodulab/nn';
import { NoduleGenerator, preset } from '@nodulab/data';
import { ClassificationEvaluation, evaluate, ModulePredictor } from '@nodulab/eval';
import { OnnxPredictor, openPredictor, saveOnnx } from '../src';
import { maxAbsDiff, modelWithStats, randomBatch } from './helpers';

const spec = { kind: 'nodulenet3d' as const, options: { widthMultiplier: 0.5 } };
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-onnx-predictor-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('opens .onnx in onnxruntime and a checkpoint in-process, and both predict and evaluate alike', async () => {
  const model = modelWithStats(spec);
  const ckpt = path.join(dir, 'net.safetensors');
  saveCheckpoint(model, ckpt, { metadata: modelSpecMetadata(spec) });
  saveOnnx(model, path.join(dir, 'net.onnx'), { modelSpec: spec });
  const onnx = await openPredictor(path.join(dir, 'net.onnx'));
  const local = await openPredictor(ckpt);
  try {
    expect(onnx).toBeInstanceOf(OnnxPredictor);
    expect(local).toBeInstanceOf(ModulePredictor);
    for (const k of [
      'modelKind',
      'task',
      'classNames',
      'inputChannels',
      'inputSize',
      'spacing',
      'normalization',
    ] as const) {
      expect(onnx.info[k]).toEqual(local.info[k]);
    }
    const x = randomBatch(3, 1, [32, 32, 32]);
    const [a, b] = [await onnx.predict(x), await local.predict(x)];
    expect(a.shape).toEqual([3, 2]);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-4);

    const samples = new NoduleGenerator(preset('iid'), 1).batch('test', [0, 1, 2, 3], { hu: true });
    const batch = [
      { x: samples.map((s) => ({ data: s.volume, shape: s.shape })), labels: samples.map((s) => s.label) },
    ];
    const ra = (await evaluate(onnx, batch, { units: 'HU' })) as ClassificationEvaluation;
    const rb = (await evaluate(local, batch, { units: 'HU' })) as ClassificationEvaluation;
    ra.predictions.forEach((p, i) => expect(Math.abs(p.pMalignant - rb.predictions[i].pMalignant)).toBeLessThan(1e-4));
  } finally {
    await onnx.release();
    await local.release();
  }
});
