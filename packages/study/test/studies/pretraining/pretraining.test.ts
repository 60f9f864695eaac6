// The pretraining-robustness spec's checks (a label fraction of 0, an unknown distortion or initialisation are
// named), the grade's learnability from its factors, the mean corruption error against values worked out by
// hand, and every initialisation at toy size with the encoders cached by config hash (a second call trains none;
// another pretraining seed is another encoder).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NoduleGenerator, preset } from '@nodulab/data';
import {
  PretrainingSpec,
  checkPretrainingSpec,
  factorProbeScores,
  defaultPretrainingSpec,
  meanCorruptionError,
  pretrainEncoders,
  quickPretrainingSpec,
  runPretrainingStudy,
} from '../../../src';

describe('checkPretrainingSpec', () => {
  it('accepts the default and --quick specs', () => {
    expect(() => checkPretrainingSpec(defaultPretrainingSpec())).not.toThrow();
    expect(() => checkPretrainingSpec(quickPretrainingSpec(defaultPretrainingSpec()))).not.toThrow();
  });

  it.each([
    [{ labelFractions: [0, 1] }, /labelFractions\[0\]: must be in \(0, 1\], got 0/],
    [{ labelFractions: [1.5] }, /labelFractions\[0\]: must be in \(0, 1\], got 1\.5/],
    [{ labelFractions: [0.0001] }, /labelFractions\[0\]: 0\.0001 of targetN 2048 is 0 samples; a run needs at least 2/],
    [
      { distortions: ['gaussian-noise', 'fog'] },
      /distortions\[1\]: unknown distortion "fog" \(known: .*gaussian-noise/,
    ],
    [{ severities: [0, 6] }, /severities\[0\]: must be an integer 1\.\.5, got 0/],
    [{ inits: ['scratch', 'imagenet'] }, /inits\[1\]: unknown initialisation "imagenet"/],
    [{ inits: ['supervised'] }, /inits: must include "scratch"/],
  ])('rejects %j', (override, message) => {
    expect(() => checkPretrainingSpec({ ...defaultPretrainingSpec(), ...(override as object) })).toThrow(message);
  });
});

describe('factorProbeScores', () => {
  it('learns the grade from the true factors the rule reads nearly perfectly', async () => {
    const gen = new NoduleGenerator({ ...preset('grade'), volume: { shape: [16, 16, 16], spacing: [2, 2, 2] } }, 3);
    const s = await factorProbeScores(gen, gen, 256, 64, 200);
    expect(s.kappa).toBeGreaterThan(0.9);
    expect(s.accuracy).toBeGreaterThan(0.8);
    expect(s.auroc).toBeGreaterThan(0.97);
  });
});

describe('meanCorruptionError', () => {
  const s = (accuracy: number) => ({ accuracy, kappa: 0, auroc: 0.5 });
  it('is the mean over distortions of summed errors relative to the reference', () => {
    const ref = { noise: { '1': s(0.8), '5': s(0.4) }, blur: { '1': s(0.9), '5': s(0.5) } };
    const model = { noise: { '1': s(0.9), '5': s(0.6) }, blur: { '1': s(0.9), '5': s(0.5) } };
    // noise: (0.1 + 0.4) / (0.2 + 0.6) = 0.625; blur: 0.6 / 0.6 = 1.
    expect(meanCorruptionError(model, ref)).toBeCloseTo((0.625 + 1) / 2, 12);
    expect(meanCorruptionError(ref, ref)).toBe(1);
  });
});

describe('every initialisation, toy size', () => {
  jest.setTimeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-pretraining-unit-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const quick = quickPretrainingSpec(defaultPretrainingSpec());
  const spec: PretrainingSpec = {
    ...quick,
    inits: ['scratch', 'supervised', 'simclr', 'moco', 'supervised+simclr', 'supervised+moco'],
    modes: ['finetune'],
    labelFractions: [1],
    seeds: [0],
    sourceN: 32,
    targetN: 32,
    valN: 16,
    testN: 16,
    distortions: ['gaussian-noise'],
    severities: [1],
    pretrainPerSeed: false,
    config: { ...quick.config, epochs: 1, pretrainEpochs: 1 },
  };
  const cache = path.join(dir, 'cache');

  it('pretrains each encoder once, parents first, and reuses them by config hash', async () => {
    const trained: string[] = [];
    const first = await pretrainEncoders(spec, cache, 0, (what) => trained.push(what.split(' ')[1]));
    expect(trained).toEqual(['supervised', 'simclr', 'moco', 'supervised+simclr', 'supervised+moco']);
    const again = await pretrainEncoders(spec, cache, 0, () => {
      throw new Error('nothing should train');
    });
    for (const [init, e] of again) {
      expect(e.cached).toBe(true);
      expect(e.hash).toBe(first.get(init)!.hash);
    }
    // Another source-task size is another config: a new encoder.
    const other = await pretrainEncoders(
      { ...spec, inits: ['scratch', 'supervised'], sourceN: 48 },
      cache,
      0,
      () => {},
    );
    expect(other.get('supervised')!.hash).not.toBe(first.get('supervised')!.hash);
    // Another pretraining seed is another encoder, whose weights differ.
    const seeded = await pretrainEncoders({ ...spec, inits: ['scratch', 'supervised'] }, cache, 1, () => {});
    expect(seeded.get('supervised')!.hash).not.toBe(first.get('supervised')!.hash);
    expect(fs.readFileSync(seeded.get('supervised')!.checkpoint)).not.toEqual(
      fs.readFileSync(first.get('supervised')!.checkpoint),
    );
  });

  it('trains and scores a target model per initialisation', async () => {
    const r = await runPretrainingStudy(spec, path.join(dir, 'study'), { cacheDir: cache });
    expect(r.pretrained.every((p) => p.cached)).toBe(true);
    expect(r.runs.map((x) => x.init)).toEqual(spec.inits);
    for (const x of r.runs)
      for (const k of ['accuracy', 'kappa'] as const) expect(Number.isFinite(x.test[k])).toBe(true);
    expect(r.analyses.find((a) => a.init === 'scratch')!.ckaToScratch.embedding).toBeCloseTo(1, 6);
    expect(
      r.summary.claims.find((c) => c.claim.startsWith('Self-supervision'))!.effects.map((e) => e.comparison),
    ).toEqual([
      'simclr − supervised',
      'moco − supervised',
      'supervised+simclr − supervised',
      'supervised+moco − supervised',
    ]);
  });
});
