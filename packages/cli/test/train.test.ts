// `nodulab train` in process through main(argv): a run from options and from a --config file writes
// its run folder; --resume continues a stopped run to the same weights; mistakes exit 2 and write nothing.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as run } from '../../../test/helpers/run_cli';
import { tinyRunConfig } from '../../../test/helpers/tiny_run';

jest.setTimeout(60_000);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-train-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A tiny, easy run: large spiculated vs small smooth nodules, 16^3 voxels, a quarter-width model. */
const TINY = tinyRunConfig(48);

function writeConfig(doc: unknown): string {
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('nodulab train', () => {
  it('trains from a config file with options laid over it and writes the run folder', async () => {
    const out = path.join(dir, 'run');
    const r = await run([
      'train',
      '--config',
      writeConfig(TINY),
      '--loss',
      'ce',
      '--epochs',
      '2',
      '--seed',
      '3',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/trained ce \(train 2 epochs\), seed 3/);
    expect(r.stdout).toMatch(/AUROC \d\.\d{3}/);
    expect(r.stderr).toMatch(
      /train epoch 2\/2: train loss [\d.]+, val loss [\d.]+ acc [\d.]+ auroc [\d.]+, [\d.]+ samples\/s/,
    );
    expect(fs.readdirSync(out).sort()).toEqual(['checkpoints', 'config.json', 'log.jsonl', 'summary.json']);
    const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ loss: 'ce', epochs: 2, seed: 3, batchSize: 8 });
  });

  it('Ctrl-C stops after a checkpoint and --resume continues to the same weights', async () => {
    const cfg = writeConfig({ ...TINY, epochs: 2 });
    const full = path.join(dir, 'full');
    expect((await run(['train', '--config', cfg, '--out', full])).code).toBe(0);

    const split = path.join(dir, 'split');
    // Interrupt (as Ctrl-C would) as soon as epoch 1 is reported.
    const first = await run(['train', '--config', cfg, '--out', split], (text) => {
      if (/train epoch 1\/2:/.test(text)) process.emit('SIGINT');
    });
    expect(first.code).toBe(130);
    expect(first.stdout).toMatch(/stopped ce .*\n[\s\S]*continue with: nodulab train --resume --out /);
    const second = await run(['train', '--resume', '--out', split]);
    expect(second.code).toBe(0);
    for (const f of ['last', 'best']) {
      const a = fs.readFileSync(path.join(full, 'checkpoints', `${f}.safetensors`));
      expect(fs.readFileSync(path.join(split, 'checkpoints', `${f}.safetensors`)).equals(a)).toBe(true);
    }
  });

  it.each<[string, (d: string) => string[], RegExp]>([
    [
      'an unknown loss',
      (d) => ['train', '--loss', 'triplet', '--out', path.join(d, 'run')],
      /--loss must be one of ce, supcon, supcon-joint, simclr/,
    ],
    [
      'a missing config file',
      (d) => ['train', '--config', path.join(d, 'nope.json'), '--out', path.join(d, 'run')],
      /cannot read --config/,
    ],
    [
      'a config that is not JSON',
      (d) => ['train', '--config', writeRaw(d, '{"loss": '), '--out', path.join(d, 'run')],
      /not valid JSON/,
    ],
    [
      'a malformed config',
      (d) => [
        'train',
        '--config',
        writeRaw(d, JSON.stringify({ epochs: -1, optimizer: { name: 'rmsprop' } })),
        '--out',
        path.join(d, 'run'),
      ],
      /invalid run config:\n {2}- optimizer.name: must be one of sgd, adam, adamw, got "rmsprop"\n {2}- epochs: must be an integer >= 1/,
    ],
    ['--resume without --out', () => ['train', '--resume'], /--resume needs --out/],
    ['--resume of nothing', (d) => ['train', '--resume', '--out', path.join(d, 'run')], /nothing to resume/],
  ])('%s: exit 2, nothing written', async (_, argv, message) => {
    const r = await run(argv(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(dir, 'run'))).toBe(false);
  });
});

function writeRaw(d: string, text: string): string {
  const file = path.join(d, 'bad.json');
  fs.writeFileSync(file, text);
  return file;
}
