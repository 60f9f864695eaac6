// Spectral signatures: values on a feature map with known singular values, the layer-name error, k-NN
// scores, and a planted OOD case — volumes of a very different acquisition (a fifth of the contrast)
// detected by the spectral score of a randomly initialised U-Net's first encoder block with AUROC > 0.9.
import { Tensor } from '@nodulab/tensor';
import { UNet3D } from '@nodulab/nn';
import { DatasetSpec, SyntheticDataset, preset } from '@nodulab/data';
import {
  SIGNATURE_EPS,
  SIGNATURE_RELATIVE_FLOOR,
  layerNames,
  layerSignatures,
  layersSignatures,
  oodMetrics,
  spectralOodScores,
  spectralSignatures,
} from '../src';

describe('spectralSignatures', () => {
  it('is log(s + floor), L2-normalised, for a feature map with known singular values', () => {
    // Sample 0: channels [3,0,0,0] and [0,4,0,0] (orthogonal rows) -> s = [4, 3].
    // Sample 1: channels [0,0,2,0] and [0,0,0,0] -> s = [2, 0], the zero giving log(floor), floor = 1e-5 x 2.
    const fm = new Tensor(new Float32Array([3, 0, 0, 0, 0, 4, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]), [2, 2, 1, 2, 2]);
    const [a, b] = spectralSignatures(fm);
    const normed = (v: number[]) => v.map((x) => x / Math.hypot(...v));
    const floorA = SIGNATURE_RELATIVE_FLOOR * 4;
    const floorB = SIGNATURE_RELATIVE_FLOOR * 2;
    const wantA = normed([Math.log(4 + floorA), Math.log(3 + floorA)]);
    const wantB = normed([Math.log(2 + floorB), Math.log(floorB)]);
    wantA.forEach((w, i) => expect(a[i]).toBeCloseTo(w, 5));
    wantB.forEach((w, i) => expect(b[i]).toBeCloseTo(w, 5));
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
  });

  it('reads singular values at float32 rounding level alike: 0 and 8e-8 beside 8 give nearly the same signature', () => {
    // Sample 0: s = [8, 0]; sample 1: s = [8, 8e-8] (rows [8,0] and [0,8e-8]).
    const fm = new Tensor(new Float32Array([8, 0, 0, 0, 8, 0, 0, 8e-8]), [2, 2, 2]);
    const [a, b] = spectralSignatures(fm);
    expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeLessThan(1e-3);
    // A zero-only map still gives a finite signature (the absolute floor).
    expect(spectralSignatures(new Tensor(new Float32Array(4), [1, 2, 2]))[0].every(Number.isFinite)).toBe(true);
    expect(SIGNATURE_EPS).toBe(1e-10);
  });

  it('has min(C, D·H·W) entries and rejects bad feature maps', () => {
    expect(spectralSignatures(new Tensor(new Float32Array(2 * 5 * 3).fill(1), [2, 5, 3]))[0]).toHaveLength(3);
    expect(() => spectralSignatures(new Tensor(new Float32Array(4), [2, 2]))).toThrow('must be (N, C, ...spatial)');
    const nan = new Tensor(new Float32Array([1, NaN, 0, 1]), [1, 2, 2]);
    expect(() => spectralSignatures(nan)).toThrow('sample 0 of the feature map holds NaN');
  });
});

describe('layerSignatures', () => {
  const model = new UNet3D({ baseChannels: 2, levels: 1, seed: 1 });
  it('names the model layers when the layer does not exist', () => {
    expect(layerNames(model)).toContain('bottleneck');
    const x = new Tensor(new Float32Array(4 * 4 * 4), [1, 1, 4, 4, 4]);
    expect(() => layerSignatures(model, x, 'bottelneck')).toThrow(
      /UNet3D has no layer "bottelneck"; its layers: encoders, encoders\.0, .*bottleneck/,
    );
  });
  it('leaves the training mode as it was', () => {
    model.train();
    layerSignatures(model, new Tensor(new Float32Array(2 * 64).fill(0.5), [2, 1, 4, 4, 4]), 'bottleneck');
    expect(model.training).toBe(true);
  });
  it('gives several layers from one pass, each as layerSignatures gives it alone', () => {
    const x = new Tensor(
      Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i)),
      [2, 1, 4, 4, 4],
    );
    const both = layersSignatures(model, x, ['encoders.0', 'bottleneck']);
    expect(Object.keys(both)).toEqual(['encoders.0', 'bottleneck']);
    for (const layer of ['encoders.0', 'bottleneck']) expect(both[layer]).toEqual(layerSignatures(model, x, layer));
    expect(() => layersSignatures(model, x, ['bottleneck', 'nope'])).toThrow(/UNet3D has no layer "nope"/);
  });
});

describe('spectral OOD score', () => {
  it('is the k-NN distance to the training signatures, and k beyond the training set is an error', () => {
    const train = [
      [1, 0],
      [0, 1],
    ];
    expect(Array.from(spectralOodScores(train, [[1, 0]], { k: 2 }))).toEqual([Math.SQRT2]);
    expect(() => spectralOodScores(train, [[1, 0]], { k: 3 })).toThrow(
      'k = 3 is larger than the training set (2 vectors)',
    );
  });

  it('detects a planted OOD set (a very different acquisition) with AUROC > 0.9', () => {
    // In distribution: the iid preset. OOD: the same anatomy and nodules seen by a "modality" whose contrast
    // gain is 0.2-0.3 instead of 1. Signatures of the first encoder block of a randomly initialised U-Net.
    const lowContrast: DatasetSpec = {
      ...preset('iid'),
      name: 'low-contrast',
      factors: { contrast: { uniform: [0.2, 0.3] } },
    };
    const batch = (spec: DatasetSpec, split: string, seed: number, n: number) => {
      const ds = new SyntheticDataset({ ...spec, volume: { shape: [16, 16, 16] } }, seed, split, n);
      const data = new Float32Array(n * 16 ** 3);
      for (let i = 0; i < n; i++) data.set(ds.get(i).volume, i * 16 ** 3);
      return new Tensor(data, [n, 1, 16, 16, 16]);
    };
    const model = new UNet3D({ baseChannels: 8, levels: 2, seed: 3 });
    const trainSig = layerSignatures(model, batch(preset('iid'), 'train', 1, 32), 'encoders.0');
    const inSig = layerSignatures(model, batch(preset('iid'), 'test', 2, 16), 'encoders.0');
    const outSig = layerSignatures(model, batch(lowContrast, 'test', 3, 16), 'encoders.0');
    const scores = spectralOodScores(trainSig, [...inSig, ...outSig], { k: 3 });
    const m = oodMetrics(scores.subarray(0, 16), scores.subarray(16));
    expect(m.auroc).toBeGreaterThan(0.9);
  });
});
