// summarizeHardSamples on hand-made seed results: paired differences between arms are per-seed differences of
// mean test IoU, the mean-box control passes or fails (and says so) per setting, HTL flags pool into subgroup
// rates, and each Finding's verdict follows its CI, with its own rows per setting.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FactorRecord, NoduleGenerator, preset } from '@nodulab/data';
import {
  SeedResult,
  SettingResult,
  defaultHardSamplesSpec,
  fineTuneLr,
  hardSamplesHtml,
  modelConfig,
  runHardSamples,
  hardSamplesText,
  summarizeHardSamples,
} from '../../../src';

const spec = { ...defaultHardSamplesSpec(), n: 4, testN: 2, settings: ['supervised' as const, 'weak' as const] };
const base = new NoduleGenerator(preset('iid'), 0).sample('train', 0).factors;

/** Dense classifiers with test AUROC `auroc` and balanced accuracy `auroc` − 0.05, and one pruned (not counted). */
const classifiers = (auroc: number): SeedResult['classModels'] =>
  [0, 0, 0.5].map((sparsity, k) => ({
    name: `ce-${k}`,
    sparsity,
    dir: '',
    train: {},
    test: { metrics: { auroc: sparsity ? 0.5 : auroc + 0.01 * k, balancedAccuracy: sparsity ? 0.5 : auroc - 0.05 } },
  }));

function seed(
  s: number,
  arms: Record<string, number[]>,
  dense: number,
  meanBox: number[],
  auroc = [0.8, 0.75, 0.85][s],
): SeedResult {
  const f = (diameter: number, pleuralWall: boolean) => ({ ...base, diameter, pleuralWall }) as FactorRecord;
  const setting = (name: SettingResult['setting'], shift: number): SettingResult => ({
    setting: name,
    labeled: [1, 1, 1, 1],
    targetIoUs: [1, 1, 1, 1],
    locScore: [0.9, 0.1, 0, 0.2],
    locHtl: [1, 0, 0, 0],
    locCounts: [0.3, 0.9].map((sparsity) => ({ sparsity, count: 1, fraction: 0.25 })),
    boxModels: [],
    armIoUs: Object.fromEntries(
      Object.entries(arms).map(([k, v]) => [k, v.map((x) => x - shift)]),
    ) as SettingResult['armIoUs'],
    meanBoxIoUs: meanBox,
    denseTestIoU: dense - shift,
    denseTrainIoU: { htl: 0.2, rest: 0.5 + 0.01 * s },
  });
  return {
    seed: s,
    pieScore: [0, 0.5, 0, 0],
    pieHtl: [0, 1, 0, 0],
    pieCounts: [
      { sparsity: 0.3, count: 0, fraction: 0 },
      { sparsity: 0.9, count: 1 + s, fraction: (1 + s) / 4 },
    ],
    classModels: classifiers(auroc),
    settings: [setting('supervised', 0), setting('weak', 0.3)],
    factors: { train: [f(5, true), f(12, false), f(12, false), f(12, true)], test: [f(5, true), f(12, false)] },
  };
}

const arms = (base: number, htl: number) => ({
  baseline: [base, base],
  htl: [htl, htl + 0.02],
  random: [base, base],
  mining: [base - 0.01, base - 0.01],
});

describe('summarizeHardSamples', () => {
  const seeds = [
    seed(0, arms(0.5, 0.55), 0.5, [0.1, 0.1]),
    seed(1, arms(0.4, 0.46), 0.45, [0.1, 0.2]),
    seed(2, arms(0.45, 0.5), 0.4, [0.2, 0.1]),
  ];
  const r = summarizeHardSamples(spec, seeds, 1);

  it('takes paired differences of mean test IoU per seed', () => {
    const d = r.settings[0].differences.find((x) => x.a === 'htl' && x.b === 'baseline')!.difference;
    expect(d.values).toEqual([0.06, 0.07, 0.06].map((v) => expect.closeTo(v, 10)));
    expect(r.findings.find((f) => f.id === 'supervised/attend-baseline')!.verdict).toBe('reproduced');
    expect(r.findings.find((f) => f.id === 'supervised/htl-harder')!.verdict).toBe('reproduced');
  });

  it('gives each setting its own Findings rows, after the classifiers’ PIE', () => {
    const claims = ['htl-harder', 'attend-baseline', 'attend-random', 'attend-mining', 'subgroups'];
    expect(r.findings.map((f) => f.id)).toEqual([
      'pie-sparsity',
      ...claims.map((c) => `supervised/${c}`),
      ...claims.map((c) => `weak/${c}`),
    ]);
    expect(r.findings.filter((f) => f.setting === 'weak').every((f) => f.claim.endsWith('(weak)'))).toBe(true);
  });

  it('passes the control of a setting whose dense localizer beats the mean box, and fails the other', () => {
    // weak: every IoU 0.3 lower, so its dense localizers (0.1–0.2) do not beat the mean box (0.1–0.2).
    expect(r.settings.map((x) => [x.setting, x.control.passed])).toEqual([
      ['supervised', true],
      ['weak', false],
    ]);
    const html = hardSamplesHtml(r);
    expect(html).toMatch(/data-control="passed" data-setting="supervised"/);
    expect(html.indexOf('data-control="failed" data-setting="weak"')).toBeLessThan(html.indexOf('<h2>Findings</h2>'));
    expect(html.indexOf('FAILED, weakly supervised')).toBeLessThan(html.indexOf('<h2>Findings</h2>'));
    expect(r.findings.find((f) => f.id === 'weak/attend-baseline')!.note).toMatch(/control failed/);
    expect(r.findings.find((f) => f.id === 'supervised/attend-baseline')!.note).toBeUndefined();
    expect(
      hardSamplesText(r)
        .split('\n')
        .filter((l) => l.startsWith('control: ')),
    ).toHaveLength(2);
  });

  it('passes the classifier control from the dense classifiers’ test AUROC and balanced accuracy', () => {
    const c = r.classification.control;
    // Seed 0: dense AUROC 0.8 and 0.81 (the pruned model's 0.5 is left out).
    expect(c.auroc.values[0]).toBeCloseTo(0.805, 10);
    expect(c.balancedAccuracy.values).toEqual([0.75, 0.7, 0.8].map((v) => expect.closeTo(v, 10)));
    expect(c.passed).toBe(true);
    const html = hardSamplesHtml(r);
    expect(html.indexOf('data-classifier-control="passed"')).toBeLessThan(html.indexOf('data-control='));
    expect(hardSamplesText(r).split('\n')[0]).toMatch(
      /^classifier control: the dense malignancy classifiers beat chance/,
    );
    expect(r.findings.find((f) => f.id === 'pie-sparsity')!.note).toBeUndefined();
  });

  it('fails the classifier control near chance and says so in PIE’s and the weak setting’s Findings', () => {
    const chance = [0.52, 0.47, 0.55].map((a, s) => seed(s, arms(0.5, 0.55), 0.5, [0.1, 0.1], a));
    const f = summarizeHardSamples(spec, chance, 1);
    expect(f.classification.control.passed).toBe(false);
    expect(f.classification.control.text).toMatch(/^FAILED, the dense malignancy classifiers are not/);
    expect(hardSamplesHtml(f)).toMatch(/data-classifier-control="failed"/);
    expect(f.findings.find((x) => x.id === 'pie-sparsity')!.note).toMatch(/classifier control failed/);
    expect(f.findings.filter((x) => x.setting === 'weak').every((x) => /classifier control failed/.test(x.note!))).toBe(
      true,
    );
    // The supervised setting does not rest on the classifiers.
    expect(f.findings.find((x) => x.id === 'supervised/attend-baseline')!.note).toBeUndefined();
  });

  it('pools HTL flags over seeds into subgroup rates', () => {
    // The one HTL sample of each seed is the 5 mm nodule beside the wall: 3 of 3 small nodules, 0 of 9 others.
    const small = r.settings[0].subgroups.find((x) => x.factor === 'diameter' && x.group === '< 7 mm')!;
    expect([small.n, small.htl, small.populationRate]).toEqual([3, 3, 0.25]);
    expect(small.iouBaseline).toBeCloseTo(0.45, 10);
    const wall = r.settings[0].subgroups.find((x) => x.factor === 'wall' && x.group === 'wall')!;
    expect([wall.n, wall.htl]).toEqual([6, 3]);
  });
});

describe('pruned − dense populations (the premise of PIE and localization HTL)', () => {
  const seeds = [0, 1, 2].map((s) => seed(s, arms(0.5, 0.52), 0.5, [0.1, 0.1]));
  // Seed s's supervised localizers: two dense with test IoUs averaging 0.5, two pruned at 0.9 averaging 0.3 − 0.01 s.
  for (const [s, x] of seeds.entries())
    x.settings[0].boxModels = [
      [0, [0.4, 0.6]],
      [0, [0.5, 0.5]],
      [0.9, [0.3 - 0.01 * s, 0.3 - 0.01 * s]],
      [0.9, [0.2 - 0.01 * s, 0.4 - 0.01 * s]],
    ].map(([sparsity, ious], k) => ({
      name: `box-${k}`,
      sparsity: sparsity as number,
      dir: '',
      train: {},
      test: { ious: ious as number[] },
    }));
  const r = summarizeHardSamples(spec, seeds, 1);

  it('gives the classifiers’ pruned − dense test AUROC and balanced accuracy per sparsity, paired by seed', () => {
    // Dense: AUROC auroc + 0.005 (mean of auroc, auroc + 0.01), balanced accuracy auroc − 0.05; pruned at 0.5: 0.5.
    const [row] = r.classification.pruned;
    expect(row.sparsity).toBe(0.5);
    expect(row.auroc!.values).toEqual([0.8, 0.75, 0.85].map((a) => expect.closeTo(0.5 - (a + 0.005), 10)));
    expect(row.balancedAccuracy!.mean).toBeCloseTo(-0.25, 10);
    expect(row.iou).toBeUndefined();
  });

  it('gives each setting’s pruned − dense localizers’ test mean IoU per sparsity', () => {
    const [row] = r.settings[0].pruned;
    expect(row.sparsity).toBe(0.9);
    expect(row.iou!.values).toEqual([0, 1, 2].map((s) => expect.closeTo(-0.2 - 0.01 * s, 10)));
    expect(r.settings[1].pruned).toEqual([]);
    expect(hardSamplesText(r)).toMatch(
      /pruned − dense localizers \(supervised\), test mean IoU by sparsity: 0\.9 -0\.210/,
    );
    expect(hardSamplesHtml(r)).toContain('data-table="pruned-classification"');
  });
});

describe('fineTuneLr', () => {
  const data = { seed: 0, spec: preset('localize'), train: { length: 64 }, val: { length: 16 }, test: { length: 16 } };
  const dense = modelConfig(spec, data as never, 'ce', 'x', 0);

  it('fine-tunes pruned models at spec.fineTuneLrScale of the dense learning rate (default a tenth)', () => {
    expect(spec.fineTuneLrScale).toBe(0.1);
    expect(fineTuneLr(spec, dense)).toBeCloseTo(dense.optimizer.lr * 0.1, 12);
    expect(fineTuneLr({ ...spec, fineTuneLrScale: 1 }, dense)).toBe(dense.optimizer.lr);
  });

  it('makes runHardSamples refuse a bad scale before it trains or writes anything', async () => {
    const out = path.join(os.tmpdir(), `nodulab-hard-bad-scale-${process.pid}`);
    await expect(runHardSamples({ ...spec, fineTuneLrScale: 2 }, out)).rejects.toThrow(
      'hard-samples: fineTuneLrScale must be in (0, 1], got 2',
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses a scale outside (0, 1]', () => {
    for (const bad of [0, -0.1, 1.5, NaN])
      expect(() => fineTuneLr({ ...spec, fineTuneLrScale: bad }, dense)).toThrow(
        /hard-samples: fineTuneLrScale must be in \(0, 1\], got/,
      );
  });
});
