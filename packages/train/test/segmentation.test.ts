// Segmentation runs: a UNet3D config resolves to Dice + cross-entropy and Dice selection, bad combinations
// are refused naming the key, training lowers the loss and raises validation Dice above an untrained
// model's, and a stopped run resumes to byte-identical checkpoints, with dropout too (masks keyed by step).
import * as fs from 'fs';
import * as path from 'path';
import { loadSafetensors } from '@nodulab/nn';
import { preset } from '@nodulab/data';
import { ConfigError, RunConfigInput, TrainProgress, resolveRunConfig, train } from '../src';
import { tempDir } from './helpers';

jest.setTimeout(120_000);

/** A small UNet3D on nodule segmentation at 16^3, 2 mm. */
function segConfig(overrides: RunConfigInput = {}): RunConfigInput {
  return {
    name: 'seg',
    model: { kind: 'unet3d', options: { baseChannels: 4 } },
    batchSize: 8,
    epochs: 3,
    optimizer: { name: 'adam', lr: 1e-2 },
    data: {
      spec: { ...preset('seg-nodule'), volume: { shape: [16, 16, 16], spacing: [2, 2, 2] } } as never,
      seed: 1,
      train: { split: 'train', n: 32 },
      val: { split: 'val', n: 16 },
    },
    seed: 0,
    threads: 1,
    ...overrides,
  };
}

function problems(input: RunConfigInput): string[] {
  try {
    resolveRunConfig(input);
    return [];
  } catch (e) {
    return (e as ConfigError).problems ?? [String(e)];
  }
}

describe('segmentation run configs', () => {
  it('a unet3d run defaults to the dice-ce loss and Dice selection; its options are filled', () => {
    const c = resolveRunConfig(segConfig());
    expect([c.loss, c.select, c.diceWeight]).toEqual(['dice-ce', 'dice', 1]);
    expect(c.model.options).toEqual({ baseChannels: 4, levels: 2, dropout: 0 });
    const classifier = resolveRunConfig({});
    expect([classifier.loss, classifier.select]).toEqual(['ce', 'auroc']);
  });

  it.each([
    ['a classification loss', { loss: 'ce' }, /^loss: unet3d is a segmentation model and trains with the dice-ce loss/],
    ['a classification metric', { select: 'auroc' }, /^select: a segmentation model is selected by dice or loss/],
    [
      'a volume the levels do not divide',
      { data: { ...segConfig().data, volume: { shape: [16, 18, 16] } } },
      /^data\.spec\.volume\.shape: unet3d with 2 levels needs D, H, W divisible by 2\^2 = 4, got \(16, 18, 16\)/,
    ],
    [
      'dice-ce on a classifier',
      { model: { kind: 'nodulenet3d' }, loss: 'dice-ce', select: 'loss' },
      /^loss: dice-ce trains segmentation models \(unet3d\), but model.kind is nodulenet3d/,
    ],
    [
      'a classifier option',
      { model: { kind: 'unet3d', options: { widthMultiplier: 2 } } },
      /^model\.options\.widthMultiplier: unknown key/,
    ],
  ] as const)('refuses %s, naming the key', (_what, overrides, message) => {
    const found = problems(segConfig(overrides as RunConfigInput));
    expect(found.some((p) => message.test(p.replace(/^config\./, '')))).toBe(true);
  });
});

describe('joint training on several segmentation datasets', () => {
  const joint = () =>
    segConfig({
      data: {
        ...segConfig().data,
        spec: 'seg-nodule',
        volume: { shape: [16, 16, 16] },
        train: { split: 'train', n: 16 },
        val: { split: 'val', n: 8 },
        joint: ['seg-vessels', 'seg-calcium'],
      },
    });

  it('resolves each joint spec with the volume override, and refuses a shape mismatch or an empty list', () => {
    const c = resolveRunConfig(joint());
    expect(c.data.joint!.map((s) => [(s as { name: string }).name, (s as { volume: unknown }).volume])).toEqual([
      ['seg-vessels', { shape: [16, 16, 16], spacing: [2, 1, 1] }],
      ['seg-calcium', { shape: [16, 16, 16], spacing: [1.5, 0.8, 0.8] }],
    ]);
    const mismatch = problems(
      segConfig({
        data: { ...segConfig().data, joint: [{ ...preset('seg-vessels'), volume: { shape: [32, 32, 32] } }] },
      }),
    );
    expect(mismatch.some((p) => /data\.joint\[0\]: seg-vessels makes \(32, 32, 32\) volumes/.test(p))).toBe(true);
    expect(problems(segConfig({ data: { ...segConfig().data, joint: [] } })).join()).toMatch(/data\.joint: must name/);
  });

  it('trains one model on all three datasets: an epoch covers every dataset', async () => {
    const r = await train(joint(), { outDir: path.join(tempDir('joint'), 'run') });
    expect(r.status).toBe('completed');
    expect(r.globalStep).toBe(3 * ((3 * 16) / 8)); // 3 epochs of 48 samples in batches of 8
    expect(r.final?.n).toBe(3 * 8);
    expect(r.final?.dice).toBeGreaterThan(0);
  });
});

function tensorsOf(file: string): Record<string, Buffer> {
  const { tensors } = loadSafetensors(file);
  return Object.fromEntries(
    Object.entries(tensors).map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]),
  );
}

describe('training a UNet3D', () => {
  const root = tempDir('seg');

  it('lowers the Dice + CE loss and raises validation Dice; the best checkpoint is the best Dice', async () => {
    const epochs: TrainProgress[] = [];
    const r = await train(segConfig({ epochs: 4 }), {
      outDir: path.join(root, 'run'),
      onProgress: (p) => p.kind === 'epoch' && epochs.push(p),
    });
    expect(r.status).toBe('completed');
    const dice = epochs.map((p) => p.val!.dice!);
    const hd95 = epochs.map((p) => p.val!.hd95!);
    console.log(
      `seg-nodule 16^3 UNet3D(4): train loss ${epochs.map((p) => p.loss.toFixed(3)).join(' ')}; val Dice ${dice.map((d) => d.toFixed(3)).join(' ')}; HD95 ${hd95.map((d) => d.toFixed(2)).join(' ')} mm`,
    );
    expect(epochs[epochs.length - 1].loss).toBeLessThan(epochs[0].loss);
    expect(Math.max(...dice)).toBeGreaterThan(0.5);
    expect(r.best?.metric).toBe('dice');
    expect(r.best?.value).toBe(Math.max(...dice));
    expect(r.best?.epoch).toBe(dice.indexOf(Math.max(...dice)) + 1);
  });

  it.each([0, 0.3])(
    'a run (dropout %d) stopped after its first epoch resumes to byte-identical checkpoints',
    async (p) => {
      const config = segConfig({ epochs: 2, model: { kind: 'unet3d', options: { baseChannels: 4, dropout: p } } });
      const full = await train(config, { outDir: path.join(root, `full-${p}`) });
      const ac = new AbortController();
      const first = await train(config, {
        outDir: path.join(root, `split-${p}`),
        signal: ac.signal,
        onProgress: (p) => p.kind === 'epoch' && p.epoch === 1 && ac.abort(),
      });
      expect(first.status).toBe('interrupted');
      const second = await train(null, { outDir: path.join(root, `split-${p}`), resume: true });
      expect(second.status).toBe('completed');
      for (const name of ['last', 'best']) {
        const a = path.join(root, `full-${p}`, 'checkpoints', `${name}.safetensors`);
        const b = path.join(root, `split-${p}`, 'checkpoints', `${name}.safetensors`);
        expect(tensorsOf(b)).toEqual(tensorsOf(a));
        const md = (f: string) => loadSafetensors(f).metadata;
        expect(md(b)).toEqual(md(a));
        expect(fs.readFileSync(b).equals(fs.readFileSync(a))).toBe(true);
      }
      expect(second.final).toEqual(full.final);
    },
  );
});
