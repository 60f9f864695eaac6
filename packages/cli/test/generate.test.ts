// `nodulab generate` end to end: in process through main(argv) (a table of runs and of mistakes with
// their exit codes), and as a spawned `node packages/cli/bin/nodulab.js` (from dist); a failed run
// leaves no output folder and no staging folder behind.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NoduleGenerator, openDataset, preset } from '@nodulab/data';
import type { DatasetFolder } from '@nodulab/data';
import { runCli as run } from '../../../test/helpers/run_cli';

const ROOT = path.resolve(__dirname, '..', '..', '..');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-gen-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeSpec(doc: unknown): string {
  const file = path.join(dir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

const tiny = { name: 'tiny', volume: { shape: [16, 16, 16] }, factors: { diameter: { uniform: [5, 8] } } };

describe('nodulab generate', () => {
  it.each<[string, string[], string[]]>([
    [
      'nifti, 2 workers',
      ['--format', 'nifti', '--workers', '2'],
      ['labels', 'manifest.json', 'masks', 'preview.png', 'volumes'],
    ],
    [
      'npz, one thread, test split',
      ['--format', 'npz', '--workers', '0', '--split', 'test'],
      ['manifest.json', 'preview.png', 'test.npz'],
    ],
    ['no preview', ['--preview', '0', '--workers', '0'], ['labels', 'manifest.json', 'masks', 'volumes']],
  ])(
    '%s',
    async (_, extra, listing) => {
      const out = path.join(dir, 'out');
      const r = await run(['generate', '--spec', writeSpec(tiny), '--n', '5', '--seed', '3', '--out', out, ...extra]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/wrote 5 samples of "tiny" \(split (train|test), seed 3\) to .*out/);
      expect(r.stdout).toMatch(/manifest\.json {2}labels 0: \d, 1: \d/);
      expect(fs.readdirSync(out).sort()).toEqual(listing);
      const ds = openDataset(out) as DatasetFolder;
      expect(ds.n).toBe(5);
      const gen = new NoduleGenerator(ds.manifest.spec, 3);
      expect(ds.volume(4)).toEqual(gen.sample(ds.manifest.split, 4).volume);
    },
    30000,
  );

  it('generates a preset split', async () => {
    const out = path.join(dir, 'out');
    const r = await run([
      'generate',
      '--spec',
      'shortcut-size',
      '--split',
      'test-rho0.0',
      '--n',
      '2',
      '--workers',
      '0',
      '--preview',
      '1',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const ds = openDataset(out) as DatasetFolder;
    expect(ds.manifest.resolvedSpec.shortcuts[0].rho).toBe(0);
    expect(ds.shape).toEqual(preset('shortcut-size').volume?.shape ?? [32, 32, 32]);
  }, 30000);

  it.each<[string, (out: string) => string[], number, RegExp]>([
    ['unknown preset', (out) => ['--spec', 'nope', '--out', out], 2, /unknown preset 'nope' \(presets: iid, /],
    ['missing --spec', (out) => ['--out', out], 2, /--spec is required/],
    ['missing --out', () => ['--spec', 'iid'], 2, /--out is required/],
    ['bad --n', (out) => ['--spec', 'iid', '--n', 'ten', '--out', out], 2, /--n must be a number; got 'ten'/],
    ['zero --n', (out) => ['--spec', 'iid', '--n', '0', '--out', out], 2, /--n must be >= 1/],
    [
      'bad format',
      (out) => ['--spec', 'iid', '--format', 'dicom', '--out', out],
      2,
      /--format must be one of nifti, npz/,
    ],
    [
      'unknown split',
      (out) => ['--spec', 'iid', '--split', 'tset', '--out', out],
      2,
      /--split 'tset' is not a split of spec "iid" \(splits: train, val, test\)/,
    ],
    ['stray argument', (out) => ['--spec', 'iid', 'extra', '--out', out], 2, /unexpected argument 'extra'/],
    [
      'missing spec file',
      (out) => ['--spec', path.join(dir, 'none.json'), '--out', out],
      1,
      /error: cannot read dataset spec .*none\.json/,
    ],
    [
      'invalid spec file',
      (out) => ['--spec', writeSpec({ name: 'x', classBalance: 3 }), '--out', out],
      1,
      /error: invalid dataset spec .*spec\.json:\n {2}- spec\.classBalance: must be a probability/,
    ],
  ])('%s', async (_, args, code, message) => {
    const out = path.join(dir, 'out');
    const r = await run(['generate', ...args(out), '--workers', '0']);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
  });

  it('refuses a non-empty --out without --overwrite, replaces it with', async () => {
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'mine.txt'), 'keep');
    const argv = ['generate', '--spec', writeSpec(tiny), '--n', '2', '--workers', '0', '--out', out];
    const r = await run(argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/output folder .*out exists and is not empty \(use --overwrite to replace it\)/);
    expect(fs.readdirSync(out)).toEqual(['mine.txt']);
    expect((await run([...argv, '--overwrite'])).code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['labels', 'manifest.json', 'masks', 'preview.png', 'volumes']);
  });

  it('lists generate in help and prints its usage', async () => {
    expect((await run(['help'])).stdout).toMatch(/generate +write a synthetic nodule dataset folder/);
    const u = await run(['generate', '--help']);
    expect(u.code).toBe(0);
    expect(u.stdout).toMatch(/--format <nifti\|npz>/);
  });
});

describe('spawned nodulab binary (packages/cli/dist; build with `npx tsc -b packages/cli`)', () => {
  const bin = path.join(ROOT, 'packages', 'cli', 'bin', 'nodulab.js');
  const node = (args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 60000 });

  it('writes a dataset and exits 0; a bad run exits non-zero and leaves nothing', () => {
    expect(fs.existsSync(path.join(ROOT, 'packages', 'cli', 'dist', 'commands', 'generate.js'))).toBe(true);
    const ok = node([
      'generate',
      '--spec',
      writeSpec(tiny),
      '--n',
      '4',
      '--seed',
      '1',
      '--out',
      'ds',
      '--workers',
      '2',
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/wrote 4 samples/);
    expect(openDataset(path.join(dir, 'ds')).n).toBe(4);
    const bad = node(['generate', '--spec', 'iid', '--n', '-3', '--out', 'bad']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--n must be >= 1/);
    const exists = node(['generate', '--spec', 'iid', '--n', '2', '--out', 'ds']);
    expect(exists.status).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['ds', 'spec.json']);
  }, 60000);
});
