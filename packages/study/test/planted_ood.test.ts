// The planted OOD case with a trained model: a small UNet3D trained on seg-nodule (thin, low-noise scans) scores
// volumes of a very different preset (seg-vessels: thick slices, strong coarse noise) by the spectral signature
// of its bottleneck; the issue asks that the k-NN distance to the training signatures detect them with AUROC > 0.9.
// It does not yet: this model gives AUROC 0.883 (FPR95 0.69), so the case is kept as a known failure (it.failing)
// that turns red the day the spectral score meets the bar. (A randomly initialised U-Net's first block does
// detect a fifth-contrast acquisition: packages/eval/test/spectral.test.ts.)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SyntheticDataset, preset } from '@nodulab/data';
import { KnnScorer, oodMetrics } from '@nodulab/eval';
import { loadRun, train } from '@nodulab/train';
import { loadVolumes, setSignatures } from '../src';

jest.setTimeout(120_000);

const shape: [number, number, number] = [16, 16, 16];
const at = (name: string) => ({ ...preset(name), volume: { shape, spacing: preset(name).volume!.spacing! } });

describe('a planted OOD set under a trained UNet3D', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-planted-'));
  let trainedDice = NaN;
  let m = { auroc: NaN, fpr95: NaN };

  beforeAll(async () => {
    const dir = path.join(root, 'run');
    const summary = await train(
      {
        name: 'planted',
        model: { kind: 'unet3d', options: { baseChannels: 4, dropout: 0.2 } },
        batchSize: 8,
        epochs: 4,
        optimizer: { name: 'adam', lr: 1e-2 },
        data: {
          spec: at('seg-nodule') as never,
          seed: 3,
          train: { split: 'train', n: 32 },
          val: { split: 'val', n: 8 },
        },
        seed: 0,
        threads: 1,
      },
      { outDir: dir, prefetch: 0, stepThread: 'main' },
    );
    trainedDice = summary.best!.value;
    const { net } = loadRun(dir, 'best');
    const load = (name: string, seed: number, split: string, n: number) =>
      loadVolumes(name, new SyntheticDataset(at(name), seed, split, n), n, false);
    const sig = async (name: string, seed: number, split: string, n: number) =>
      setSignatures(net.model, await load(name, seed, split, n), 'bottleneck', 8);
    const knn = new KnnScorer(await sig('seg-nodule', 3, 'train', 32), { k: 3 });
    const inScores = knn.scoreAll(await sig('seg-nodule', 3, 'test', 16));
    const outScores = knn.scoreAll(await sig('seg-vessels', 4, 'test', 16));
    m = oodMetrics(inScores, outScores);
    console.log(
      `planted OOD (seg-vessels vs seg-nodule, trained UNet3D bottleneck): AUROC ${m.auroc.toFixed(3)}, FPR95 ${m.fpr95.toFixed(3)}`,
    );
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('comes from a trained model and is detected better than chance', () => {
    // Trained: validation Dice well above the all-background prediction's 0.
    expect(trainedDice).toBeGreaterThan(0.3);
    expect(m.auroc).toBeGreaterThan(0.75);
  });

  // Known failure: AUROC 0.883 < 0.9 at this size (see the header).
  it.failing('is detected by the spectral score of the bottleneck with AUROC > 0.9', () => {
    expect(m.auroc).toBeGreaterThan(0.9);
  });
});
