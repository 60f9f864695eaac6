// The calibration-ood study's spec: the default and --quick inputs resolve (idempotently), seeds as a count or a
// list, the study's own options, and every bad field named by its path in one StudySpecError (an unknown preset or
// distortion, k beyond the training set, a layer the model lacks, naming its layers).
import { schema } from '@nodulab/data';
import { StudySpecError } from '../../../src/framework';
import { calibrationOod } from '../../../src/studies/calibration_ood';

const base = calibrationOod.defaultInput();
const resolve = (patch: Record<string, unknown>) => calibrationOod.resolve({ ...base, ...patch });

describe('calibration-ood spec', () => {
  it('resolves the default and --quick inputs, idempotently; {} is the default', () => {
    const d = calibrationOod.resolve(base);
    expect(d).toMatchObject({ name: 'calibration-ood', seeds: [0, 1, 2], trainN: 64 });
    expect(d.layers[0]).toBe('bottleneck');
    expect(d.ks).toEqual([1, 5]);
    expect(calibrationOod.resolve(d)).toEqual(d);
    expect(calibrationOod.resolve({})).toEqual(d);
    const q = calibrationOod.resolve(calibrationOod.quick(base));
    expect(q).toMatchObject({ seeds: [0, 1], trainN: 16, testN: 8, config: { epochs: 5, batchSize: 8 } });
    expect(q.distortions).toEqual(['gaussian-noise', 'gaussian-blur', 'motion-ghosting']);
    expect(calibrationOod.resolve(q)).toEqual(q);
  });

  it('takes seeds as a count or a list, and its own options', () => {
    expect(calibrationOod.resolve(calibrationOod.withSeeds(base, 2)).seeds).toEqual([0, 1]);
    expect(resolve({ seeds: [4, 7] }).seeds).toEqual([4, 7]);
    expect(calibrationOod.resolve(calibrationOod.withThreads(base, 1)).threads).toBe(1);
    const o = calibrationOod.options!;
    const s = calibrationOod.resolve(o['ood-k'].apply(o['ood-layer'].apply(base, 'encoders.1'), 3));
    expect([s.layers, s.ks]).toEqual([['encoders.1'], [3]]);
  });

  it.each([
    [
      'a preset without a segmentation target',
      { presets: ['seg-nodule', 'iid'] },
      /presets\[1\]: "iid" is not a segmentation preset/,
    ],
    [
      "k beyond a dedicated model's training set",
      { ks: [1, 65] },
      /ks\[1\]: 65 is larger than the training set \(64 signatures of a dedicated model's preset\)/,
    ],
    ['too few MC-dropout samples', { mcSamples: 5 }, /mcSamples: must be an integer in \[10, .*\], got 5/],
    ['a training preset as the unseen one', { unseen: 'seg-cavity' }, /unseen: "seg-cavity" is a training preset/],
    ['an unknown distortion', { distortions: ['blurr'] }, /distortions\[0\]: unknown distortion "blurr"/],
    ['a transfer source outside presets', { transfer: { source: 'seg-lung', fraction: 0.25 } }, /transfer\.source/],
    ['a shape a 2-level U-Net cannot halve twice', { shape: [16, 18, 16] }, /shape: each side must be a multiple of 4/],
    [
      'a model without dropout',
      { config: { model: { kind: 'unet3d', options: { dropout: 0 } } } },
      /config\.model\.options\.dropout: MC dropout needs a UNet3D with dropout > 0/,
    ],
    ['seeds that repeat', { seeds: [1, 1] }, /seeds: must be distinct/],
    ['a k twice', { ks: [5, 5] }, /ks: each k once/],
    ['no candidate layer', { layers: [] }, /layers: must not be empty/],
    ['an unknown key', { layer: 'x' }, /layer: unknown key/],
  ] as const)('names %s', (_what, patch, message) => {
    expect(() => resolve(patch)).toThrow(StudySpecError);
    expect(() => resolve(patch)).toThrow(message);
  });

  it('names every problem at once', () => {
    try {
      resolve({ ks: [65], unseen: 'seg-cavity', mcSamples: 5 });
      throw new Error('resolved');
    } catch (e) {
      expect((e as StudySpecError).problems).toHaveLength(3);
    }
  });

  it('refuses a layer the model does not have, naming its layers', () => {
    expect(() => resolve({ layers: ['bottleneck', 'botleneck'] })).toThrow(
      /layers\[1\]: the model has no layer "botleneck"; its layers: encoders, .*bottleneck/,
    );
  });

  it('emits a JSON Schema of its input', () => {
    const text = schema.jsonSchemaText(calibrationOod.specSchema, { title: 'calibration-ood', description: 'spec' });
    const json = JSON.parse(text);
    for (const k of ['presets', 'seeds', 'layers', 'ks', 'config']) expect(json.properties).toHaveProperty(k);
  });
});
