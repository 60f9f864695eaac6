// A run survives crashes and refuses bad states: a stale best checkpoint (kill -9 between the last and
// best writes) is repaired on resume, temporary files of interrupted writes are removed, a resumed
// optimizer/schedule at the wrong step fails at load, a diverging loss stops the run naming the last good
// checkpoint, and a second run into the same folder fails at once naming the first.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { encodeSafetensors, loadSafetensors } from '@nodulab/nn';
import { Tensor } from '@nodulab/tensor';
import { OutputLockedError } from '@nodulab/platform';
import { DivergenceError, RunSummary, readTrainState, runPaths, train } from '../src';
import { tempDir, tinyConfig } from './helpers';

jest.setTimeout(120_000);

const root = tempDir('reliability');
const config = tinyConfig({
  loss: 'ce',
  epochs: 3,
  select: 'loss',
  data: { ...tinyConfig().data, train: { split: 'train', n: 48 } },
});
const stopAfterEpoch = (n: number) => {
  const ac = new AbortController();
  return {
    signal: ac.signal,
    onProgress: (p: { kind: string; epoch: number }) => p.kind === 'epoch' && p.epoch === n && ac.abort(),
  };
};

describe('best and last stay consistent', () => {
  it('resume rewrites a best checkpoint left stale by a kill during the final best write', async () => {
    const full = path.join(root, 'full');
    const s = await train(config, { outDir: full });
    const p = runPaths(full);
    // The final epoch was the best: its best write is the one a kill can interrupt.
    expect(s.best?.epoch).toBe(3);
    expect(readTrainState(p.best).epochsDone).toBe(3);
    const bestBytes = fs.readFileSync(p.best);
    // The crash: last holds epoch 3 recording best = epoch 3; best still holds an earlier epoch.
    const early = path.join(root, 'early');
    await train(config, { outDir: early, ...stopAfterEpoch(2) });
    const older = fs.readFileSync(runPaths(early).best);
    expect(readTrainState(runPaths(early).best).epochsDone).toBeLessThan(3);
    fs.writeFileSync(p.best, older);

    const resumed = await train(null, { outDir: full, resume: true });
    expect(resumed.best?.epoch).toBe(3);
    expect(readTrainState(p.best).epochsDone).toBe(3);
    // Exactly the file the uninterrupted run wrote.
    expect(fs.readFileSync(p.best).equals(bestBytes)).toBe(true);
    const log = fs
      .readFileSync(p.log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const resume = log.filter((r) => r.event === 'resume').pop();
    expect(resume.repairs).toEqual([
      `${p.best} held stage 0 epoch ${readTrainState(runPaths(early).best).epochsDone}; rewritten from ${p.last} (stage 0 epoch 3, the recorded best)`,
    ]);
  });

  it('resume writes a best checkpoint that a kill kept from ever appearing, and removes orphan temp files', async () => {
    const dir = path.join(root, 'first-epoch');
    await train(config, { outDir: dir, ...stopAfterEpoch(1) });
    const p = runPaths(dir);
    expect(readTrainState(p.last).best?.epoch).toBe(1);
    const bestBytes = fs.readFileSync(p.best);
    fs.rmSync(p.best);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const orphans = [
      path.join(p.checkpoints, `.last.safetensors.${dead}.m1abcdef.tmp`),
      path.join(p.checkpoints, `.best.safetensors.${dead}.m1abcdeg.tmp`),
      path.join(dir, `.summary.json.${dead}.m1abcdeh.tmp`),
    ];
    for (const f of orphans) fs.writeFileSync(f, 'half a file');
    const stopped = await train(null, { outDir: dir, resume: true, ...stopAfterEpoch(2) });
    expect(stopped.globalStep).toBe(12);
    for (const f of orphans) expect(fs.existsSync(f)).toBe(false);
    expect(fs.readdirSync(p.checkpoints).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const log = fs
      .readFileSync(p.log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const repairs: string[] = log.filter((r) => r.event === 'resume').pop().repairs;
    expect(repairs).toHaveLength(4);
    expect(repairs).toContain(
      `${p.best} held no readable checkpoint; rewritten from ${p.last} (stage 0 epoch 1, the recorded best)`,
    );
    for (const f of orphans) expect(repairs).toContain(`removed ${f}, left by an interrupted write`);
    // The repaired epoch-1 best is the file the run wrote then (epoch 2 may have replaced it since).
    if (readTrainState(p.best).epochsDone === 1) expect(fs.readFileSync(p.best).equals(bestBytes)).toBe(true);
  });
});

describe('resume validates the restored optimizer and schedule', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  type Edit = (tensors: Record<string, Tensor>, meta: { optimizer: Json; scheduler: Json }) => void;

  /** A run stopped after epoch 1 whose last checkpoint is edited by `edit`. */
  async function editedRun(name: string, edit: Edit): Promise<string> {
    const dir = path.join(root, name);
    await train(config, { outDir: dir, ...stopAfterEpoch(1) });
    const { last } = runPaths(dir);
    const { tensors, metadata } = loadSafetensors(last);
    const meta = {
      optimizer: JSON.parse(metadata['nodulab.optimizer']),
      scheduler: JSON.parse(metadata['nodulab.scheduler']),
    };
    edit(tensors, meta);
    metadata['nodulab.optimizer'] = JSON.stringify(meta.optimizer);
    metadata['nodulab.scheduler'] = JSON.stringify(meta.scheduler);
    fs.writeFileSync(last, encodeSafetensors(tensors, metadata));
    return dir;
  }

  it.each<[string, Edit, RegExp]>([
    [
      'exp_avg_sq removed',
      (t) => delete t['optimizer.state.3.exp_avg_sq'],
      /state "exp_avg_sq" of parameter 3 is missing/,
    ],
    ['exp_avg removed', (t) => delete t['optimizer.state.0.exp_avg'], /state "exp_avg" of parameter 0 is missing/],
    [
      'an optimizer step count of another epoch',
      (_t, m) => (m.optimizer.scalars['0'].step = 5),
      /train epoch 1 \(6 steps\), but optimizer state "step" of parameter 0 is 5/,
    ],
    [
      'a schedule at another epoch',
      (_t, m) => (m.scheduler.lastEpoch = 2),
      /train epoch 1, but its learning-rate schedule is at epoch 2/,
    ],
  ])('rejects a last checkpoint with %s, naming the file', async (name, edit, message) => {
    const dir = await editedRun(name.replace(/\W+/g, '-'), edit);
    const error = await train(null, { outDir: dir, resume: true }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(runPaths(dir).last);
  });
});

describe('a diverging loss', () => {
  it('stops the run at once, naming where and the last good checkpoint, which it keeps', async () => {
    const dir = path.join(root, 'diverge');
    // Epoch 1 trains normally; from epoch 2 the rate is multiplied by 1e30.
    const cfg = tinyConfig({ ...config, schedule: { name: 'step', stepSize: 1, gamma: 1e30 } });
    const p = runPaths(dir);
    let error: unknown = null;
    try {
      await train(cfg, { outDir: dir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DivergenceError);
    const message = (error as Error).message;
    expect(message).toMatch(/^loss diverged at train epoch 2 (step \d+|validation): /);
    expect(message).toContain(`the last good checkpoint is ${p.last} (train epoch 1)`);
    expect(readTrainState(p.last).epochsDone).toBe(1);
    expect(fs.existsSync(p.summary)).toBe(false);
    const log = fs
      .readFileSync(p.log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.pop()).toMatchObject({ event: 'diverged', lastGood: p.last });
  });
});

describe('one run per folder', () => {
  it('a second run into the same folder fails at once naming the first; the first completes', async () => {
    const dir = path.join(root, 'shared');
    const [first, second] = await Promise.allSettled([
      train(config, { outDir: dir }),
      train(tinyConfig({ ...config, seed: 1 }), { outDir: dir }),
    ]);
    expect(second.status).toBe('rejected');
    const error = (second as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(OutputLockedError);
    expect(error.message).toContain(`${path.resolve(dir)} is in use by another nodulab process: pid ${process.pid}`);
    expect(first.status).toBe('fulfilled');
    const s = (first as PromiseFulfilledResult<RunSummary>).value;
    expect(s.status).toBe('completed');
    expect(JSON.parse(fs.readFileSync(runPaths(dir).config, 'utf8')).seed).toBe(0);
    expect(fs.existsSync(`${path.resolve(dir)}.lock`)).toBe(false);
    // Once the first has finished, the folder can be resumed.
    await expect(train(null, { outDir: dir, resume: true })).resolves.toMatchObject({ status: 'completed' });
  });
});
