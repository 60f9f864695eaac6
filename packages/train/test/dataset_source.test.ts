// Training from dataset folders written by `nodulab generate` (data.train.path / data.val.path): the
// same volumes as the generator gives, so the run matches one on the synthetic source.
import * as fs from 'fs';
import * as path from 'path';
import { fetchBatch, writeDataset } from '@nodulab/data';
import type { DatasetSpec } from '@nodulab/data';
import { openSource, resolveRunConfig, train } from '../src';
import { EASY_SPEC, tempDir, tinyConfig } from './helpers';

jest.setTimeout(30_000);

describe('dataset folder sources', () => {
  const root = tempDir('folders');
  const folders = { train: path.join(root, 'train'), val: path.join(root, 'val') };

  beforeAll(async () => {
    for (const [split, n] of [
      ['train', 24],
      ['val', 16],
    ] as const) {
      await writeDataset(folders[split], {
        spec: EASY_SPEC as unknown as DatasetSpec,
        seed: 1,
        split,
        n,
        workers: 0,
        preview: 0,
        format: 'npz',
      });
    }
  });

  it('reads the folder, defaults n to its size and checks n', () => {
    const cfg = resolveRunConfig(
      tinyConfig({
        data: {
          ...tinyConfig().data,
          train: { split: 'train', path: folders.train },
          val: { split: 'val', path: folders.val, n: 8 },
        },
      }),
    );
    expect(cfg.data.train.n).toBe(24);
    expect(cfg.data.val.n).toBe(8);
    const folder = fetchBatch(openSource(cfg.data, 'train'), [0, 5]);
    const synthetic = fetchBatch(openSource({ ...cfg.data, train: { split: 'train', n: 24 } }, 'train'), [0, 5]);
    expect(Array.from(folder.labels)).toEqual(Array.from(synthetic.labels));
    let maxDiff = 0;
    folder.x.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - synthetic.x.data[i]))));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(() => resolveRunConfig({ data: { train: { split: 'train', path: folders.train, n: 25 } } })).toThrow(
      /data.train.n: 25 is more than the 24 samples/,
    );
    expect(() => resolveRunConfig({ data: { train: { split: 'train', path: path.join(root, 'missing') } } })).toThrow(
      /data.train.path: openDataset/,
    );
  });

  it('trains on folders', async () => {
    const out = path.join(root, 'run');
    const s = await train(
      tinyConfig({
        epochs: 1,
        data: {
          ...tinyConfig().data,
          train: { split: 'train', path: folders.train },
          val: { split: 'val', path: folders.val },
        },
      }),
      { outDir: out },
    );
    expect(s.status).toBe('completed');
    expect(s.final?.n).toBe(16);
    expect(fs.existsSync(path.join(out, 'checkpoints', 'last.safetensors'))).toBe(true);
  });
});
