// Box-consistent augmentation of localization runs: the training boxes of an augmented batch are moved with the
// volumes (every voxel of each moved nodule mask lies inside its moved box, which the unmoved box misses), the box
// loss accepts flips, 90-degree rotations and intensity steps and names any other step, and such a run trains.
import { Compose, DataLoader, SyntheticDataset, preset } from '@nodulab/data';
import { boxTargets, gatherBoxes, resolveRunConfig, train } from '../src';
import { tempDir } from './helpers';

jest.setTimeout(60_000);

const BOX_SAFE = {
  steps: [
    { op: 'flip' as const, axes: [0, 1, 2] as (0 | 1 | 2)[], p: 0.5 },
    { op: 'rot90' as const, planes: 'axial' as const, p: 1 },
    { op: 'intensity' as const },
  ],
};

/** Whether every voxel of mask row k of masks (N, 1, D, H, W) lies within normalised box row k (+-0.5 voxel). */
function maskInside(masks: Float32Array, boxes: Float32Array, k: number, shape: number[]): boolean {
  const [D, H, W] = shape;
  const n = D * H * W;
  const lo = [0, 1, 2].map((a) => (boxes[k * 6 + a] - boxes[k * 6 + 3 + a] / 2) * shape[a] - 1e-4);
  const hi = [0, 1, 2].map((a) => (boxes[k * 6 + a] + boxes[k * 6 + 3 + a] / 2) * shape[a] + 1e-4);
  for (let i = 0; i < n; i++) {
    if (!masks[k * n + i]) continue;
    const p = [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
    // Voxel p spans [p - 0.5, p + 0.5]; the box's extent [centre - size/2, centre + size/2] covers it.
    if (p.some((v, a) => v - 0.5 < lo[a] || v + 0.5 > hi[a])) return false;
  }
  return true;
}

describe('box-consistent augmentation', () => {
  const spec = {
    ...preset('localize'),
    volume: { shape: [16, 16, 16] as [number, number, number], spacing: [3, 3, 3] as [number, number, number] },
  };
  const ds = new SyntheticDataset(spec, 4, 'train', 16);

  it('moves each training box with its augmented volume', () => {
    const loader = new DataLoader(ds, {
      batchSize: 16,
      masks: true,
      transform: { pipeline: new Compose(BOX_SAFE), views: 1, seed: () => 11 },
    });
    const b = [...loader][0];
    expect(b.records).toHaveLength(16);
    const all = boxTargets(ds);
    const moved = gatherBoxes(all, b.indices, b.records).data;
    const unmoved = gatherBoxes(all, b.indices).data;
    let displaced = 0;
    for (let k = 0; k < 16; k++) {
      expect(maskInside(b.masks!.data, moved, k, [16, 16, 16])).toBe(true);
      if (!maskInside(b.masks!.data, unmoved, k, [16, 16, 16])) displaced++;
    }
    // The augmentation really moved nodules: without moving the boxes, some masks fall outside them.
    expect(displaced).toBeGreaterThan(4);
  });

  it('rejects a record count that does not match the rows', () => {
    const b = [
      ...new DataLoader(ds, { batchSize: 4, transform: { pipeline: new Compose(BOX_SAFE), views: 1, seed: () => 1 } }),
    ][0];
    expect(() => gatherBoxes(boxTargets(ds), b.indices.slice(0, 3), b.records)).toThrow(
      /4 augmentation records for 3 rows/,
    );
  });

  const boxConfig = (augment: unknown) => ({
    name: 'box-aug',
    loss: 'box',
    model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } },
    batchSize: 16,
    epochs: 2,
    optimizer: { name: 'adam', lr: 1e-2 },
    data: {
      spec: 'localize',
      seed: 3,
      volume: { shape: [16, 16, 16], spacing: [3, 3, 3] },
      train: { n: 32 },
      val: { n: 16 },
    },
    threads: 1,
    augment,
  });

  it('the box loss takes flips, rotations and intensity steps, and names an affine step', () => {
    expect(resolveRunConfig(boxConfig(BOX_SAFE)).augment).toEqual(BOX_SAFE);
    expect(() => resolveRunConfig(boxConfig({ steps: [{ op: 'flip' }, { op: 'affine' }] }))).toThrow(
      /augment: .*step 1 \(affine\) cannot move a box/,
    );
  });

  it('trains a localizer on augmented batches', async () => {
    const s = await train(boxConfig(BOX_SAFE), { outDir: tempDir('localize-augment') });
    expect(s.status).toBe('completed');
    expect(Number.isFinite(s.best!.metrics.meanIoU)).toBe(true);
  });
});
