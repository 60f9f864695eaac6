// `nodulab study hard-samples --quick` end to end, run as a user runs the built command (within 60 s): in each
// setting (supervised, semi, weak) the populations, HTL selection, attending arms and subgroups run, and
// report.html (the classifier control and the settings' controls first, then Findings), metrics.json, htl.csv
// and predictions.csv agree with one another.
import * as fs from 'fs';
import * as path from 'path';
import { spawnCli as run } from '../helpers/spawn_cli';
import { suiteTempDir } from '../helpers/temp_dir';

jest.setTimeout(120_000);

const dir = suiteTempDir('nodulab-hard-samples-');

const readCsv = (file: string) => {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, k) => [cols[k], v])) as Record<string, string>);
};

describe('nodulab study hard-samples --quick', () => {
  it('finds HTL samples by pruning, retrains attending to them and writes a consistent report', async () => {
    const out = path.join(dir, 'quick');
    const started = Date.now();
    const r = await run(['study', 'hard-samples', '--quick', '--threads', '2', '--out', out]);
    const seconds = (Date.now() - started) / 1000;
    console.log(`hard-samples --quick: ${seconds.toFixed(1)} s`);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^control: /gm)).toHaveLength(3);
    expect(r.stdout).toMatch(/^classifier control: (FAILED, )?the dense malignancy classifiers/m);
    expect(fs.readdirSync(out).sort()).toEqual([
      'hard-samples.json',
      'htl.csv',
      'metrics.json',
      'predictions.csv',
      'report.html',
      'runs',
    ]);
    const spec = JSON.parse(fs.readFileSync(path.join(out, 'hard-samples.json'), 'utf8'));
    const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));

    // htl.csv: one row per training sample; per setting the top 10% by localization score flagged and every
    // localizer's output; the semi setting knows 25% of the boxes, the weak one none.
    const htl = readCsv(path.join(out, 'htl.csv'));
    expect(htl).toHaveLength(spec.n);
    const perPopulation = spec.models * (1 + spec.sparsities.length);
    const cols = Object.keys(htl[0]);
    expect(cols.filter((c) => c.endsWith('_class'))).toHaveLength(perPopulation);
    const settings = ['supervised', 'semi', 'weak'];
    const labeled = settings.map((x) => htl.filter((r) => r[`${x}_labeled`] === '1').length);
    expect(labeled).toEqual([spec.n, Math.round(spec.labeledFraction * spec.n), 0]);
    for (const x of settings) {
      const flagged = htl.filter((r) => r[`${x}_loc_htl`] === '1');
      expect(flagged.length).toBeLessThanOrEqual(Math.round(spec.htlFraction * spec.n));
      const lowestFlagged = Math.min(...flagged.map((r) => Number(r[`${x}_loc_score`])));
      for (const r of htl.filter((y) => y[`${x}_loc_htl`] === '0'))
        expect(Number(r[`${x}_loc_score`])).toBeLessThanOrEqual(lowestFlagged);
      expect(cols.filter((c) => c.startsWith(`${x}_`) && c.endsWith('_iou') && c !== `${x}_target_iou`)).toHaveLength(
        perPopulation,
      );
    }
    // Where the semi setting was given the true box, its training box is the true one.
    for (const r of htl.filter((y) => y.semi_labeled === '1')) expect(Number(r.semi_target_iou)).toBeCloseTo(1, 4);

    // metrics.json's arm means are the means of predictions.csv's per-sample IoUs, per setting; the baseline arm is
    // dense model 0.
    const preds = readCsv(path.join(out, 'predictions.csv'));
    for (const [k, x] of settings.entries()) {
      expect(m.settings[k].setting).toBe(x);
      const of = (model: string) => preds.filter((p) => p.setting === x && p.model === model).map((p) => p.iou);
      for (const arm of ['baseline', 'htl', 'random', 'mining']) {
        const ious = of(`attend-${arm}`).map(Number);
        expect(ious).toHaveLength(spec.testN);
        expect(m.settings[k].arms[arm].mean).toBeCloseTo(ious.reduce((a, b) => a + b, 0) / ious.length, 3);
      }
      expect(of('attend-baseline')).toEqual(of(`${x === 'supervised' ? '' : `${x}-`}box-dense0`));
      expect(m.settings[k].counts.map((c: { sparsity: number }) => c.sparsity)).toEqual(spec.sparsities);
    }
    const claims = ['htl-harder', 'attend-baseline', 'attend-random', 'attend-mining', 'subgroups'];
    expect(m.findings.map((f: { id: string }) => f.id)).toEqual([
      'pie-sparsity',
      ...settings.flatMap((x) => claims.map((c) => `${x}/${c}`)),
    ]);
    for (const f of m.findings) expect(['reproduced', 'not reproduced', 'inconclusive']).toContain(f.verdict);

    // report.html opens with the control, then the Findings.
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const control = html.indexOf('data-control=');
    expect(control).toBeGreaterThan(0);
    expect(control).toBeLessThan(html.indexOf('<h2>Findings</h2>'));
    // The classifiers' control comes first: test AUROC of the dense classifiers, as metrics.json records it.
    const classifier = html.indexOf(
      `data-classifier-control="${m.classification.control.passed ? 'passed' : 'failed'}"`,
    );
    expect(classifier).toBeGreaterThan(0);
    expect(classifier).toBeLessThan(control);
    expect(m.classification.control.auroc.mean).toBeGreaterThanOrEqual(0);
    expect(m.classification.control.auroc.mean).toBeLessThanOrEqual(1);
    expect(html.match(/data-control="(passed|failed)" data-setting=/g)).toHaveLength(3);
    expect(html).toContain('data-table="findings"');
    for (const x of settings) expect(html).toContain(`data-chart="arms-${x}"`);
  });

  it('refuses a --spec', async () => {
    const r = await run(['study', 'hard-samples', '--spec', 'x.json', '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/takes no --spec/);
  });
});
