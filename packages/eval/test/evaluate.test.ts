// evaluate(predictor, batches): per-sample predictions and metrics equal softmax + classificationMetrics
// of the model's own forward; HU input goes through the model's window; checkpoints and run folders
// load as predictors; errors name the problem.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { noGrad, randn, Generator, Tensor } from '@nodulab/tensor';
import { modelSpecMetadata, NoduleNet3D, saveCheckpoint, UNet3D } from '@nodulab/nn';
import { applyWindow } from '@nodulab/data';
import {
  checkpointFile,
  classificationMetrics,
  ClassificationEvaluation,
  describeModel,
  evaluate,
  formatClassificationMetrics,
  LabelledBatch,
  loadCheckpointPredictor,
  malignancy,
  ModulePredictor,
  predictionsCsv,
  SegmentationEvaluation,
} from '../src';

const net = new NoduleNet3D({ widthMultiplier: 0.25, seed: 2 });
const info = describeModel(net, { inputSize: [8, 8, 8], window: null });
const x = randn([6, 1, 8, 8, 8], new Generator(5));
const labels = [0, 1, 1, 0, 1, 0];
const batches = (): LabelledBatch[] => [
  { x: new Tensor(x.data.slice(0, 4 * 512), [4, 1, 8, 8, 8]), labels: labels.slice(0, 4), indices: [10, 11, 12, 13] },
  { x: new Tensor(x.data.slice(4 * 512), [2, 1, 8, 8, 8]), labels: labels.slice(4), indices: [14, 15] },
];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-eval-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('evaluate', () => {
  it('gives per-sample P(malignant), predicted class and the metrics of the model forward', async () => {
    net.eval();
    const want = malignancy(noGrad(() => net.forward(x)));
    const r = (await evaluate(new ModulePredictor(net, info), batches(), {
      threshold: 0.4,
    })) as ClassificationEvaluation;
    expect(r.task).toBe('classification');
    expect(r.predictions.map((p) => p.index)).toEqual([10, 11, 12, 13, 14, 15]);
    expect(r.predictions.map((p) => p.label)).toEqual(labels);
    r.predictions.forEach((p, i) => {
      expect(p.pMalignant).toBeCloseTo(want[i], 6);
      expect(p.predicted).toBe(want[i] >= 0.4 ? 1 : 0);
    });
    expect(r.metrics).toEqual(
      classificationMetrics(
        labels,
        r.predictions.map((p) => p.pMalignant),
        0.4,
      ),
    );
    expect(r.logits).toHaveLength(12);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(6);
    expect(formatClassificationMetrics(r.metrics)).toMatch(
      /^n=6 accuracy=\d\.\d{4} sensitivity=\S+ specificity=\S+ balancedAccuracy=\S+ auroc=\d\.\d{4}$/,
    );
    const csv = predictionsCsv(r.predictions).split('\n');
    expect(csv[0]).toBe('index,label,p_malignant,predicted');
    expect(csv[1]).toBe(`10,0,${r.predictions[0].pMalignant},${r.predictions[0].predicted}`);
    expect(csv).toHaveLength(8);
  });

  it('predictionsCsv appends per-sample factor columns, quoting text that needs it', () => {
    const preds = [
      { index: 3, label: 1, pMalignant: 0.75, predicted: 1 },
      { index: 4, label: 0, pMalignant: 0.25, predicted: 0 },
    ];
    const csv = predictionsCsv(preds, [
      { diameter: 12.5, densityType: 'solid', pleuralWall: true },
      { diameter: 6, densityType: 'a,"b"', pleuralWall: false },
    ]).split('\n');
    expect(csv[0]).toBe('index,label,p_malignant,predicted,diameter,densityType,pleuralWall');
    expect(csv[1]).toBe('3,1,0.75,1,12.5,solid,true');
    expect(csv[2]).toBe('4,0,0.25,0,6,"a,""b""",false');
    expect(() => predictionsCsv(preds, [{ diameter: 1 }])).toThrow(/1 factor records for 2 predictions/);
  });

  it("applies the model's window to HU input, the same values as normalized input", async () => {
    const windowed = new ModulePredictor(
      net,
      describeModel(net, { inputSize: [8, 8, 8], window: { center: 0, width: 4 } }),
    );
    const hu = Float32Array.from(x.data, (v) => v * 3);
    const norm = Float32Array.from(hu);
    applyWindow(norm, { center: 0, width: 4 });
    const a = (await evaluate(windowed, [{ x: new Tensor(hu, x.shape), labels }], {
      units: 'HU',
    })) as ClassificationEvaluation;
    const b = (await evaluate(windowed, [{ x: new Tensor(norm, x.shape), labels }])) as ClassificationEvaluation;
    expect(a.predictions).toEqual(b.predictions);
  });

  it('scores a segmentation model by Dice of the nodule class', async () => {
    const unet = new UNet3D({ baseChannels: 2, seed: 1 });
    const p = new ModulePredictor(unet, describeModel(unet, { inputSize: [8, 8, 8] }));
    const masks = [new Uint8Array(512), new Uint8Array(512).fill(1)];
    const r = (await evaluate(p, [
      { x: new Tensor(x.data.slice(0, 1024), [2, 1, 8, 8, 8]), labels: [0, 1], masks },
    ])) as SegmentationEvaluation;
    expect(r.task).toBe('segmentation');
    expect(r.predictions).toHaveLength(2);
    for (const s of r.predictions) expect(s.dice).toBeGreaterThanOrEqual(0);
    expect(r.metrics.meanDice).toBeCloseTo((r.predictions[0].dice + r.predictions[1].dice) / 2, 12);
  });

  it.each<[string, () => Promise<unknown>, RegExp]>([
    ['no samples', () => evaluate(new ModulePredictor(net, info), []), /no samples/],
    [
      'labels that do not match',
      () => evaluate(new ModulePredictor(net, info), [{ x, labels: [0, 1] }]),
      /6 volumes but 2 labels/,
    ],
    [
      'a wrong volume size',
      () => evaluate(new ModulePredictor(net, describeModel(net, { inputSize: [16, 16, 16] })), [{ x, labels }]),
      /differs from the model's input size/,
    ],
    [
      'an embedding model',
      () => evaluate(new ModulePredictor(net, describeModel(net, { output: 'embedding' })), [{ x, labels }]),
      /embedding model/,
    ],
    [
      'segmentation without masks',
      () => {
        const unet = new UNet3D({ baseChannels: 2 });
        return evaluate(new ModulePredictor(unet, describeModel(unet, { inputSize: [8, 8, 8] })), [{ x, labels }]);
      },
      /needs batches with masks/,
    ],
  ])('rejects %s', async (_name, run, message) => {
    await expect(run()).rejects.toThrow(message);
  });
});

describe('checkpoints as predictors', () => {
  it('loads a file or a run folder (best, else last) with the recorded model and the run spec input', async () => {
    const spec = {
      name: 'small',
      volume: { shape: [8, 8, 8], spacing: [2, 2, 2] },
      window: { center: -500, width: 1000 },
    };
    const meta = {
      ...modelSpecMetadata({ kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } }),
      'nodulab.config': JSON.stringify({ data: { spec } }),
    };
    fs.mkdirSync(path.join(dir, 'run', 'checkpoints'), { recursive: true });
    const last = path.join(dir, 'run', 'checkpoints', 'last.safetensors');
    saveCheckpoint(net, last, { metadata: meta });
    expect(checkpointFile(path.join(dir, 'run'))).toBe(last);
    expect(checkpointFile(last)).toBe(last);
    const p = loadCheckpointPredictor(path.join(dir, 'run'));
    expect(p.info).toMatchObject({
      modelKind: 'nodulenet3d',
      task: 'classification',
      classNames: ['benign', 'malignant'],
      inputSize: [8, 8, 8],
      spacing: [2, 2, 2],
    });
    expect(p.info.normalization).toEqual({ type: 'window', center: -500, width: 1000 });
    const want = noGrad(() => net.forward(x)).data;
    expect(Array.from((await p.predict(x)).data)).toEqual(Array.from(want));
  });

  it.each<[string, (d: string) => string, RegExp]>([
    [
      'a folder without checkpoints',
      (d) => d,
      /without checkpoints\/best.safetensors or checkpoints\/last.safetensors/,
    ],
    ['a missing file', (d) => path.join(d, 'nope.safetensors'), /nope.safetensors/],
    [
      'a checkpoint without its model kind',
      (d) => {
        const f = path.join(d, 'bare.safetensors');
        saveCheckpoint(net, f);
        return f;
      },
      /does not record its model kind/,
    ],
  ])('names %s', (_name, target, message) => {
    expect(() => loadCheckpointPredictor(target(dir))).toThrow(message);
  });
});
