// Run configs: defaults fill in, every malformed field is named with its path, and train() rejects a
// bad config before writing anything.
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, defaultRunConfig, resolveRunConfig, train } from '../src';
import { EASY_SPEC, tempDir } from './helpers';

describe('resolveRunConfig', () => {
  it('fills defaults, embeds the spec and is idempotent', () => {
    const cfg = resolveRunConfig({ loss: 'simclr', data: { spec: 'shortcut-size' } });
    expect(cfg.loss).toBe('simclr');
    expect(cfg.optimizer).toEqual(defaultRunConfig().optimizer);
    expect(cfg.model.options.projectionHead).toBe(true);
    expect(typeof cfg.data.spec).toBe('object');
    expect((cfg.data.spec as { name: string }).name).toBe('shortcut-size');
    expect(resolveRunConfig(JSON.parse(JSON.stringify(cfg)))).toEqual(cfg);
  });

  it('applies a volume override to the spec', () => {
    const cfg = resolveRunConfig({
      data: { spec: EASY_SPEC as never, volume: { shape: [24, 24, 24], spacing: [1.5, 1.5, 1.5] } },
    });
    expect((cfg.data.spec as { volume: unknown }).volume).toEqual({ shape: [24, 24, 24], spacing: [1.5, 1.5, 1.5] });
  });

  it.each([
    [[], /config: must be a JSON object/],
    [{ los: 'ce' }, /los: unknown key/],
    [{ loss: 'triplet' }, /loss: must be one of ce, supcon, supcon-joint, simclr, moco, dice-ce, box, got "triplet"/],
    [{ model: { kind: 'vnet' } }, /model.kind: must be one of nodulenet3d, resnet3d, unet3d/],
    [{ model: { kind: 'unet3d' }, loss: 'simclr' }, /loss: unet3d is a segmentation model and trains with the dice-ce/],
    [{ model: { options: { widthMultiplier: -1 } } }, /model.options.widthMultiplier: must be a number > 0/],
    [{ batchSize: 1 }, /batchSize: must be an integer >= 2/],
    [{ batchSize: 3.5 }, /batchSize: must be an integer/],
    [{ epochs: 0 }, /epochs: must be an integer >= 1/],
    [{ optimizer: { name: 'rmsprop' } }, /optimizer.name: must be one of sgd, adam, adamw/],
    [{ optimizer: { lr: -1 } }, /optimizer.lr: must be a number > 0, got -1/],
    [{ optimizer: { betas: [0.9] } }, /optimizer.betas: must be an array of 2/],
    [{ schedule: { name: 'cosine', warmupEpochs: 1.5 } }, /schedule.warmupEpochs: must be an integer/],
    [{ probe: { mode: 'knn' } }, /probe.mode: must be one of linear, linear-sgd, finetune/],
    [{ probe: { weightDecays: [] } }, /probe.weightDecays: must list at least one weight decay/],
    [{ probe: { weightDecays: [0.1, 0] } }, /probe.weightDecays\[1\]: must be a number > 0, got 0/],
    [{ temperature: 0 }, /temperature: must be a number > 0/],
    [{ labelSmoothing: 2 }, /labelSmoothing: must be a number >= 0 and <= 1/],
    [{ classWeights: [1, -1] }, /classWeights: must be an array of 2 non-negative numbers/],
    [{ loss: 'simclr', augment: null }, /augment: the simclr loss compares two augmented views/],
    [{ augment: { steps: [{ op: 'flip', p: 3 }] } }, /augment.steps\[0\].p: must be a probability/],
    [{ data: { spec: 'no-such-preset' } }, /data.spec: .*no-such-preset/],
    [{ data: { spec: { name: 'x', classBalance: 2 } } }, /data.spec: .*classBalance/],
    [{ data: { train: { split: 'train', n: 0 } } }, /data.train.n: must be an integer >= 1/],
    [{ data: { val: { split: 'train', n: 10 } } }, /data.val.split: must differ from data.train.split/],
    [{ batchSize: 64, data: { train: { split: 'train', n: 32 } } }, /batchSize: 64 is larger than data.train.n/],
    [{ seed: -1 }, /seed: must be an integer >= 0/],
    [{ threads: 0 }, /threads: must be an integer >= 1/],
  ])('rejects %j', (input, message) => {
    expect(() => resolveRunConfig(input)).toThrow(ConfigError);
    expect(() => resolveRunConfig(input)).toThrow(message);
  });

  it('lists every problem at once', () => {
    try {
      resolveRunConfig({ loss: 'x', epochs: -2, optimizer: { lr: 'fast' } });
      throw new Error('no error');
    } catch (e) {
      expect((e as ConfigError).problems).toHaveLength(3);
    }
  });
});

describe('train() with a bad config', () => {
  it('rejects before writing anything', async () => {
    const dir = path.join(tempDir('badcfg'), 'run');
    await expect(train({ loss: 'ce', epochs: 'three' }, { outDir: dir })).rejects.toThrow(ConfigError);
    await expect(train(null, { outDir: dir, resume: true })).rejects.toThrow(/nothing to resume/);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
