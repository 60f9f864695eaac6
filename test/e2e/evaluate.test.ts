/**
 * @jest-environment <rootDir>/helpers/node_realm_environment.js
 */
// `nodulab evaluate --checkpoint <run>` (in-process) and `--model <run>.onnx` (onnxruntime-node, after
// `nodulab export`) print the same metrics on the same spec; giving both or neither is a usage error.
import * as fs from 'fs';
import * as path from 'path';
import { runCli as run } from '../helpers/run_cli';
import { suiteTempDir } from '../helpers/temp_dir';

jest.setTimeout(60_000);

const dir = suiteTempDir('nodulab-evaluate-cli-');
const f = (name: string) => path.join(dir, name);

/** Large spiculated vs small smooth nodules at 16^3 with a lung window of its own. */
const SPEC = {
  name: 'easy',
  volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
  window: { center: -500, width: 1400 },
  classes: {
    '0': { lobulation: { uniform: [0, 0.02] }, spiculationCount: { const: 0 }, diameter: { uniform: [6, 8] } },
    '1': { lobulation: { uniform: [0.3, 0.4] }, spiculationCount: { int: [6, 8] }, diameter: { uniform: [14, 18] } },
  },
};
const CONFIG = {
  model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } },
  batchSize: 8,
  epochs: 3,
  optimizer: { name: 'adam', lr: 0.01 },
  data: { spec: SPEC, train: { split: 'train', n: 48 }, val: { split: 'val', n: 16 } },
  threads: 1,
};

/** The numbers of each printed "split n=… name=value …" line. */
function printed(stdout: string): Record<string, Record<string, number>> {
  const lines = stdout.split('\n').filter(Boolean);
  return Object.fromEntries(
    lines.map((l) => {
      const [split, ...fields] = l.split(/\s+/);
      return [split, Object.fromEntries(fields.map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]))];
    }),
  );
}

describe('nodulab evaluate --checkpoint and --model', () => {
  beforeAll(async () => {
    fs.writeFileSync(f('config.json'), JSON.stringify(CONFIG));
    fs.writeFileSync(f('spec.json'), JSON.stringify(SPEC));
    expect((await run(['train', '--config', f('config.json'), '--out', f('run')])).code).toBe(0);
    const ex = await run(['export', '--checkpoint', f('run'), '--out', f('run.onnx')]);
    expect(ex.code).toBe(0);
    // The export takes its input size and window from the run's own dataset spec.
    expect(ex.stdout).toMatch(/input input \(N, 1, 16, 16, 16\)/);
  });

  it('print the same metrics for a run folder and its ONNX export', async () => {
    const common = ['--spec', f('spec.json'), '--n', '24', '--batch', '10', '--split', 'test,val'];
    const ckpt = await run(['evaluate', '--checkpoint', f('run'), ...common, '--out', f('ckpt.json')]);
    const onnx = await run(['evaluate', '--model', f('run.onnx'), ...common, '--out', f('onnx.json')]);
    expect(ckpt.stderr).toBe('');
    expect(ckpt.code).toBe(0);
    expect(onnx.code).toBe(0);
    const a = printed(ckpt.stdout);
    const b = printed(onnx.stdout);
    expect(Object.keys(a)).toEqual(['test', 'val']);
    expect(Object.keys(b)).toEqual(['test', 'val']);
    const ja = JSON.parse(fs.readFileSync(f('ckpt.json'), 'utf8'));
    const jb = JSON.parse(fs.readFileSync(f('onnx.json'), 'utf8'));
    expect(ja).toMatchObject({ checkpoint: f('run'), modelKind: 'nodulenet3d', task: 'classification', n: 24 });
    expect(jb).toMatchObject({ model: f('run.onnx'), modelKind: 'nodulenet3d', task: 'classification', n: 24 });
    for (const split of ['test', 'val']) {
      expect(a[split].n).toBe(24);
      for (const k of ['accuracy', 'sensitivity', 'specificity', 'balancedAccuracy', 'auroc']) {
        expect(Number.isFinite(a[split][k])).toBe(true);
        // Printed to 4 decimals; the values themselves agree within 1e-4.
        expect(Math.abs(a[split][k] - b[split][k])).toBeLessThanOrEqual(1e-4 + 1e-9);
        expect(Math.abs(ja.splits[split][k] - jb.splits[split][k])).toBeLessThanOrEqual(1e-4);
      }
      expect(ja.splits[split].confusion).toEqual(jb.splits[split].confusion);
    }
  });

  it.each([
    [['evaluate', '--spec', 'iid'], /give exactly one of --model <m.onnx> and --checkpoint/],
    [
      ['evaluate', '--spec', 'iid', '--model', 'm.onnx', '--checkpoint', 'runs/x'],
      /give exactly one of --model <m.onnx> and --checkpoint/,
    ],
  ])('%j exits 2', async (argv, message) => {
    const r = await run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a checkpoint of another volume size than the spec is an error naming both', async () => {
    const r = await run(['evaluate', '--checkpoint', f('run'), '--spec', 'iid', '--n', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/generates \(32, 32, 32\) volumes; the model expects \(16, 16, 16\)/);
  });
});
