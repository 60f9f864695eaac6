// `nodulab study hard-samples --quick` end to end, run as a user runs the built command (within 60 s): the
// populations, HTL selection, attending arms and subgroups run, and report.html (control first, then Findings),
// agree with one another.
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
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(r.stdout).toMatch(/^control: /m);
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

    // htl.csv: one row per training sample, the top 10% by localization score flagged, every model's output.
    const htl = readCsv(path.join(out, 'htl.csv'));
    expect(htl).toHaveLength(spec.n);
    const flagged = htl.filter((x) => x.loc_htl === '1');
    expect(flagged.length).toBeLessThanOrEqual(Math.round(spec.htlFraction * spec.n));
    const lowestFlagged = Math.min(...flagged.map((x) => Number(x.loc_score)));
    for (const x of htl.filter((y) => y.loc_htl === '0'))
      expect(Number(x.loc_score)).toBeLessThanOrEqual(lowestFlagged);
    const perPopulation = spec.models * (1 + spec.sparsities.length);
    expect(Object.keys(htl[0]).filter((c) => c.endsWith('_iou'))).toHaveLength(perPopulation);
    expect(Object.keys(htl[0]).filter((c) => c.endsWith('_class'))).toHaveLength(perPopulation);

    // metrics.json's arm means are the means of predictions.csv's per-sample IoUs.
    const preds = readCsv(path.join(out, 'predictions.csv'));
    for (const arm of ['baseline', 'htl', 'random', 'mining']) {
      const ious = preds.filter((p) => p.model === `attend-${arm}`).map((p) => Number(p.iou));
      expect(ious).toHaveLength(spec.testN);
      expect(m.arms[arm].mean).toBeCloseTo(ious.reduce((a, b) => a + b, 0) / ious.length, 3);
    }
    expect(m.counts.localization.map((c: { sparsity: number }) => c.sparsity)).toEqual([0.3, 0.5, 0.7, 0.9]);
    expect(m.findings.map((f: { id: string }) => f.id)).toEqual([
      'htl-harder',
      'pie-sparsity',
      'attend-baseline',
      'attend-random',
      'attend-mining',
      'subgroups',
    ]);
    for (const f of m.findings) expect(['reproduced', 'not reproduced', 'inconclusive']).toContain(f.verdict);

    // report.html opens with the control, then the Findings.
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const control = html.indexOf('data-control=');
    expect(control).toBeGreaterThan(0);
    expect(control).toBeLessThan(html.indexOf('<h2>Findings</h2>'));
    expect(html).toContain('data-table="findings"');
    expect(html).toContain('data-chart="arms"');
  });

  it('refuses a --spec', async () => {
    const r = await run(['study', 'hard-samples', '--spec', 'x.json', '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/takes no --spec/);
  });
});
