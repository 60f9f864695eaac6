// The report from known results: metrics.csv rows and values, report.html's charts and tables, CI
// error bars only with several seeds, and a clean render in headless Chromium (skipped without it).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { metricsCsv, CSV_HEADER } from '../../../src/studies/loss_generalization/csv';
import { reportHtml } from '../../../src/studies/loss_generalization/report';
import { lossGeneralization } from '../../../src/studies/loss_generalization/study';
import type {
  LossGeneralizationResults,
  LossGeneralizationUnit,
  RunOutcome,
  RunResult,
  ControlRun,
} from '../../../src/studies/loss_generalization/results';
import { resolveStudySpec, StudySpec } from '../../../src/studies/loss_generalization/spec';
import type { StudyOutput, UnitOutcome } from '../../../src/framework';
import { judgeClaims } from '../../../src/claims';
import {
  CHROMIUM,
  expectCleanRender,
  expectReportCharts,
  parseCsv,
  renderInChromium,
} from '../../../../../test/helpers/chromium';

jest.setTimeout(90_000);

/**
 * Results of a fake study: losses ce/simclr, `seeds` seeds, two test sets, values depending on (loss,
 * seed); the control arm reaches `controlAccuracy`.
 */
function fakeResults(seeds: number[], controlAccuracy = 0.9): StudyOutput<StudySpec, LossGeneralizationResults> {
  const study = resolveStudySpec({
    losses: ['ce', 'simclr'],
    seeds,
    testSets: [
      { name: 'id', split: 'test' },
      { name: 'shift', split: 'test-rho0.0' },
    ],
    analysis: { testSet: 'id' },
  });
  const runs: RunResult[] = study.losses.flatMap((l, li) =>
    seeds.map((seed) => {
      // Seed-to-seed jitter, different per loss, so paired differences have a variance.
      const jitter = 0.004 * (((seed * 7 + li * 3) % 5) - 2);
      const v = 0.6 + 0.1 * li + 0.01 * seed + jitter;
      const m = { accuracy: v, sensitivity: v, specificity: v, balancedAccuracy: v, auroc: v + 0.05 };
      const flip = {
        n: 10,
        flipRate: 0.1 * (li + 1) + jitter,
        meanDeltaP: 0.05,
        meanAbsDeltaP: 0.07,
        labelChangeRate: 0,
      };
      const pr = { kind: 'r2' as const, score: 0.5 + 0.01 * seed, baseline: 0, nFit: 7, nTest: 3, lambda: 1 };
      return {
        loss: l.name,
        seed,
        dataSeed: seed,
        dir: `runs/${l.name}-s${seed}`,
        trainSeconds: 1,
        testSets: { id: m, shift: { ...m, accuracy: v - 0.3, balancedAccuracy: v - 0.3 - 0.5 * jitter } },
        counterfactual: Object.fromEntries(study.analysis.factors.map((f) => [f.name, flip])),
        probes: { diameter: pr, label: { ...pr, kind: 'accuracy' as const, baseline: 0.5 } },
        saliency: { n: 4, insideShare: 0.4 + 0.1 * li, maskFraction: 0.05 },
      };
    }),
  );
  const controlRuns: ControlRun[] = study.losses.flatMap((l) =>
    seeds.map((seed) => {
      const v = controlAccuracy + 0.01 * seed;
      return {
        loss: l.name,
        seed,
        dataSeed: seed,
        dir: `runs/${l.name}-s${seed}-control`,
        trainSeconds: 1,
        metrics: { accuracy: v, sensitivity: v, specificity: v, balancedAccuracy: v, auroc: v },
      };
    }),
  );
  const roles = { margin: 'core', diameter: 'shortcut', attenuation: 'other', noise: 'other' } as const;
  const counterfactualValues = { margin: 'x', diameter: 'y', attenuation: 'z', noise: 'w' };
  const outcomes: UnitOutcome<LossGeneralizationUnit, RunOutcome>[] = [
    ...runs.map((run) => ({
      unit: { id: `${run.loss}-s${run.seed}`, loss: run.loss, seed: run.seed, arm: 'shortcut' as const },
      result: { arm: 'shortcut' as const, run, counterfactualValues, factorRoles: { ...roles } },
      dir: run.dir,
    })),
    ...controlRuns.map((run) => ({
      unit: { id: `${run.loss}-s${run.seed}-control`, loss: run.loss, seed: run.seed, arm: 'control' as const },
      result: { arm: 'control' as const, run },
      dir: run.dir,
    })),
  ];
  const spec = { ...study, description: 'a <fake> study' };
  const results = lossGeneralization.summarize(spec, outcomes);
  const { controls, claims } = lossGeneralization.claims(spec, results);
  return { study: 'fake', spec, results, findings: judgeClaims(controls, claims) };
}

describe('metricsCsv', () => {
  it('has a row per (section, loss, target, metric) with the mean and 95% CI', () => {
    const r = fakeResults([0, 1, 2]).results;
    const rows = parseCsv(metricsCsv(r));
    const simclrShift = r.runs.filter((x) => x.loss === 'simclr').map((x) => x.testSets.shift.accuracy);
    const mean = simclrShift.reduce((a, b) => a + b, 0) / simclrShift.length;
    expect(rows[0]).toEqual(CSV_HEADER);
    expect(rows.slice(1).every((r) => r.length === CSV_HEADER.length)).toBe(true);
    const acc = rows.find(
      (r) => r[0] === 'performance' && r[1] === 'simclr' && r[2] === 'shift' && r[3] === 'accuracy',
    )!;
    expect(Number(acc[4])).toBe(3);
    expect(Number(acc[5])).toBeCloseTo(mean, 10);
    expect(Number(acc[7])).toBeLessThan(mean);
    expect(Number(acc[8])).toBeGreaterThan(mean);
    expect(rows.filter((r) => r[0] === 'counterfactual' && r[3] === 'flipRate')).toHaveLength(8);
    expect(rows.find((r) => r[0] === 'probe' && r[2] === 'label')![3]).toBe('accuracy');
  });
});

describe('reportHtml', () => {
  it('holds every chart and table, escapes text, and draws CI error bars with several seeds', () => {
    const html = reportHtml(fakeResults([0, 1, 2]));
    expectReportCharts(html);
    for (const t of [
      'claims',
      'performance',
      'control',
      'counterfactual-shortcut',
      'counterfactual-core',
      'counterfactual-other',
      'probes',
      'saliency',
      'ci-widths',
      'paired-differences',
      'runs',
    ])
      expect(html).toContain(`data-table="${t}"`);
    expect(html).toContain('a &lt;fake&gt; study');
    expect(html).toMatch(/class="ci"/);
    // ce is 0.1 below simclr on every seed: a resolved paired difference
    expect(html).toMatch(
      /ce − simclr<\/td><td>performance<\/td><td>shift<\/td><td>balancedAccuracy<\/td><td>-0\.(09|10)\d \[/,
    );
    expect(html).toMatch(/data-control="passed"/);
    expect(html.indexOf('data-control')).toBeLessThan(html.indexOf('id="findings"'));
    expect(html.indexOf('id="findings"')).toBeLessThan(html.indexOf('Accuracy under shift'));
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('says at the top, before the Findings, that the control failed', () => {
    const r = fakeResults([0, 1, 2], 0.55);
    expect(r.results.control).toMatchObject({ passed: false, failing: ['ce', 'simclr'] });
    const html = reportHtml(r);
    const at = html.indexOf('data-control="failed"');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(html.indexOf('id="findings"'));
    expect(html).toMatch(/The iid control failed/);
    expect(r.findings.controls.find((c) => c.id === 'control')?.passed).toBe(false);
    // Every primary claim depends on the control: none is testable (secondary ones carry no verdict).
    expect(r.findings.claims.map((c) => [c.id, c.verdict])).toEqual([
      ['premise', 'not testable'],
      ['features', 'not testable'],
      ['shift', 'not testable'],
      ['probes', null],
    ]);
    expect(r.findings.claims.find((c) => c.id === 'shift')?.reason).toMatch(/control 'control', which failed/);
  });

  it('gives verdicts from the paired differences, through the claims engine', () => {
    const r = fakeResults([0, 1, 2, 3, 4]);
    const verdict = (id: string) => r.findings.claims.find((c) => c.id === id)?.verdict;
    // balanced accuracy drops by about 0.3 from "id" to "shift" for every loss: the premise holds
    expect(verdict('premise')).toBe('reproduced');
    // ce − simclr balanced accuracy on the shift is about -0.1 on every seed: a resolved change under shift
    expect(verdict('shift')).toBe('reproduced');
    // the flip rate of diameter differs by about -0.1 on every seed: the loss changes the features used
    expect(verdict('features')).toBe('reproduced');
    // One chain tested in a fixed sequence, premise → features → shift: one hypothesis, every claim at α = 0.05.
    expect(r.findings.familySize).toBe(1);
    expect(r.findings.claims.filter((c) => c.role === 'primary').map((c) => [c.id, c.after, c.alpha])).toEqual([
      ['premise', null, 0.05],
      ['features', 'premise', 0.05],
      ['shift', 'features', 0.05],
    ]);
    expect(r.findings.claims.find((c) => c.id === 'premise')?.comparisons.map((c) => c.name)).toEqual([
      'ce: id − shift',
      'simclr: id − shift',
    ]);
  });

  it("judges features and shift on the spec's loss pair, in its order (a − b)", () => {
    const r = fakeResults([0, 1, 2, 3, 4]);
    const spec = { ...r.spec, findings: { ...r.spec.findings, pair: ['simclr', 'ce'] as [string, string] } };
    const { claims } = lossGeneralization.claims(spec, r.results);
    const values = (id: string, order: typeof claims) => order.find((c) => c.id === id)!.comparisons[0].values;
    const forward = lossGeneralization.claims(r.spec, r.results).claims;
    expect(values('shift', claims)).toEqual(values('shift', forward).map((v) => -v));
    expect(values('features', claims)).toEqual(values('features', forward).map((v) => -v));
    expect(claims.find((c) => c.id === 'shift')!.comparisons[0].name).toBe('simclr − ce: balanced accuracy on shift');
  });

  it('makes the feature and shift claims not testable when the premise does not hold', () => {
    const r = fakeResults([0, 1, 2, 3, 4]);
    const flat = {
      ...r.results,
      runs: r.results.runs.map((x) => ({ ...x, testSets: { ...x.testSets, shift: x.testSets.id } })),
    };
    const { controls, claims } = lossGeneralization.claims(r.spec, flat);
    const f = judgeClaims(controls, claims);
    expect(f.claims.map((c) => [c.id, c.verdict])).toEqual([
      ['premise', 'inconclusive'],
      ['features', 'not testable'],
      ['shift', 'not testable'],
      ['probes', null],
    ]);
    expect(f.claims[1].reason).toBe("is tested after 'premise', which is inconclusive");
    expect(f.claims[2].reason).toBe("is tested after 'features', which is not testable");
  });

  it('warns that one seed has no confidence intervals', () => {
    const html = reportHtml(fakeResults([0]));
    expect(html).not.toMatch(/class="ci"/);
    expect(html).toMatch(/One seed: no confidence intervals/);
  });

  (CHROMIUM ? it : it.skip)('renders in headless Chromium with its charts and no errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-report-'));
    try {
      const file = path.join(dir, 'report.html');
      fs.writeFileSync(file, reportHtml(fakeResults([0, 1, 2])));
      const dom = expectCleanRender(file);
      expect((dom.match(/<svg class="chart"/g) ?? []).length).toBe(6);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  (CHROMIUM ? it : it.skip)('records a script error in the page, so a broken report fails the render test', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-report-'));
    try {
      const file = path.join(dir, 'broken.html');
      fs.writeFileSync(
        file,
        reportHtml(fakeResults([0, 1])).replace('</body>', '<script>noSuchFunction();</script></body>'),
      );
      const { dom, consoleMessages } = renderInChromium(file);
      expect(dom).toMatch(/<div id="errors" data-count="1">[^<]*noSuchFunction/);
      expect(consoleMessages.join('\n')).toMatch(/noSuchFunction/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

if (!CHROMIUM) {
  console.warn(
    'report.test.ts: /usr/bin/chromium is missing; the headless render test is skipped (apt-get install -y chromium)',
  );
}
