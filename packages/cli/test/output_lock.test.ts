// Exclusive outputs and clean failures through main(argv): generate, train, study and export refuse an
// output another running process holds (exit 1, naming its pid and command) and write nothing; two
// concurrent generate runs into one folder leave one complete dataset; a diverging train exits 1 saying
// so; a stopped study leaves neither its folder nor <out>.partial.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as run } from '../../../test/helpers/run_cli';
import { tinyRunConfig } from '../../../test/helpers/tiny_run';

jest.setTimeout(120_000);

let dir: string;
let sleeper: ChildProcess | null = null;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-lock-cli-'));
});
afterEach(() => {
  sleeper?.kill();
  sleeper = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const tiny = { name: 'tiny', volume: { shape: [16, 16, 16] }, factors: { diameter: { uniform: [5, 8] } } };

function writeJson(name: string, doc: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('a locked output', () => {
  it.each<[string, (out: string) => string[]]>([
    ['generate', (out) => ['generate', '--spec', writeJson('spec.json', tiny), '--n', '2', '--out', out]],
    ['train', (out) => ['train', '--config', writeJson('run.json', tinyRunConfig(16)), '--out', out]],
    ['study', (out) => ['study', '--quick', '--out', out]],
    ['export', (out) => ['export', '--checkpoint', path.join(dir, 'none.safetensors'), '--out', out]],
  ])('nodulab %s fails at once naming the holder, and writes nothing', async (_name, argv) => {
    sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const out = path.join(dir, 'out');
    const lock = `${out}.lock`;
    const holder = JSON.stringify({ pid: sleeper.pid, command: 'nodulab other --out out', since: 'now' });
    fs.writeFileSync(lock, holder);
    const args = argv(out);
    const before = fs.readdirSync(dir).sort();
    const t0 = Date.now();
    const r = await run(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${out} is in use by another nodulab process: pid ${sleeper.pid} (nodulab other --out out)`,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(fs.readdirSync(dir).sort()).toEqual(before);
    expect(fs.readFileSync(lock, 'utf8')).toBe(holder);
  });

  it('two concurrent generate runs into one folder: one fails naming the other, one complete dataset', async () => {
    const out = path.join(dir, 'data');
    const spec = writeJson('spec.json', tiny);
    const args = (seed: number) => [
      'generate',
      '--spec',
      spec,
      '--n',
      '4',
      '--seed',
      String(seed),
      '--workers',
      '0',
      '--out',
      out,
    ];
    const [a, b] = await Promise.all([run(args(1)), run(args(2))]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toContain(`${out} is in use by another nodulab process: pid ${process.pid}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.seed).toBe(a.code === 0 ? 1 : 2);
    expect(manifest.samples).toHaveLength(4);
    expect(fs.readdirSync(dir).sort()).toEqual(['data', 'spec.json']);
  });
});

describe('failures leave nothing half-written', () => {
  it('nodulab train with a diverging loss exits 1 saying so', async () => {
    const out = path.join(dir, 'run');
    // Two steps in the first epoch: the second sees the weights the first step blew up.
    const config = writeJson('run.json', tinyRunConfig(16));
    const r = await run(['train', '--config', config, '--lr', '1e30', '--optimizer', 'sgd', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nodulab train: error: loss diverged at train epoch 1 (step \d+|validation): /);
    expect(r.stderr).toContain('no checkpoint was written before it');
    expect(fs.existsSync(`${out}.lock`)).toBe(false);
  });

  it('a stopped nodulab study leaves neither its folder nor <out>.partial', async () => {
    const out = path.join(dir, 'study');
    let stopped = false;
    const r = await run(['study', '--quick', '--out', out], (text) => {
      if (!stopped && /^study /.test(text)) {
        stopped = true;
        process.emit('SIGINT');
      }
    });
    expect(stopped).toBe(true);
    expect(r.code).not.toBe(0);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
