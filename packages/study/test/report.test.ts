// The report from known results: metrics.csv rows and values, report.html's charts and tables, CI
// error bars only with several seeds, and a clean render in headless Chromium (skipped without it).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { metricsCsv, CSV_HEADER } from '../src/report/csv';
import { reportHtml } from '../src/report/html';
import { RunResult, StudyResults, summarize } from '../src/run_study';
import { resolveStudySpec } from '../src/spec';
import {
  CHROMIUM,
  expectCleanRender,
  expectReportCharts,
  parseCsv,
  renderInChromium,
} from '../../../test/helpers/chromium';

jest.setTimeout(90_000);

/** Results of a fake study: losses ce/simclr, `seeds` seeds, two test sets, values depending on (loss, seed). */
function fakeResults(seeds: number[]): StudyResults {
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
        dir: `runs/${l.name}-s${seed}`,
        trainSeconds: 1,
        testSets: { id: m, shift: { ...m, accuracy: v - 0.3 } },
        counterfactual: Object.fromEntries(study.analysis.factors.map((f) => [f.name, flip])),
        probes: { diameter: pr, label: { ...pr, kind: 'accuracy' as const, baseline: 0.5 } },
        saliency: { n: 4, insideShare: 0.4 + 0.1 * li, maskFraction: 0.05 },
      };
    }),
  );
  return {
    study: 'fake',
    description: 'a <fake> study',
    createdAt: new Date(0).toISOString(),
    seconds: 1,
    threads: 1,
    losses: study.losses.map((l) => l.name),
    seeds,
    testSets: study.testSets.map((t) => ({ name: t.name, split: t.split, spec: 'shortcut-size', n: t.n })),
    analysis: { ...study.analysis, counterfactualValues: { margin: 'x', diameter: 'y', attenuation: 'z', noise: 'w' } },
    runs,
    summary: summarize(study, runs),
    files: { report: 'report.html', metricsJson: 'metrics.json', metricsCsv: 'metrics.csv', study: 'study.json' },
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
    for (const t of ['performance', 'counterfactual', 'probes', 'saliency', 'ci-widths', 'comparisons', 'runs'])
      expect(html).toContain(`data-table="${t}"`);
    expect(html).toContain('a &lt;fake&gt; study');
    expect(html).toMatch(/class="ci"/);
    expect(html).toMatch(/ce vs simclr.*resolved/s);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
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
