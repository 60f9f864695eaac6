// A planted check that the box loss can fit boxes at all: a localizer trained on a handful of `localize` volumes
// (nodules anywhere in the field of view) must reproduce their boxes: mean IoU > 0.8 on the training volumes,
// where their mean box scores far lower.
import { SyntheticDataset } from '@nodulab/data';
import { LocalizationEvaluation, boxIoU, datasetBatches, datasetBox, evaluate, meanBox } from '@nodulab/eval';
import { loadRun, netPredictor, resolveRunConfig, train } from '../src';
import { tempDir } from './helpers';

jest.setTimeout(120_000);

describe('box loss on a few planted volumes', () => {
  it('overfits their boxes to mean IoU > 0.8', async () => {
    const dir = tempDir('localize-overfit');
    const config = resolveRunConfig({
      name: 'overfit',
      loss: 'box',
      model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.5 } },
      batchSize: 6,
      epochs: 120,
      optimizer: { name: 'adam', lr: 1e-2 },
      schedule: { name: 'cosine', etaMin: 1e-4 },
      data: {
        spec: 'localize',
        seed: 5,
        volume: { shape: [16, 16, 16], spacing: [3, 3, 3] },
        train: { n: 6 },
        val: { n: 2 },
      },
      threads: 1,
    });
    await train(config, { outDir: dir });
    const set = new SyntheticDataset(config.data.spec as never, 5, 'train', 6);
    const { net } = loadRun(dir, 'last');
    const predictor = netPredictor(net, set, 'boxes');
    try {
      const r = (await evaluate(predictor, datasetBatches(set, 6, { boxes: true }))) as LocalizationEvaluation;
      const ious = r.predictions.map((p) => p.iou);
      const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
      // The boxes are not all alike: their mean box fits them poorly.
      const truth = Array.from({ length: 6 }, (_, i) => datasetBox(set, i));
      const trivial = meanBox(truth);
      expect(mean(truth.map((b) => boxIoU(trivial, b)))).toBeLessThan(0.5);
      expect(mean(ious)).toBeGreaterThan(0.8);
    } finally {
      await predictor.release();
    }
  });
});
