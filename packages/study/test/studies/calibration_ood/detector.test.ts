// Choosing the spectral detector on validation volumes: the voxel shuffle keeps each volume's intensities and the
// same permutation across channels; the choice is the candidate of highest AUROC (the earliest among equals), its
// AUROC recomputes from the signatures, and it is the same on a second run.
import { InMemoryDataset } from '@nodulab/data';
import { KnnScorer, oodMetrics } from '@nodulab/eval';
import { Generator } from '@nodulab/tensor';
import { buildNet } from '@nodulab/train';
import { studyRunConfig } from '../../../src/studies/calibration_ood/configs';
import { SetCache, presetSet } from '../../../src/studies/calibration_ood/data';
import {
  chooseDetector,
  setLayerSignatures,
  shuffleStream,
  voxelShuffledSet,
} from '../../../src/studies/calibration_ood/detector';
import { fakeSpec } from './fakes';

describe('voxelShuffledSet', () => {
  // Two channels, the second twice the first, so one permutation across channels keeps that.
  const V = 27;
  const volumes = new Float32Array(2 * 2 * V);
  for (let n = 0; n < 2; n++)
    for (let v = 0; v < V; v++) {
      volumes[(n * 2 + 0) * V + v] = n * 100 + v;
      volumes[(n * 2 + 1) * V + v] = 2 * (n * 100 + v);
    }
  const ds = new InMemoryDataset({
    name: 'ramp',
    shape: [3, 3, 3],
    spacing: [1, 1, 1],
    channels: 2,
    volumes,
    labels: Int32Array.from([0, 1]),
  });

  it('permutes the voxels of each volume, keeping its values and one permutation across its channels', () => {
    const out = voxelShuffledSet(ds, new Generator(5));
    expect([out.length, out.shape, out.channels, Array.from(out.labels)]).toEqual([2, [3, 3, 3], 2, [0, 1]]);
    for (let n = 0; n < 2; n++) {
      const c0 = Array.from(out.volumes.subarray(n * 2 * V, (n * 2 + 1) * V));
      const c1 = Array.from(out.volumes.subarray((n * 2 + 1) * V, (n * 2 + 2) * V));
      expect([...c0].sort((a, b) => a - b)).toEqual(Array.from({ length: V }, (_, v) => n * 100 + v));
      expect(c0).not.toEqual(Array.from({ length: V }, (_, v) => n * 100 + v));
      expect(c1).toEqual(c0.map((x) => 2 * x));
    }
    expect(voxelShuffledSet(ds, new Generator(5)).volumes).toEqual(out.volumes);
    expect(voxelShuffledSet(ds, new Generator(6)).volumes).not.toEqual(out.volumes);
  });
});

describe('chooseDetector', () => {
  const spec = { ...fakeSpec, presets: ['seg-nodule', 'seg-vessels'], trainN: 8, valN: 4 };
  const layers = ['bottleneck', 'encoders.0', 'decoders.0'];
  const ks = [1, 3];
  const seed = 2;
  let choose: () => ReturnType<typeof chooseDetector>;
  let recompute: (layer: string, k: number) => number;

  beforeAll(async () => {
    const cache: SetCache = new Map();
    const model = buildNet(studyRunConfig(spec, 'detector-test', 0, spec.presets, spec.trainN, null)).model;
    const sets = (split: string, n: number) =>
      Promise.all(spec.presets.map((p) => presetSet(spec, seed, p, split, n, cache)));
    const train = setLayerSignatures(model, await sets('train', spec.trainN), layers, 4);
    const val = await sets('val', spec.valN);
    choose = () => chooseDetector(model, train, val, { layers, ks }, seed, 4);
    const g = new Generator(shuffleStream(seed));
    const shuffled = val.map((ds) => voxelShuffledSet(ds, g));
    const inSig = setLayerSignatures(model, val, layers, 4);
    const outSig = setLayerSignatures(model, shuffled, layers, 4);
    recompute = (layer, k) => {
      const knn = new KnnScorer(train[layer], { k });
      return oodMetrics(knn.scoreAll(inSig[layer]), knn.scoreAll(outSig[layer])).auroc;
    };
  });

  it('weighs every layer and k in order, each AUROC recomputed from the signatures', () => {
    const { choice } = choose();
    expect(choice.candidates.map((c) => [c.layer, c.k])).toEqual(layers.flatMap((l) => ks.map((k) => [l, k])));
    for (const c of choice.candidates) expect(c.auroc).toBeCloseTo(recompute(c.layer, c.k), 12);
  });

  it('chooses the highest AUROC, the earliest among equals, and its k-NN scorer', () => {
    const { choice, knn, trainSignatures } = choose();
    const best = Math.max(...choice.candidates.map((c) => c.auroc));
    const first = choice.candidates.find((c) => c.auroc === best)!;
    expect([choice.layer, choice.k, choice.validationAuroc]).toEqual([first.layer, first.k, best]);
    expect(knn.k).toBe(choice.k);
    expect(trainSignatures).toHaveLength(spec.presets.length * spec.trainN);
  });

  it('tells volumes from their voxel-shuffled copies at some layer (the outlier set is not vacuous)', () => {
    expect(choose().choice.validationAuroc).toBeGreaterThan(0.9);
  });

  it('chooses the same on a second run', () => {
    expect(choose().choice).toEqual(choose().choice);
  });
});
