// summarizeHardSamples on hand-made seed results: paired differences between arms are per-seed differences of
// mean test IoU, the mean-box control passes or fails (and says so), HTL flags pool into subgroup rates, and
// each Finding's verdict follows its CI.
import { FactorRecord, NoduleGenerator, preset } from '@nodulab/data';
import { SeedResult, defaultHardSamplesSpec, hardSamplesHtml, summarizeHardSamples } from '../../src';

const spec = { ...defaultHardSamplesSpec(), n: 4, testN: 2 };
const base = new NoduleGenerator(preset('iid'), 0).sample('train', 0).factors;

function seed(s: number, arms: Record<string, number[]>, dense: number, meanBox: number[]): SeedResult {
  const f = (diameter: number, pleuralWall: boolean) => ({ ...base, diameter, pleuralWall }) as FactorRecord;
  return {
    seed: s,
    locScore: [0.9, 0.1, 0, 0.2],
    locHtl: [1, 0, 0, 0],
    pieScore: [0, 0.5, 0, 0],
    pieHtl: [0, 1, 0, 0],
    locCounts: [0.3, 0.9].map((sparsity) => ({ sparsity, count: 1, fraction: 0.25 })),
    pieCounts: [
      { sparsity: 0.3, count: 0, fraction: 0 },
      { sparsity: 0.9, count: 1 + s, fraction: (1 + s) / 4 },
    ],
    boxModels: [],
    classModels: [],
    armIoUs: arms as SeedResult['armIoUs'],
    meanBoxIoUs: meanBox,
    denseTestIoU: dense,
    denseTrainIoU: { htl: 0.2, rest: 0.5 + 0.01 * s },
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
    const d = r.differences.find((x) => x.a === 'htl' && x.b === 'baseline')!.difference;
    expect(d.values).toEqual([0.06, 0.07, 0.06].map((v) => expect.closeTo(v, 10)));
    expect(r.findings.find((f) => f.id === 'attend-baseline')!.verdict).toBe('reproduced');
    expect(r.findings.find((f) => f.id === 'htl-harder')!.verdict).toBe('reproduced');
  });

  it('passes the control when the dense localizer beats the mean box', () => {
    expect(r.control.passed).toBe(true);
    expect(hardSamplesHtml(r)).toMatch(/data-control="passed"/);
  });

  it('fails the control, and says so first, when it does not', () => {
    const bad = summarizeHardSamples(
      spec,
      seeds.map((s) => ({ ...s, denseTestIoU: 0.05 })),
      1,
    );
    expect(bad.control.passed).toBe(false);
    const html = hardSamplesHtml(bad);
    expect(html.indexOf('FAILED')).toBeLessThan(html.indexOf('<h2>Findings</h2>'));
    expect(bad.findings.find((f) => f.id === 'attend-baseline')!.note).toMatch(/control failed/);
  });

  it('pools HTL flags over seeds into subgroup rates', () => {
    // The one HTL sample of each seed is the 5 mm nodule beside the wall: 3 of 3 small nodules, 0 of 9 others.
    const small = r.subgroups.localization.find((x) => x.factor === 'diameter' && x.group === '< 7 mm')!;
    expect([small.n, small.htl, small.populationRate]).toEqual([3, 3, 0.25]);
    expect(small.iouBaseline).toBeCloseTo(0.45, 10);
    const wall = r.subgroups.localization.find((x) => x.factor === 'wall' && x.group === 'wall')!;
    expect([wall.n, wall.htl]).toEqual([6, 3]);
  });
});
