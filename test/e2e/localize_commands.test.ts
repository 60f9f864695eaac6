// A localizer through the commands: `nodulab train --loss box` on the localize preset, then `evaluate` of its
// checkpoint and of its ONNX export report the same localization metrics through the one Predictor path.
import * as fs from 'fs';
import * as path from 'path';
import { spawnCli as run } from '../helpers/spawn_cli';
import { suiteTempDir } from '../helpers/temp_dir';

jest.setTimeout(120_000);

const dir = suiteTempDir('nodulab-localize-');

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
    /** `nodulab evaluate <model> --spec localize --n 16 --out <dir>/<out>`. */
    const evaluate = (model: string[], out: string) =>
      run(['evaluate', ...model, '--spec', 'localize', '--n', '16', '--out', path.join(dir, out)]);
    const e1 = await evaluate(['--checkpoint', runDir], 'c.json');
    expect(e1.code).toBe(0);
    const onnx = path.join(dir, 'm.onnx');
    const x = await run(['export', '--checkpoint', runDir, '--out', onnx]);
    expect(x.code).toBe(0);
    expect(x.stdout).toMatch(/nodulenet3d localization, .* outputs boxes/);
    const e2 = await evaluate(['--model', onnx], 'o.json');
    expect(e2.code).toBe(0);
    const [c, o] = ['c.json', 'o.json'].map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    expect(c.task).toBe('localization');
    expect(o.task).toBe('localization');
    for (const k of ['meanIoU', 'hitRate50', 'hitRate25', 'meanCentreErrorMm'])
      expect(o.splits.test[k]).toBeCloseTo(c.splits.test[k], 3);
    expect(c.splits.test.n).toBe(16);
  });
});
