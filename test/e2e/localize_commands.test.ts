// A localizer through the commands: `nodulab train --loss box` on the localize preset, then `evaluate` of its
// checkpoint and of its ONNX export report the same localization metrics through the one Predictor path.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnCli as run } from '../helpers/spawn_cli';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-localize-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('train --loss box, evaluate, export', () => {
  it('gives the same localization metrics from the checkpoint and from ONNX', async () => {
    const runDir = path.join(dir, 'run');
    const common = ['--spec', 'localize', '--n-train', '32', '--n-val', '16'];
    const t = await run([
      'train',
      '--loss',
      'box',
      ...common,
      '--epochs',
      '1',
      '--width',
      '0.25',
      '--batch-size',
      '16',
      '--out',
      runDir,
    ]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/best: train epoch 1, meanIoU \d/);
    const e1 = await run([
      'evaluate',
      '--checkpoint',
      runDir,
      '--spec',
      'localize',
      '--n',
      '16',
      '--out',
      path.join(dir, 'c.json'),
    ]);
    expect(e1.code).toBe(0);
    const onnx = path.join(dir, 'm.onnx');
    const x = await run(['export', '--checkpoint', runDir, '--out', onnx]);
    expect(x.code).toBe(0);
    expect(x.stdout).toMatch(/nodulenet3d localization, .* outputs boxes/);
    const e2 = await run([
      'evaluate',
      '--model',
      onnx,
      '--spec',
      'localize',
      '--n',
      '16',
      '--out',
      path.join(dir, 'o.json'),
    ]);
    expect(e2.code).toBe(0);
    const [c, o] = ['c.json', 'o.json'].map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    expect(c.task).toBe('localization');
    expect(o.task).toBe('localization');
    for (const k of ['meanIoU', 'hitRate50', 'hitRate25', 'meanCentreErrorMm'])
      expect(o.splits.test[k]).toBeCloseTo(c.splits.test[k], 3);
    expect(c.splits.test.n).toBe(16);
  });
});
