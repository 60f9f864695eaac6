// The planted OOD case with a trained model: a small UNet3D trained on seg-nodule (thin, low-noise scans) scores
// volumes of a very different preset (seg-vessels: thick slices, strong coarse noise, many vessels, half without a
// nodule: it differs in acquisition and in structure) by the spectral signature of its bottleneck, as Karimi &
// Gholipour do: the (D·H·W) × C matrix of the post-ReLU block output, uncentred, log(s + 1e-10) L2-normalised,
// distance to the nearest training signature (k = 1). The issue asks AUROC > 0.9.
// Sized as an experiment fixed before its result was seen: 64 vs 64 test volumes (AUROC in steps of 1/4096), and a
// control — seg-nodule volumes of another dataset seed, which must score like chance.
// First run, 64 training volumes: validation Dice 0.891, AUROC 0.897 (FPR95 0.781), control 0.431 — short of the bar.
// One change was then decided, before running it, and run once: the training set, which is also the k-NN reference
// set, grows from 64 to 256 volumes (epochs, model, test sets and seeds unchanged). Reason: the score is a
// nearest-neighbour distance, and with 64 reference signatures an in-distribution volume's nearest training
// signature is itself far away, so in-distribution and OOD distances overlap; 64 volumes is far smaller than a
// realistic training set, and 256 is as many as the calibration-ood study's joint model keeps as references.
// The other candidate, a more different preset, was not needed as a change: seg-vessels already differs from
// seg-nodule in both acquisition and structure.
// Measured with 256: validation Dice 0.927, AUROC 0.955 (FPR95 0.156), control AUROC 0.514. The bar is met, so it is
// asserted. The model itself also changed (4x the volumes at the same epochs: 4x the steps, Dice 0.891 -> 0.927),
// so this run does not separate the reference set's size from the better model. 20 s CPU (29 s wall on a shared
// machine) with 1 thread.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SyntheticDataset, preset } from '@nodulab/data';
import { KnnScorer, oodMetrics } from '@nodulab/eval';
import { loadRun, train } from '@nodulab/train';
import { setSignatures } from '../../../src/studies/calibration_ood';

jest.setTimeout(300_000);

const shape: [number, number, number] = [16, 16, 16];
const at = (name: string) => ({ ...preset(name), volume: { shape, spacing: preset(name).volume!.spacing! } });
const nTrain = 256;
const nTest = 64;

describe('a planted OOD set under a trained UNet3D', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-planted-'));
  let trainedDice = NaN;
  let planted = { auroc: NaN, fpr95: NaN };
  let control = { auroc: NaN, fpr95: NaN };

  beforeAll(async () => {
    const dir = path.join(root, 'run');
    const summary = await train(
      {
        name: 'planted',
        model: { kind: 'unet3d', options: { baseChannels: 4, dropout: 0.2 } },
        batchSize: 8,
        epochs: 6,
        optimizer: { name: 'adam', lr: 1e-2 },
        data: {
          spec: at('seg-nodule') as never,
          seed: 3,
          train: { split: 'train', n: nTrain },
          val: { split: 'val', n: 16 },
        },
        seed: 0,
        threads: 1,
      },
      { outDir: dir, prefetch: 0, stepThread: 'main' },
    );
    trainedDice = summary.best!.value;
    const { net } = loadRun(dir, 'best');
    const sig = (name: string, seed: number, split: string, n: number) =>
      setSignatures(net.model, new SyntheticDataset(at(name), seed, split, n), 'bottleneck', 16);
    const knn = new KnnScorer(sig('seg-nodule', 3, 'train', nTrain), { k: 1 });
    const inScores = knn.scoreAll(sig('seg-nodule', 3, 'test', nTest));
    planted = oodMetrics(inScores, knn.scoreAll(sig('seg-vessels', 4, 'test', nTest)));
    control = oodMetrics(inScores, knn.scoreAll(sig('seg-nodule', 5, 'test', nTest)));
    const f = (m: { auroc: number; fpr95: number }) => `AUROC ${m.auroc.toFixed(3)}, FPR95 ${m.fpr95.toFixed(3)}`;
    console.log(
      `planted OOD, trained UNet3D bottleneck (validation Dice ${trainedDice.toFixed(3)}): ` +
        `seg-vessels vs seg-nodule ${f(planted)}; control (seg-nodule, another seed) ${f(control)}`,
    );
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('comes from a trained model, and an in-distribution control scores like chance', () => {
    expect(trainedDice).toBeGreaterThan(0.3);
    // Null AUROC with 64 vs 64 samples has a standard deviation of about 0.05: 0.5 ± 0.15 is 3 of them.
    expect(Math.abs(control.auroc - 0.5)).toBeLessThan(0.15);
  });

  it('is detected by the spectral score of the bottleneck with AUROC > 0.9, the issue bar', () => {
    expect(planted.auroc).toBeGreaterThan(0.9);
  });
});
