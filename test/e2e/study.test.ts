// `nodulab study` through main(argv): the quick study end to end (files, the control arm's runs,
// per-sample predictions that reproduce metrics.json, metrics.json complete with means, paired
// differences and findings, CSV, report with its charts rendered in headless Chromium), and mistakes
// that exit 2 and write nothing.
import * as fs from 'fs';
import * as path from 'path';
import { type CliRun, runCli as run } from '../helpers/run_cli';
import { CHROMIUM, expectCleanRender, expectReportCharts, parseCsv } from '../helpers/chromium';
import { suiteTempDir } from '../helpers/temp_dir';

jest.setTimeout(240_000);

const dir = suiteTempDir('nodulab-study-cli-');

const LOSSES = ['ce', 'supcon', 'simclr'];
const TESTS = ['in-distribution', 'rho0.5', 'rho0.0', 'scanner-shift'];
const METRICS = ['accuracy', 'sensitivity', 'specificity', 'balancedAccuracy', 'auroc'];

describe('nodulab study --quick', () => {
  let out: string;
  let r: CliRun;
  beforeAll(async () => {
    out = path.join(dir, 'quick');
    const t0 = Date.now();
    r = await run(['study', '--quick', '--threads', '2', '--out', out]);
    console.log(`quick study (one seed): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('runs every stage and prints what ran, the headline table and where the report is', () => {
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/study loss-generalization: 3 losses \(ce, supcon, simclr\) x 1 seeds \(0\) = 3 models/);
    expect(r.stdout).toMatch(/balanced accuracy, mean \[95% CI\] over seeds/);
    // One seed: means without a CI.
    for (const l of LOSSES) expect(r.stdout).toMatch(new RegExp(`\\n${l} +\\d\\.\\d{3} +\\d\\.\\d{3}`));
    expect(r.stdout).toContain(`report: ${path.join(out, 'report.html')}`);
    expect(r.stderr).toMatch(/\[3\/6\] simclr-s0: done in/);
    expect(r.stderr).toMatch(/\[6\/6\] simclr-s0-control: done in/);
    expect(r.stdout).toMatch(/findings\n +control (passed|FAILED) +Without the shortcut/);
    expect(r.stdout).toMatch(
      /\n +(reproduced|contradicted|not reproduced|inconclusive|not testable) +Consequently, the loss changes accuracy under shift/,
    );
  });

  it('writes the report, metrics, resolved study and a checkpointed run per loss and seed', () => {
    expect(fs.readdirSync(out).sort()).toEqual([
      'metrics.csv',
      'metrics.json',
      'report.html',
      'runs',
      'spec.json',
      'timing.json',
    ]);
    const cf = ['margin', 'diameter', 'attenuation', 'noise'].map((f) => `rho0.5.cf-${f}.csv`);
    for (const l of LOSSES)
      for (const s of [0]) {
        const run = path.join(out, 'runs', `${l}-s${s}`);
        expect(fs.existsSync(path.join(run, 'checkpoints', 'best.safetensors'))).toBe(true);
        // the run's summary names where its files are now, not the staging folder they were written in
        const summary = JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8'));
        expect(path.resolve(summary.outDir)).toBe(path.resolve(run));
        expect(fs.existsSync(summary.checkpoints.best)).toBe(true);
        // each seed trains on its own data draw
        expect(JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'))).toMatchObject({
          loss: l,
          seed: s,
          data: { seed: s },
        });
        expect(fs.readdirSync(path.join(run, 'predictions')).sort()).toEqual(
          [...TESTS.map((t) => `${t}.csv`), ...cf].sort(),
        );
        const control = path.join(out, 'runs', `${l}-s${s}-control`);
        expect(fs.existsSync(path.join(control, 'checkpoints', 'best.safetensors'))).toBe(true);
        const cfg = JSON.parse(fs.readFileSync(path.join(control, 'config.json'), 'utf8'));
        expect(cfg).toMatchObject({ loss: l, seed: s, data: { seed: s } });
        expect(cfg.data.spec.shortcuts.map((x: { rho: number }) => x.rho)).toEqual([0.5]);
        expect(fs.readdirSync(path.join(control, 'predictions'))).toEqual(['in-distribution.csv']);
      }
    const study = JSON.parse(fs.readFileSync(path.join(out, 'spec.json'), 'utf8'));
    expect(study).toMatchObject({ name: 'loss-generalization', seeds: [0], volume: { shape: [16, 16, 16] } });
  });

  it('metrics.json has every loss x test set x metric with its mean (no CI from one seed), and every analysis', () => {
    const doc = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(Object.keys(doc)).toEqual(['study', 'spec', 'results', 'findings']);
    const m = doc.results;
    expect(m.runs).toHaveLength(3);
    for (const l of LOSSES) {
      for (const t of TESTS)
        for (const k of METRICS) {
          const a = m.summary.performance[l][t][k];
          expect(a.n).toBe(1);
          expect(a.values).toEqual([a.mean]);
          for (const f of ['lower', 'upper', 'halfWidth']) expect(a[f]).toBeNull();
          expect(a.mean).toBeGreaterThanOrEqual(0);
          expect(a.mean).toBeLessThanOrEqual(1);
        }
      for (const f of ['margin', 'diameter', 'attenuation', 'noise'])
        expect(typeof m.summary.counterfactual[l][f].flipRate.mean).toBe('number');
      for (const p of ['label', 'diameter', 'lobulation']) expect(typeof m.summary.probes[l][p].mean).toBe('number');
      expect(m.summary.saliency[l].insideShare.mean).toBeGreaterThan(0);
    }
    // The margin counterfactual changes the true label; the shortcut ones do not.
    expect(m.runs[0].counterfactual.margin.labelChangeRate).toBe(1);
    expect(m.runs[0].counterfactual.diameter.labelChangeRate).toBe(0);
    expect(m.analysis.factorRoles).toEqual({
      margin: 'core',
      diameter: 'shortcut',
      attenuation: 'other',
      noise: 'other',
    });
    expect(m.dataSeeds).toEqual([0]);
    expect(JSON.stringify(doc)).not.toMatch(/"(createdAt|seconds|trainSeconds)"/);
  });

  it('metrics.json has the control, paired differences between losses and the findings with verdicts', () => {
    const doc = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    const m = doc.results;
    expect(m.control).toMatchObject({ enabled: true, minBalancedAccuracy: 0.8 });
    expect(typeof m.control.passed).toBe('boolean');
    expect(m.control.runs).toHaveLength(3);
    for (const l of LOSSES) expect(m.control.summary[l].balancedAccuracy.n).toBe(1);
    const d = m.pairedDifferences.find(
      (p: { a: string; b: string; target: string; metric: string }) =>
        p.a === 'ce' && p.b === 'simclr' && p.target === 'rho0.0' && p.metric === 'balancedAccuracy',
    );
    const per = [0].map((s) => {
      const run = (l: string) => m.runs.find((x: { loss: string; seed: number }) => x.loss === l && x.seed === s);
      return run('ce').testSets['rho0.0'].balancedAccuracy - run('simclr').testSets['rho0.0'].balancedAccuracy;
    });
    expect(d.diff.mean).toBeCloseTo(per[0], 12);
    expect(d.diff.values).toHaveLength(1);
    expect(m.pairedDifferences.some((p: { section: string }) => p.section === 'probe')).toBe(true);
    const f = doc.findings;
    expect(f.policy).toMatch(/family of \d+ hypotheses/);
    expect(f.controls.map((c: { id: string }) => c.id)).toEqual(['control']);
    expect(f.controls[0].passed).toBe(m.control.passed);
    const primary = f.claims.filter((c: { role: string }) => c.role === 'primary');
    expect(primary.map((c: { id: string }) => c.id)).toEqual(['premise', 'features', 'shift']);
    for (const c of f.claims.filter((x: { role: string }) => x.role === 'secondary')) expect(c.verdict).toBeNull();
    for (const c of primary) {
      expect(['reproduced', 'contradicted', 'not reproduced', 'inconclusive', 'not testable']).toContain(c.verdict);
      expect(c.sesoi).toBe(0.05);
      for (const x of c.comparisons)
        expect(Object.keys(x)).toEqual(expect.arrayContaining(['name', 'mean', 'ci', 'seedsNeeded']));
      // A failed control gates every claim.
      if (m.control.passed === false) expect(c.verdict).toBe('not testable');
    }
  });

  it("each predictions.csv recomputes its run's metrics in metrics.json", () => {
    const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')).results;
    const balanced = (rows: string[][]): number => {
      const [h, ...body] = rows;
      const [label, pred] = [h.indexOf('label'), h.indexOf('predicted')];
      const rate = (y: string) => {
        const mine = body.filter((r) => r[label] === y);
        return mine.filter((r) => r[pred] === y).length / mine.length;
      };
      return (rate('1') + rate('0')) / 2;
    };
    const rows = parseCsv(fs.readFileSync(path.join(out, 'runs', 'supcon-s0', 'predictions', 'rho0.0.csv'), 'utf8'));
    expect(rows[0].slice(0, 6)).toEqual(['index', 'label', 'p_malignant', 'predicted', 'hasNodule', 'diameter']);
    expect(rows).toHaveLength(129);
    const run = m.runs.find((x: { loss: string; seed: number }) => x.loss === 'supcon' && x.seed === 0);
    expect(balanced(rows)).toBeCloseTo(run.testSets['rho0.0'].balancedAccuracy, 12);
    const ctl = parseCsv(
      fs.readFileSync(path.join(out, 'runs', 'ce-s0-control', 'predictions', 'in-distribution.csv'), 'utf8'),
    );
    expect(balanced(ctl)).toBeCloseTo(m.control.runs[0].metrics.balancedAccuracy, 12);
  });

  it('metrics.csv parses into rows of the header width with numeric means', () => {
    const rows = parseCsv(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8'));
    expect(rows[0].slice(0, 6)).toEqual(['section', 'loss', 'target', 'metric', 'n', 'mean']);
    const perf = rows.filter((x) => x[0] === 'performance');
    expect(perf).toHaveLength(LOSSES.length * TESTS.length * METRICS.length);
    expect(rows.slice(1).every((x) => x.length === rows[0].length)).toBe(true);
    // One seed: a mean and no CI bounds.
    expect(perf.every((x) => Number.isFinite(Number(x[5])) && x[7] === '' && x[8] === '')).toBe(true);
  });

  it('report.html is self-contained with its charts and tables', () => {
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expectReportCharts(html);
    expect(html).toMatch(/Reliability of the findings/);
    expect(html).toMatch(/data-control="(passed|failed)"/);
    expect(html.indexOf('data-control=')).toBeLessThan(html.indexOf('id="findings"'));
    expect(html.indexOf('id="findings"')).toBeLessThan(html.indexOf('Accuracy under shift'));
    for (const t of ['claims', 'controls', 'control', 'paired-differences', 'counterfactual-shortcut'])
      expect(html).toContain(`data-table="${t}"`);
    expect(html).not.toMatch(/(src|href)=["']?(https?:|\/\/)/);
  });

  (CHROMIUM ? it : it.skip)('report.html renders in headless Chromium with its charts and no errors', () => {
    expectCleanRender(path.join(out, 'report.html'));
  });
});

describe('nodulab study mistakes', () => {
  it.each([
    [
      'a malformed spec',
      { losses: ['xent'], seeds: 0 },
      /invalid study spec:[\s\S]*losses\[0\]: must be one of[\s\S]*seeds: must be an integer/,
    ],
    ['a bad run config in a spec', { config: { batchSize: 1 } }, /config[\s\S]*batchSize: must be an integer >= 2/],
    ['a spec that is not JSON', '{ "losses": [', /not valid JSON/],
  ])('%s exits 2 and writes no output folder', async (_name, doc, message) => {
    const spec = path.join(dir, 'bad.json');
    fs.writeFileSync(spec, typeof doc === 'string' ? doc : JSON.stringify(doc));
    const out = path.join(dir, 'never');
    const r = await run(['study', '--spec', spec, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(out)).toBe(false);
  });

  it.each([
    [['study', 'nope'], /unknown study 'nope'/],
    [['study', '--seeds', '0'], /--seeds must be >= 1/],
    [['study', '--spec', '/nonexistent/s.json'], /cannot read --spec/],
  ])('%j exits 2', async (argv, message) => {
    const r = await run([...argv, '--out', path.join(dir, 'never2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(dir, 'never2'))).toBe(false);
  });

  it('refuses a non-empty --out before writing anything', async () => {
    const out = path.join(dir, 'full');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
    const r = await run(['study', '--quick', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exists and is not an empty folder/);
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
  });
});
