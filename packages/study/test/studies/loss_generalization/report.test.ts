// The report from known results: metrics.csv rows and values, report.html's charts and tables, CI
// error bars only with several seeds, and a clean render in headless Chromium (skipped without it).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { metricsCsv, CSV_HEADER } from '../../../src/studies/loss_generalization/csv';
import { reportHtml } from '../../../src/studies/loss_generalization/report';
import {
  ControlRun,
  controlResult,
  findings,
  pairedDifferences,
} from '../../../src/studies/loss_generalization/findings';
import { RunResult, StudyResults, summarize } from '../../../src/studies/loss_generalization/run';
import { resolveStudySpec } from '../../../src/studies/loss_generalization/spec';
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
function fakeResults(seeds: number[], controlAccuracy = 0.9): StudyResults {
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
      const v = 0.6 + 0.1 * li + 0.01 * seed;
      const m = { accuracy: v, sensitivity: v, specificity: v, balancedAccuracy: v, auroc: v + 0.05 };
      const flip = { n: 10, flipRate: 0.1 * (li + 1), meanDeltaP: 0.05, meanAbsDeltaP: 0.07, labelChangeRate: 0 };
      const pr = { kind: 'r2' as const, score: 0.5 + 0.01 * seed, baseline: 0, nFit: 7, nTest: 3, lambda: 1 };
      return {
        loss: l.name,
        seed,
        dataSeed: seed,
        dir: `runs/${l.name}-s${seed}`,
        trainSeconds: 1,
        testSets: { id: m, shift: { ...m, accuracy: v - 0.3 } },
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
  const control = controlResult(study, controlRuns);
  const paired = pairedDifferences(study, runs, roles);
  const found = findings(study, runs, control, paired, roles);
  return {
    study: 'fake',
    description: 'a <fake> study',
    createdAt: new Date(0).toISOString(),
    seconds: 1,
    threads: 1,
    losses: study.losses.map((l) => l.name),
    seeds,
    testSets: study.testSets.map((t) => ({ name: t.name, split: t.split, spec: 'shortcut-size', n: t.n })),
    dataSeeds: seeds,
    analysis: {
      ...study.analysis,
      counterfactualValues: { margin: 'x', diameter: 'y', attenuation: 'z', noise: 'w' },
      factorRoles: roles,
    },
    runs,
    summary: summarize(study, runs),
    control,
    pairedDifferences: paired,
    findings: found.findings,
    claims: found.claims,
    findingsRule: study.findings,
    files: {
      report: 'report.html',
      metricsJson: 'metrics.json',
      metricsCsv: 'metrics.csv',
      study: 'study.json',
      timing: 'timing.json',
    },
  };
}

describe('metricsCsv', () => {
  it('has a row per (section, loss, target, metric) with the mean and 95% CI', () => {
    const rows = parseCsv(metricsCsv(fakeResults([0, 1, 2])));
    expect(rows[0]).toEqual(CSV_HEADER);
    expect(rows.slice(1).every((r) => r.length === CSV_HEADER.length)).toBe(true);
    const acc = rows.find(
      (r) => r[0] === 'performance' && r[1] === 'simclr' && r[2] === 'shift' && r[3] === 'accuracy',
    )!;
    expect(Number(acc[4])).toBe(3);
    expect(Number(acc[5])).toBeCloseTo(0.41, 10);
    expect(Number(acc[7])).toBeLessThan(0.41);
    expect(Number(acc[8])).toBeGreaterThan(0.41);
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
      'findings',
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
      /ce − simclr<\/td><td>performance<\/td><td>shift<\/td><td>balancedAccuracy<\/td><td>-0\.100 \[-0\.100, -0\.100\]<\/td><td>yes/,
    );
    expect(html).toMatch(/data-control="passed"/);
    expect(html.indexOf('data-control')).toBeLessThan(html.indexOf('id="findings"'));
    expect(html.indexOf('id="findings"')).toBeLessThan(html.indexOf('Accuracy under shift'));
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('says at the top, before the Findings, that the control failed', () => {
    const r = fakeResults([0, 1, 2], 0.55);
    expect(r.control).toMatchObject({ passed: false, failing: ['ce', 'simclr'] });
    const html = reportHtml(r);
    const at = html.indexOf('data-control="failed"');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(html.indexOf('id="findings"'));
    expect(html).toMatch(/The iid control failed/);
    expect(r.claims.find((c) => c.id === 'control')?.verdict).toBe('failed');
    expect(r.claims.find((c) => c.id === 'shift')?.note).toMatch(/control failed/);
  });

  it('gives verdicts from the paired differences', () => {
    const r = fakeResults([0, 1, 2]);
    // ce − simclr balanced accuracy on the shift is -0.1 on every seed: a resolved change under shift
    expect(r.claims.find((c) => c.id === 'shift')?.verdict).toBe('reproduced');
    // the flip rate of diameter differs by -0.1 on every seed: the loss changes the features used
    expect(r.claims.find((c) => c.id === 'features')?.verdict).toBe('reproduced');
    // in-distribution and rho0.0-like "shift" differ by 0 in balanced accuracy: the premise does not hold
    expect(r.findings.filter((f) => f.id === 'premise').map((f) => f.verdict)).toEqual([
      'not reproduced',
      'not reproduced',
    ]);
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
