// The hard-samples summary, claims, report, text and per-sample files on fake unit results (fixtures.ts): paired
// differences between arms are per-seed differences of mean test IoU, the mean-box control passes or fails (and
// says so) per setting, a failed control makes the claims resting on it "not testable", HTL flags pool into
// subgroup rates, and the claims engine gives each setting's claims their verdicts. Milliseconds, no training.
import { judgeClaims } from '../../../src';
import {
  HardSamplesResults,
  hardSamples,
  hardSamplesClaims,
  hardSamplesHtml,
  hardSamplesText,
  htlCsv,
  predictionsCsv,
  seedViews,
  summarizeHardSamples,
} from '../../../src';
import { SEEDS, SPEC, arms, fakeOutcomes } from './fixtures';

const outputOf = (results: HardSamplesResults) => {
  const { controls, claims } = hardSamplesClaims(SPEC, results);
  return { study: 'hard-samples', spec: SPEC, results, findings: judgeClaims(controls, claims) };
};
const r = summarizeHardSamples(SPEC, fakeOutcomes());
const out = outputOf(r);
const claim = (o: typeof out, id: string) => o.findings.claims.find((c) => c.id === id)!;

describe('summarizeHardSamples on fake unit results', () => {
  it('takes paired differences of mean test IoU per seed, and the engine reproduces the HTL claims', () => {
    const d = r.settings[0].differences.find((x) => x.a === 'htl' && x.b === 'baseline')!.difference;
    expect(d.values).toEqual([0.06, 0.07, 0.06].map((v) => expect.closeTo(v, 10)));
    expect(claim(out, 'supervised/attend-baseline').comparisons[0].n).toBe(3);
    expect(claim(out, 'supervised/attend-baseline').verdict).toBe('reproduced');
    expect(claim(out, 'supervised/htl-harder').verdict).toBe('reproduced');
    // Dense localizers' training IoU: 0.2 on the HTL sample, 0.5 + 0.01 seed elsewhere.
    expect(r.settings[0].htlHarder.values).toEqual([0.3, 0.31, 0.32].map((v) => expect.closeTo(v, 10)));
  });

  it('gives each setting its own claims, after the classifiers’ PIE, each with a SESOI and its reason', () => {
    const own = ['attend-baseline', 'attend-random', 'attend-mining', 'htl-harder', 'subgroups'];
    expect(out.findings.claims.map((c) => c.id)).toEqual([
      'pie-sparsity',
      ...own.map((c) => `supervised/${c}`),
      ...own.map((c) => `weak/${c}`),
    ]);
    for (const c of out.findings.claims) {
      expect(c.sesoi).toBeGreaterThan(0);
      expect(c.sesoiReason.length).toBeGreaterThan(10);
    }
    expect(
      out.findings.claims.filter((c) => c.id.startsWith('weak/')).every((c) => c.statement.endsWith('(weak)')),
    ).toBe(true);
    // The subgroup chosen after looking is secondary: shown without a verdict.
    expect(claim(out, 'supervised/subgroups').role).toBe('secondary');
    expect(claim(out, 'supervised/subgroups').verdict).toBeNull();
    // 1 (PIE) + 2 hypotheses per setting (attend-baseline, htl-harder): random and mining are tested after the
    // baseline comparison, in a fixed sequence, and spend its α.
    expect(out.findings.familySize).toBe(5);
    expect(claim(out, 'supervised/attend-random').after).toBe('supervised/attend-baseline');
    expect(claim(out, 'supervised/attend-mining').after).toBe('supervised/attend-random');
  });

  it('judges attending against random up-weighting and mining only once it beats the baseline', () => {
    const f = (values: number[]) => {
      const diffs = r.settings[0].differences.map((d) =>
        d.a === 'htl' && d.b === 'baseline' ? { ...d, difference: { ...d.difference, values } } : d,
      );
      const settings = [{ ...r.settings[0], differences: diffs }, ...r.settings.slice(1)];
      return outputOf({ ...r, settings }).findings;
    };
    expect(claim(out, 'supervised/attend-baseline').verdict).toBe('reproduced');
    const flat = f([0.001, -0.002, 0.0005]);
    expect(flat.claims.find((c) => c.id === 'supervised/attend-baseline')!.verdict).not.toBe('reproduced');
    expect(flat.claims.find((c) => c.id === 'supervised/attend-random')!.verdict).toBe('not testable');
    expect(flat.claims.find((c) => c.id === 'supervised/attend-mining')!.reason).toMatch(
      /is tested after 'supervised\/attend-random', which is not testable/,
    );
  });

  it('passes the control of a setting whose dense localizer beats the mean box, fails the other, and gates its claims', () => {
    // weak: every IoU 0.3 lower, so its dense localizers (0.1–0.2) do not beat the mean box (0.1–0.2).
    expect(r.settings.map((x) => [x.setting, x.control.passed])).toEqual([
      ['supervised', true],
      ['weak', false],
    ]);
    expect(out.findings.controls.find((c) => c.id === 'control-weak')!.passed).toBe(false);
    for (const id of ['htl-harder', 'attend-baseline', 'attend-random', 'attend-mining']) {
      expect(claim(out, `weak/${id}`).verdict).toBe('not testable');
      expect(claim(out, `weak/${id}`).reason).toMatch(/control 'control-weak', which failed/);
      expect(claim(out, `supervised/${id}`).verdict).not.toBe('not testable');
    }
    const html = hardSamplesHtml(out);
    expect(html).toMatch(/data-control="passed" data-setting="supervised"/);
    expect(html.indexOf('data-control="failed" data-setting="weak"')).toBeLessThan(html.indexOf('id="findings"'));
    expect(html.indexOf('FAILED, weakly supervised')).toBeLessThan(html.indexOf('id="findings"'));
    expect(
      hardSamplesText(out, '/tmp/x')
        .split('\n')
        .filter((l) => l.startsWith('control: ')),
    ).toHaveLength(2);
  });

  it('passes the classifier control from the dense classifiers’ test AUROC and balanced accuracy', () => {
    const c = r.classification.control;
    // Seed 0: dense AUROC 0.8, 0.81, 0.82 (the pruned models' 0.5 are left out).
    expect(c.auroc.values[0]).toBeCloseTo(0.81, 10);
    expect(c.balancedAccuracy.values).toEqual([0.75, 0.7, 0.8].map((v) => expect.closeTo(v, 10)));
    expect(c.passed).toBe(true);
    const html = hardSamplesHtml(out);
    expect(html.indexOf('data-classifier-control="passed"')).toBeLessThan(html.indexOf('data-control='));
    expect(hardSamplesText(out, '/tmp/x').split('\n')[1]).toMatch(
      /^classifier control: the dense malignancy classifiers beat chance/,
    );
    expect(claim(out, 'pie-sparsity').verdict).not.toBe('not testable');
    expect(r.classification.pieGrowth.values).toEqual([0.25, 0.5, 0.75]);
  });

  it('fails the classifier control near chance, which makes PIE’s and the weak setting’s claims not testable', () => {
    const chance = SEEDS.map((s, k) => ({ ...s, arms: arms(0.5, 0.55), dense: 0.5, auroc: [0.52, 0.47, 0.55][k] }));
    const f = outputOf(summarizeHardSamples(SPEC, fakeOutcomes(chance)));
    expect(f.results.classification.control.passed).toBe(false);
    expect(f.results.classification.control.text).toMatch(/^FAILED, the dense malignancy classifiers are not/);
    expect(hardSamplesHtml(f)).toMatch(/data-classifier-control="failed"/);
    expect(claim(f, 'pie-sparsity').verdict).toBe('not testable');
    expect(claim(f, 'pie-sparsity').reason).toMatch(/control 'control-classifier', which failed/);
    for (const c of f.findings.claims.filter((x) => x.id.startsWith('weak/') && x.role === 'primary'))
      expect(c.verdict).toBe('not testable');
    // The supervised setting does not rest on the classifiers.
    expect(claim(f, 'supervised/attend-baseline').verdict).not.toBe('not testable');
  });

  it('pools HTL flags over seeds into subgroup rates, and follows the top subgroup per seed', () => {
    // The one HTL sample of each seed is the 5 mm nodule beside the wall: 3 of 3 small nodules, 0 of 9 others.
    const small = r.settings[0].subgroups.find((x) => x.factor === 'diameter' && x.group === '< 7 mm')!;
    expect([small.n, small.htl, small.populationRate]).toEqual([3, 3, 0.25]);
    expect(small.iouBaseline).toBeCloseTo(0.45, 10);
    const wall = r.settings[0].subgroups.find((x) => x.factor === 'wall' && x.group === 'wall')!;
    expect([wall.n, wall.htl]).toEqual([6, 3]);
    // Of subgroups of >= 5 samples, "wall" is the most over-represented: 1 of 2 per seed against 1 of 4.
    expect(r.settings[0].overRepresented).toMatchObject({ factor: 'wall', group: 'wall' });
    expect(r.settings[0].overRepresented!.perSeed.values).toEqual([0.25, 0.25, 0.25]);
  });

  it('gives pruned − dense rows per sparsity, paired by seed, for classifiers and localizers', () => {
    const [, row] = r.classification.pruned;
    expect(row.sparsity).toBe(0.9);
    // Dense AUROC auroc + 0.01 (mean of auroc + 0.01 k, k = 0..2); pruned 0.5.
    expect(row.auroc!.values).toEqual([0.8, 0.75, 0.85].map((a) => expect.closeTo(0.5 - (a + 0.01), 10)));
    expect(row.iou).toBeUndefined();
    const loc = r.settings[0].pruned.find((p) => p.sparsity === 0.9)!;
    expect(loc.iou!.values).toEqual([0, 1, 2].map((s) => expect.closeTo(-0.2 - 0.01 * s, 10)));
    expect(hardSamplesText(out, '/tmp/x')).toMatch(
      /pruned − dense localizers \(supervised\), test mean IoU by sparsity: 0\.3 -0\.210 .*; 0\.9 -0\.210/,
    );
    expect(hardSamplesHtml(out)).toContain('data-table="pruned-classification"');
  });

  it('is JSON: the summary survives a round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('the report, text and per-sample files', () => {
  it('opens the report with the controls, then the Findings section with the policy and every claim', () => {
    const html = hardSamplesHtml(out);
    expect(html).toContain('data-policy');
    for (const c of out.findings.claims) expect(html).toContain(`data-claim="${c.id}"`);
    expect(html).toContain('data-table="differences-supervised"');
    expect(html).not.toMatch(/hard-samples\.json/);
  });

  it('writes htl.csv per seed and training sample and predictions.csv per seed, test sample, setting and model', () => {
    const seeds = seedViews(SPEC, fakeOutcomes());
    const htl = htlCsv(seeds).trim().split('\n');
    expect(htl).toHaveLength(1 + 3 * 4);
    expect(htl[0]).toMatch(/^seed,sample,diameter,/);
    expect(htl[0]).toContain('supervised_loc_htl');
    expect(htl[0]).toContain('weak_box-dense0-pruned90_iou');
    // Sample 0 is each setting's HTL sample.
    const head = htl[0].split(',');
    expect(htl[1].split(',')[head.indexOf('supervised_loc_htl')]).toBe('1');
    const pred = predictionsCsv(seeds).trim().split('\n');
    // Per seed and test sample: per setting 4 arms + the mean box + 9 localizers; 9 classifiers.
    expect(pred).toHaveLength(1 + 3 * 2 * (2 * (4 + 1 + 9) + 9));
    const files = hardSamples.files!(out, fakeOutcomes());
    expect(Object.keys(files).sort()).toEqual(['htl.csv', 'predictions.csv']);
  });
});
