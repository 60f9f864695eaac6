// Resume equals uninterrupted: a run stopped after its first epoch (or mid-epoch, or across the
// pretrain -> probe boundary) and resumed ends with byte-identical checkpoints to a run never stopped;
// so does a run whose batches are prefetched in a worker thread.
import * as fs from 'fs';
import * as path from 'path';
import { loadSafetensors } from '@nodulab/nn';
import { TrainProgress, train } from '../src';
import { tempDir, tinyConfig } from './helpers';

jest.setTimeout(60_000);

/** Aborts when `when` first holds for a progress event. */
function stopWhen(when: (p: TrainProgress) => boolean): {
  signal: AbortSignal;
  onProgress: (p: TrainProgress) => void;
} {
  const ac = new AbortController();
  return {
    signal: ac.signal,
    onProgress: (p) => {
      if (when(p)) ac.abort();
    },
  };
}

function tensorsOf(file: string): Record<string, Buffer> {
  const { tensors } = loadSafetensors(file);
  return Object.fromEntries(
    Object.entries(tensors).map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]),
  );
}

describe('resume continues a run exactly', () => {
  const root = tempDir('resume');
  it.each([
    ['ce, stopped after epoch 1', { loss: 'ce', epochs: 3 }, (p: TrainProgress) => p.kind === 'epoch' && p.epoch === 1],
    [
      'ce on 2 threads, stopped mid-epoch 2',
      { loss: 'ce', epochs: 3, threads: 2 },
      (p: TrainProgress) => p.kind === 'step' && p.epoch === 2 && p.step === 5,
    ],
    [
      'simclr + finetune (SGD, warm-up), stopped after pretraining',
      {
        loss: 'simclr',
        pretrainEpochs: 2,
        probe: { mode: 'finetune', epochs: 2 },
        optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 },
        schedule: { name: 'cosine', warmupEpochs: 1 },
      },
      (p: TrainProgress) => p.kind === 'epoch' && p.stage === 'pretrain' && p.epoch === 2,
    ],
    [
      'supcon + fitted linear probe, stopped after pretraining epoch 1',
      { loss: 'supcon', pretrainEpochs: 2, probe: { mode: 'linear' } },
      (p: TrainProgress) => p.kind === 'epoch' && p.stage === 'pretrain' && p.epoch === 1,
    ],
  ] as const)('%s', async (label, overrides, when) => {
    const dir = path.join(root, label.replace(/\W+/g, '-'));
    const config = tinyConfig({
      ...(overrides as object),
      data: { ...tinyConfig().data, train: { split: 'train', n: 48 } },
    });
    const full = await train(config, { outDir: `${dir}-full` });
    expect(full.status).toBe('completed');

    const first = await train(config, { outDir: `${dir}-split`, ...stopWhen(when) });
    expect(first.status).toBe('interrupted');
    expect(first.globalStep).toBeLessThan(full.globalStep);
    let resumedSteps = 0;
    const second = await train(null, {
      outDir: `${dir}-split`,
      resume: true,
      onProgress: (p) => {
        if (p.kind === 'step') resumedSteps++;
      },
    });
    expect(second.status).toBe('completed');
    expect(second.globalStep).toBe(full.globalStep);
    // The resumed call ran only the steps after the last checkpoint, not the whole run again.
    expect(resumedSteps).toBeGreaterThan(0);
    expect(resumedSteps).toBeLessThan(full.globalStep);

    for (const name of ['last', 'best']) {
      const a = path.join(`${dir}-full`, 'checkpoints', `${name}.safetensors`);
      const b = path.join(`${dir}-split`, 'checkpoints', `${name}.safetensors`);
      expect(tensorsOf(b)).toEqual(tensorsOf(a));
      expect(fs.readFileSync(b).equals(fs.readFileSync(a))).toBe(true);
    }
    expect(second.best).toEqual(full.best);
    expect(second.final).toEqual(full.final);
  });

  it('training batches prefetched in a worker give the same checkpoints', async () => {
    const config = tinyConfig({
      loss: 'simclr',
      pretrainEpochs: 1,
      probe: { mode: 'linear', epochs: 1 },
      data: { ...tinyConfig().data, train: { split: 'train', n: 40 }, val: { split: 'val', n: 20 } },
    });
    const here = await train(config, { outDir: path.join(root, 'prefetch-0'), prefetch: 0 });
    const ahead = await train(config, { outDir: path.join(root, 'prefetch-2'), prefetch: 2 });
    expect(ahead.final).toEqual(here.final);
    const file = (dir: string): Buffer => fs.readFileSync(path.join(root, dir, 'checkpoints', 'last.safetensors'));
    expect(file('prefetch-2').equals(file('prefetch-0'))).toBe(true);
  });

  it('a resume with a different config is refused and changes nothing', async () => {
    const dir = path.join(root, 'mismatch');
    await train(tinyConfig({ epochs: 1 }), { outDir: dir });
    const before = fs.readFileSync(path.join(dir, 'checkpoints', 'last.safetensors'));
    await expect(train(tinyConfig({ epochs: 1, seed: 5 }), { outDir: dir, resume: true })).rejects.toThrow(
      /differs from the run's saved config in seed/,
    );
    await expect(train(tinyConfig({ epochs: 1 }), { outDir: dir })).rejects.toThrow(/already holds a run/);
    expect(fs.readFileSync(path.join(dir, 'checkpoints', 'last.safetensors')).equals(before)).toBe(true);
  });
});
