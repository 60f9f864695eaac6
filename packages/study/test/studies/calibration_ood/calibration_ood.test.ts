// The calibration-ood study's spec checks (each bad field named, a layer the model lacks), its summary on
// hand-made runs (paired effects, the control passing and failing, the OOD claim needing every baseline beaten),
// the claim rules, pooled reliability bins and the 1-NN separation of signatures.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CalibrationOodSpec,
  ModelRun,
  OodRun,
  checkCalibrationOodSpec,
  defaultCalibrationOodSpec,
  judgeClaim,
  nearestNeighbourAccuracy,
  poolBins,
  quickCalibrationOodSpec,
  runCalibrationOodStudy,
  summarizeCalibrationOod,
} from '../../../src';

describe('checkCalibrationOodSpec', () => {
  it('accepts the default and --quick specs', () => {
    expect(() => checkCalibrationOodSpec(defaultCalibrationOodSpec())).not.toThrow();
    expect(() => checkCalibrationOodSpec(quickCalibrationOodSpec(defaultCalibrationOodSpec()))).not.toThrow();
  });

  it.each([
    [
      'a preset without a segmentation target',
      { presets: ['seg-nodule', 'iid'] },
      /presets\[1\]: "iid" is not a segmentation preset/,
    ],
    [
      "k beyond a dedicated model's training set",
      { k: 65 },
      /k: 65 is larger than the training set \(64 signatures of a dedicated model's preset\)/,
    ],
    ['too few MC-dropout samples', { mcSamples: 5 }, /mcSamples: MC dropout needs at least 10 samples, got 5/],
    ['a training preset as the unseen one', { unseen: 'seg-cavity' }, /unseen: "seg-cavity" is a training preset/],
    ['an unknown distortion', { distortions: ['blurr'] }, /distortions\[0\]: unknown distortion "blurr"/],
    ['a transfer source outside presets', { transfer: { source: 'seg-lung', fraction: 0.25 } }, /transfer\.source/],
    ['a shape a 2-level U-Net cannot halve twice', { shape: [16, 18, 16] }, /shape: each side must be a multiple of 4/],
    [
      'a model without dropout',
      { config: { model: { kind: 'unet3d', options: { dropout: 0 } } } },
      /needs a UNet3D with dropout > 0/,
    ],
  ] as const)('names %s', (_what, patch, message) => {
    const spec = { ...defaultCalibrationOodSpec(), ...patch } as CalibrationOodSpec;
    expect(() => checkCalibrationOodSpec(spec)).toThrow(message);
  });

  it('refuses a layer the model does not have, naming its layers, before writing anything', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-calood-')), 'study');
    const spec = { ...quickCalibrationOodSpec(defaultCalibrationOodSpec()), layer: 'botleneck' };
    await expect(runCalibrationOodStudy(spec, out)).rejects.toThrow(
      /layer: the model has no layer "botleneck"; its layers: encoders, .*bottleneck/,
    );
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
  });
});

describe('judgeClaim', () => {
  const up = [0.1, 0.12, 0.11];
  const flat = [0.01, -0.01, 0.0];
  it("'any' reproduces when one effect does; 'all' needs every effect", () => {
    const pairs = [
      { comparison: 'a', values: up },
      { comparison: 'b', values: flat },
    ];
    expect(judgeClaim('c', 'm', 'greater', pairs).verdict).toBe('reproduced');
    expect(judgeClaim('c', 'm', 'greater', pairs, 'all').verdict).toBe('not reproduced');
    expect(judgeClaim('c', 'm', 'greater', [pairs[0]], 'all').verdict).toBe('reproduced');
  });
});

const bins = (acc: number) => [
  { lower: 0, upper: 0.5, count: 0, confidence: NaN, accuracy: NaN },
  { lower: 0.5, upper: 1, count: 10, confidence: 0.9, accuracy: acc },
];

/** A model of `regime` on `datasets` whose Dice on each is `dice(d, seed)`; ECE `ece`. */
function run(
  regime: ModelRun['regime'],
  datasets: string[],
  seed: number,
  dice: (d: string) => number,
  ece: number,
): ModelRun {
  const cal = (v: number) => ({ before: v, after: v / 2 });
  return {
    regime,
    name: `${regime}-${datasets.join('+')}`,
    seed,
    trainedOn: datasets,
    n: 8,
    epochs: 12,
    steps: 12,
    trainSeconds: 1,
    temperature: 1.5,
    results: datasets.map((d) => ({
      dataset: d,
      n: 4,
      dice: dice(d),
      hd95: 3,
      hd95Finite: 4,
      trivialDice: 0,
      calibration: { ece: cal(ece), mce: cal(ece), nll: cal(1), brier: cal(0.1), eceBand: cal(ece), mceBand: cal(ece) },
      bins: { before: bins(0.8), after: bins(0.9), bandBefore: bins(0.7), bandAfter: bins(0.85) },
    })),
  };
}

describe('summarizeCalibrationOod', () => {
  const spec: CalibrationOodSpec = {
    ...defaultCalibrationOodSpec(),
    presets: ['seg-nodule', 'seg-vessels'],
    transfer: { source: 'seg-nodule', fraction: 0.25 },
    seeds: [0, 1, 2],
  };
  const P = ['seg-nodule', 'seg-vessels'];
  const oodRun = (seed: number, spectral: number, baseline: number, model: OodRun['model'] = 'joint'): OodRun => ({
    model,
    seed,
    sets: {
      empty: {
        spectral: { auroc: spectral, fpr95: 0.1 },
        'max-softmax': { auroc: baseline, fpr95: 0.5 },
        entropy: { auroc: baseline, fpr95: 0.5 },
        'mc-dropout': { auroc: spectral + 0.001 * seed, fpr95: 0.5 },
        ensemble: { auroc: baseline, fpr95: 0.5 },
      },
    },
    separation: 0.9,
    chance: 0.5,
  });
  // A dedicated model's OOD run on its own preset: every baseline at `baseline`.
  const dedicatedRun = (seed: number, preset: string, spectral: number, baseline: number): OodRun => {
    const at = (auroc: number) => ({ auroc, fpr95: 1 - auroc });
    return {
      model: `dedicated:${preset}`,
      seed,
      sets: {
        empty: {
          spectral: at(spectral),
          'max-softmax': at(baseline),
          entropy: at(baseline),
          'mc-dropout': at(baseline),
          ensemble: at(baseline),
        },
      },
      separation: NaN,
      chance: NaN,
    };
  };
  const runs = (jointDice: number[], dedicatedDice: number[]) =>
    [0, 1, 2].flatMap((s) => [
      run('joint', P, s, () => jointDice[s], 0.05),
      ...P.map((d) => run('dedicated', [d], s, () => dedicatedDice[s], 0.1)),
      run('transfer', ['seg-vessels'], s, () => dedicatedDice[s] - 0.2, 0.2),
    ]);

  it('pairs each seed, passes the control, and judges the claims', () => {
    const s = summarizeCalibrationOod(
      spec,
      runs([0.8, 0.82, 0.81], [0.7, 0.71, 0.69]),
      [
        ...[0, 1, 2].map((k) => oodRun(k, 0.95, 0.6)),
        ...[0, 1, 2].flatMap((k) => [
          dedicatedRun(k, 'seg-nodule', 0.9 + 0.01 * k, 0.6),
          dedicatedRun(k, 'seg-vessels', 0.7, 0.5 + 0.02 * k),
        ]),
      ],
      ['empty'],
    );
    expect(s.control.passed).toBe(true);
    const [dice, calibration, transfer, separation, ood, oodDedicated] = s.claims;
    expect(s.claims).toHaveLength(6);
    expect(dice.effects[0].effect.values).toEqual(
      [0.8 - 0.7, 0.82 - 0.71, 0.81 - 0.69].map((v) => expect.closeTo(v, 12)),
    );
    expect(dice.verdict).toBe('reproduced');
    expect(calibration.effects[0].effect.mean).toBeCloseTo(-0.05, 12);
    expect(calibration.verdict).toBe('reproduced');
    expect(transfer.effects[0].effect.values).toEqual(
      [0.8 - 0.5, 0.82 - 0.51, 0.81 - 0.49].map((v) => expect.closeTo(v, 12)),
    );
    expect(separation.effects[0].effect.mean).toBeCloseTo(0.4, 12);
    // Spectral beats max softmax, entropy and the ensemble by 0.35 but not MC dropout (≈ equal): the claim
    // needs all four.
    expect(ood.effects.map((e) => e.verdict)).toEqual(['reproduced', 'reproduced', 'not reproduced', 'reproduced']);
    expect(ood.verdict).toBe('not reproduced');
    // The joint model's numbers read only the joint runs.
    expect(s.ood.empty.spectral.auroc.values).toEqual([0.95, 0.95, 0.95]);
    // Dedicated models: per seed the mean over the two presets' (spectral − baseline), every baseline beaten.
    const gaps = [0, 1, 2].map((k) => (0.9 + 0.01 * k - 0.6 + (0.7 - (0.5 + 0.02 * k))) / 2);
    for (const e of oodDedicated.effects) expect(e.effect.values).toEqual(gaps.map((v) => expect.closeTo(v, 12)));
    expect(oodDedicated.claim).toMatch(/dedicated models/);
    expect(oodDedicated.verdict).toBe('reproduced');
    expect(s.oodDedicated.empty.spectral.auroc.values).toEqual(
      [0, 1, 2].map((k) => expect.closeTo((0.9 + 0.01 * k + 0.7) / 2, 12)),
    );
    expect(s.oodDedicatedByPreset['seg-vessels'].empty['max-softmax'].fpr95.mean).toBeCloseTo(1 - 0.52, 12);
    expect(s.oodDifferencesDedicated.empty.entropy.mean).toBeCloseTo(gaps[1], 12);
    expect(s.performance.joint['seg-vessels'].eceAfter.mean).toBeCloseTo(0.025, 12);
    expect(s.reliability.joint.after[1]).toEqual({ lower: 0.5, upper: 1, count: 60, confidence: 0.9, accuracy: 0.9 });
  });

  it('fails the control, naming the model, when a Dice does not beat the all-background prediction', () => {
    const s = summarizeCalibrationOod(
      spec,
      runs([0.8, 0.82, 0.81], [0.02, -0.01, 0.0]),
      [0, 1, 2].map((k) => oodRun(k, 0.9, 0.6)),
      ['empty'],
    );
    expect(s.control.passed).toBe(false);
    expect(s.control.failing).toEqual([
      'dedicated on seg-nodule',
      'dedicated on seg-vessels',
      'transfer on seg-vessels',
    ]);
    expect(s.control.note).toMatch(/^FAILED: the Dice of dedicated on seg-nodule/);
  });
});

describe('poolBins and nearestNeighbourAccuracy', () => {
  it('pools bins by count-weighted means', () => {
    const a = [{ lower: 0, upper: 1, count: 1, confidence: 0.6, accuracy: 1 }];
    const b = [{ lower: 0, upper: 1, count: 3, confidence: 1, accuracy: 0 }];
    expect(poolBins([a, b])).toEqual([{ lower: 0, upper: 1, count: 4, confidence: 0.9, accuracy: 0.25 }]);
    expect(poolBins([[], []])).toEqual([]);
  });

  it('counts a point right when its nearest other point shares its group', () => {
    // Two clusters and one point of group 0 nearest to cluster 1: only that point is wrong.
    const pts = [
      [0, 0],
      [0, 0.1],
      [5, 5],
      [5, 5.3],
      [5.6, 5],
      [6, 6],
    ];
    expect(nearestNeighbourAccuracy(pts, [0, 0, 1, 1, 1, 0])).toBeCloseTo(5 / 6, 12);
  });
});
