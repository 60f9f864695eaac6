// `nodulab study pretraining-robustness --quick` end to end (within 60 s): pretrained encoders, every target
// model of the grid, the report opening with the control and Findings, metrics.json whose aggregates match its
// runs, predictions.csv with a row per model, test set, distortion × severity and sample (from which a distorted
// accuracy is recomputed), SVG heat maps and CKA matrix plots, and the embeddings as .npy.
import * as fs from 'fs';
import * as path from 'path';
import { readNpy } from '@nodulab/data';
import { meanCorruptionError } from '@nodulab/study';
import { runCli as run } from '../helpers/run_cli';
import { suiteTempDir } from '../helpers/temp_dir';

jest.setTimeout(300_000);

const dir = suiteTempDir('nodulab-pretraining-');

describe('nodulab study pretraining-robustness --quick', () => {
  it('pretrains, probes and fine-tunes, tests under shift and distortions, and writes every output', async () => {
    const out = path.join(dir, 'quick');
    const r = await run(['study', 'pretraining-robustness', '--quick', '--threads', '2', '--out', out]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^control (passed|FAILED)/m);
    expect(fs.readdirSync(out).sort()).toEqual([
      'embeddings',
      'metrics.json',
      'predictions.csv',
      'pretrained',
      'pretraining.json',
      'report.html',
      'runs',
    ]);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    // inits scratch, supervised, simclr; scratch fine-tuned only: 5 models x 2 fractions x 2 seeds.
    expect(m.runs).toHaveLength(20);
    // Each seed pretrains its own encoders, so the CIs include pretraining variance.
    expect(m.pretrained.map((p: { init: string; seed: number }) => `${p.init}/${p.seed}`)).toEqual([
      'supervised/0',
      'simclr/0',
      'supervised/1',
      'simclr/1',
    ]);
    expect(r.stdout).toMatch(/CIs include pretraining variance/);
    expect(m.analyses).toHaveLength(10);
    // Target runs start from the cached encoders; their configs name the checkpoints where the study now lies.
    const cfg = JSON.parse(fs.readFileSync(path.join(out, 'runs', 'supervised-linear-f1-s1', 'config.json'), 'utf8'));
    expect(cfg.init.mode).toBe('linear');
    expect(fs.existsSync(cfg.init.checkpoint)).toBe(true);
    expect(cfg.init.checkpoint.startsWith(path.join(out, 'pretrained', 'supervised-'))).toBe(true);
    const kappas = m.runs
      .filter(
        (x: { init: string; mode: string; fraction: number }) =>
          x.init === 'supervised' && x.mode === 'finetune' && x.fraction === 1,
      )
      .map((x: { test: { kappa: number } }) => x.test.kappa);
    expect(m.summary.performance.supervised.finetune['1'].test.kappa.mean).toBeCloseTo((kappas[0] + kappas[1]) / 2, 12);
    // mCE of scratch relative to itself is 1; of another model it is recomputed from its distorted accuracies.
    expect(m.summary.mce.scratch.finetune.values).toEqual([1, 1]);
    const ana = (init: string, seed: number) =>
      m.analyses.find(
        (a: { init: string; mode: string; seed: number }) =>
          a.init === init && a.mode === 'finetune' && a.seed === seed,
      );
    expect(m.summary.mce.simclr.finetune.values[1]).toBeCloseTo(
      meanCorruptionError(ana('simclr', 1).distorted, ana('scratch', 1).distorted),
      12,
    );
    // CKA of a layer with itself is 1; every claim has a verdict.
    for (const a of m.analyses) a.ckaWithin.forEach((row: number[], i: number) => expect(row[i]).toBeCloseTo(1, 6));
    expect(ana('scratch', 0).ckaToScratch['features.10']).toBeCloseTo(1, 6);
    expect(m.summary.claims).toHaveLength(7);
    for (const c of m.summary.claims) expect(['reproduced', 'not reproduced', 'inconclusive']).toContain(c.verdict);

    const csv = fs.readFileSync(path.join(out, 'predictions.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'run,init,mode,fraction,seed,test_set,distortion,severity,index,grade,predicted_grade,p_grade_ge4,diameter,satellite_count',
    );
    // 20 models x 2 clean test sets, and 10 full-label models x 3 distortions x 3 severities, of 32 samples.
    expect(csv).toHaveLength(1 + 20 * 2 * 32 + 10 * 3 * 3 * 32);
    const rows = csv.slice(1).map((l) => l.split(','));
    const blurred = rows.filter((c) => c[0] === 'simclr-finetune-f1-s1' && c[6] === 'gaussian-blur' && c[7] === '3');
    expect(blurred).toHaveLength(32);
    expect(blurred.filter((c) => c[9] === c[10]).length / 32).toBeCloseTo(
      ana('simclr', 1).distorted['gaussian-blur']['3'].accuracy,
      12,
    );
    const emb = readNpy(path.join(out, 'embeddings', 'simclr-linear-f1-s0.npy'));
    expect(emb.shape).toEqual([32, 16]);
    const grades = readNpy(path.join(out, 'embeddings', 'grades-s0.npy'));
    expect(Array.from(grades.data as Int32Array).every((g) => g >= 1 && g <= 5)).toBe(true);

    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const body = html.slice(html.indexOf('<body>'));
    expect(body.indexOf('Control')).toBeLessThan(body.indexOf('id="findings"'));
    expect(body.indexOf('id="findings"')).toBeLessThan(body.indexOf('data-table="performance"'));
    for (const id of [
      'claims',
      'effects',
      'mce',
      'heat-supervised-finetune',
      'representations',
      'cka-simclr-linear',
      'saliency',
    ])
      expect(html).toContain(`data-table="${id}"`);
    // SVG heat maps: distortion x severity per model, and the CKA matrix between a model's layers.
    expect(html).toMatch(/<svg class="heatmap" data-chart="heat-scratch-finetune"/);
    expect(html).toMatch(/<svg class="heatmap" data-chart="cka-simclr-linear"/);
    expect((html.match(/<svg class="heatmap"/g) ?? []).length).toBe(10);
  });

  it('refuses a --spec and a queue', async () => {
    const a = await run(['study', 'pretraining-robustness', '--spec', 'x.json', '--out', path.join(dir, 'x')]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/takes no --spec/);
    const b = await run([
      'study',
      'pretraining-robustness',
      '--queue',
      'redis://localhost:1',
      '--out',
      path.join(dir, 'y'),
    ]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/runs in-process/);
  });
});
