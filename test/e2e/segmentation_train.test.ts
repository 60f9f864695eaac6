/**
 * @jest-environment <rootDir>/helpers/node_realm_environment.js
 */
// A segmentation run through the CLI: `nodulab train --config` a UNet3D on a seg-* preset (Dice + CE,
// validation Dice and HD95), `nodulab evaluate --checkpoint` on it, `nodulab export`, and the exported
// graph's per-voxel logits equal the checkpoint's forward pass.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DatasetSpec, SyntheticDataset, fetchBatch, preset } from '@nodulab/data';
import { loadCheckpointPredictor } from '@nodulab/eval';
import { OnnxPredictor } from '@nodulab/onnx';
import { runCli as run } from '../helpers/run_cli';

jest.setTimeout(180_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-seg-e2e-'));
const f = (name: string) => path.join(dir, name);
const spec: DatasetSpec = { ...preset('seg-vessels'), volume: { shape: [16, 16, 16], spacing: [2, 1, 1] } };

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a UNet3D run through the CLI', () => {
  it('trains, evaluates and exports; the ONNX graph computes the checkpoint forward', async () => {
    fs.writeFileSync(f('spec.json'), JSON.stringify(spec));
    const config = {
      name: 'seg',
      model: { kind: 'unet3d', options: { baseChannels: 4 } },
      batchSize: 8,
      epochs: 2,
      optimizer: { name: 'adam', lr: 1e-2 },
      data: { spec: f('spec.json'), seed: 2, train: { split: 'train', n: 16 }, val: { split: 'val', n: 8 } },
      threads: 1,
    };
    fs.writeFileSync(f('run.json'), JSON.stringify(config));
    const tr = await run(['train', '--config', f('run.json'), '--out', f('run')]);
    expect(tr.code).toBe(0);
    expect(tr.stderr).toMatch(/train epoch 2\/2: train loss \d\.\d{4}, val loss \d\.\d+ dice \d\.\d+ hd95 \S+ mm/);
    expect(tr.stdout).toMatch(/trained dice-ce .*\n.*Dice \d\.\d+, HD95 \S+ mm\n\s+best: train epoch \d, dice \d\.\d+/);

    const ev = await run([
      'evaluate',
      '--checkpoint',
      f('run'),
      '--spec',
      f('spec.json'),
      '--n',
      '4',
      '--split',
      'test',
    ]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/test\s+n=4 meanDice=\d\.\d{4} meanHD95=\S+ mm \(finite in \d\)/);

    const ex = await run(['export', '--checkpoint', f('run'), '--out', f('seg.onnx')]);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toMatch(/unet3d segmentation/);

    const x = fetchBatch(new SyntheticDataset(spec, 5, 'test', 3), [0, 1, 2]).x;
    const mine = await loadCheckpointPredictor(f('run')).predict(x);
    const onnx = await OnnxPredictor.load(f('seg.onnx'));
    try {
      const theirs = await onnx.predict(x);
      expect(theirs.shape).toEqual([3, 2, 16, 16, 16]);
      let worst = 0;
      for (let i = 0; i < mine.size; i++)
        worst = Math.max(worst, Math.abs(theirs.data[i] - mine.data[i]) / (1 + Math.abs(mine.data[i])));
      expect(worst).toBeLessThan(1e-4);
    } finally {
      await onnx.release();
    }
  });
});
