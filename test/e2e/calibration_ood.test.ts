// `nodulab study calibration-ood --quick` end to end, run as a user runs the built command: every model of the
// grid, report.html opening with the control and the Findings and holding its charts, metrics.json whose
// per-sample sources agree with it (the AUROCs recomputed from ood_scores.csv, the Dice from predictions.csv).
import * as fs from 'fs';
import * as path from 'path';
import { spawnCli as run } from '../helpers/spawn_cli';
import { suiteTempDir } from '../helpers/temp_dir';

jest.setTimeout(180_000);

const dir = suiteTempDir('nodulab-calibration-ood-');

const readCsv = (file: string) => {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, k) => [cols[k], v])) as Record<string, string>);
};

/** P(an OOD score > an in-distribution score), ties counting 1/2, by counting every pair. */
function pairAuroc(inScores: number[], outScores: number[]): number {
  let wins = 0;
  for (const o of outScores) for (const i of inScores) wins += o > i ? 1 : o === i ? 0.5 : 0;
  return wins / (inScores.length * outScores.length);
}

describe('nodulab study calibration-ood --quick', () => {
  it('trains joint, dedicated and transfer models, scores OOD sets and writes a consistent report', async () => {
    const out = path.join(dir, 'quick');
    const started = Date.now();
    const r = await run(['study', 'calibration-ood', '--quick', '--threads', '2', '--out', out]);
    const seconds = (Date.now() - started) / 1000;
    console.log(`calibration-ood --quick: ${seconds.toFixed(1)} s`);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^control (passed|FAILED)/m);
    expect(fs.readdirSync(out).sort()).toEqual([
      'calibration-ood.json',
      'metrics.json',
      'ood_scores.csv',
      'predictions.csv',
      'report.html',
      'runs',
    ]);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    // 2 seeds x (1 joint + 4 dedicated + 3 transfer); OOD sets: unseen, empty, scanner shift, 3 distortions x 2.
    expect(m.runs).toHaveLength(16);
    expect(m.oodSets).toHaveLength(9);
    expect(m.oodSets.slice(0, 3)).toEqual(['unseen: task-subsolid', 'empty', 'scanner-shift']);

    // Every AUROC of metrics.json recomputed from the per-sample scores: each seed's joint model (in distribution:
    // 4 datasets x 8 test volumes) and each dedicated model (its own dataset's 8 test volumes; OOD sets of 8).
    const scores = readCsv(path.join(out, 'ood_scores.csv'));
    const methods = ['spectral', 'max-softmax', 'entropy', 'mc-dropout', 'ensemble'];
    const presets = ['seg-nodule', 'seg-vessels', 'seg-cavity', 'seg-calcium'];
    const oodRuns = m.ood as { model: string; seed: number; sets: Record<string, Record<string, { auroc: number }>> }[];
    expect(oodRuns.map((o) => `${o.model} ${o.seed}`).sort()).toEqual(
      ['joint', ...presets.map((p) => `dedicated:${p}`)].flatMap((x) => [`${x} 0`, `${x} 1`]).sort(),
    );
    expect(new Set(scores.map((x) => x.model))).toEqual(new Set(oodRuns.map((o) => o.model)));
    for (const o of oodRuns)
      for (const set of m.oodSets as string[])
        for (const method of methods) {
          const pick = (s: string) =>
            scores
              .filter((x) => x.model === o.model && x.seed === String(o.seed) && x.set === s && x.method === method)
              .map((x) => +x.score);
          const inScores = pick('in-distribution');
          const outScores = pick(set);
          expect(inScores).toHaveLength(o.model === 'joint' ? 4 * 8 : 8);
          expect(outScores).toHaveLength(8);
          expect(o.sets[set][method].auroc).toBeCloseTo(pairAuroc(inScores, outScores), 12);
        }
    // The dedicated models' summary: per seed the mean over the four dedicated models, then over seeds.
    const auroc = (model: string, seed: number) => oodRuns.find((o) => o.model === model && o.seed === seed)!;
    const dedicatedMean = (seed: number) =>
      presets.reduce((a, p) => a + auroc(`dedicated:${p}`, seed).sets['gaussian-noise-5'].spectral.auroc, 0) / 4;
    expect(m.summary.oodDedicated['gaussian-noise-5'].spectral.auroc.mean).toBeCloseTo(
      (dedicatedMean(0) + dedicatedMean(1)) / 2,
      12,
    );
    // Transfer fine-tunes for as many optimizer steps as a dedicated model, over fewer volumes.
    const steps = (regime: string) =>
      new Set(m.runs.filter((x: { regime: string }) => x.regime === regime).map((x: { steps: number }) => x.steps));
    expect(steps('transfer')).toEqual(steps('dedicated'));
    expect(steps('dedicated').size).toBe(1);
    const spectralEmpty = [0, 1].map((seed) => auroc('joint', seed).sets.empty.spectral.auroc);
    expect(m.summary.ood.empty.spectral.auroc.mean).toBeCloseTo((spectralEmpty[0] + spectralEmpty[1]) / 2, 12);

    // The joint model's Dice on seg-vessels, seed 1, is the mean of its rows of predictions.csv.
    const rows = readCsv(path.join(out, 'predictions.csv'));
    expect(rows).toHaveLength(2 * (4 + 4 + 3) * 8);
    const dice = rows
      .filter((x) => x.regime === 'joint' && x.seed === '1' && x.dataset === 'seg-vessels')
      .map((x) => +x.dice);
    const joint = m.runs.find((x: { regime: string; seed: number }) => x.regime === 'joint' && x.seed === 1);
    expect(joint.results.find((x: { dataset: string }) => x.dataset === 'seg-vessels').dice).toBeCloseTo(
      dice.reduce((a, b) => a + b, 0) / dice.length,
      12,
    );
    // Temperature scaling fitted on validation: ECE before and after both reported, a positive temperature.
    for (const run of m.runs) expect(run.temperature).toBeGreaterThan(0);
    expect(m.summary.claims).toHaveLength(6);
    for (const c of m.summary.claims) expect(['reproduced', 'not reproduced', 'inconclusive']).toContain(c.verdict);

    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const body = html.slice(html.indexOf('<body>'));
    expect(body.indexOf('data-control=')).toBeLessThan(body.indexOf('id="findings"'));
    expect(body.indexOf('id="findings"')).toBeLessThan(body.indexOf('data-table="segmentation"'));
    for (const id of [
      'claims',
      'effects',
      'segmentation',
      'calibration',
      'ood',
      'ood-differences',
      'ood-dedicated',
      'ood-dedicated-differences',
      'ood-dedicated-presets',
      'models',
    ])
      expect(body).toContain(`data-table="${id}"`);
    for (const chart of ['reliability-joint-whole', 'reliability-dedicated-band', 'roc-empty', 'signature-pca'])
      expect(body).toContain(`data-chart="${chart}"`);
    expect(body.match(/<tr><td>[^<]*<\/td><td>[^<]*<\/td><td class="v-/g)).toHaveLength(6);
  });

  it.each([
    [
      'a layer the U-Net lacks',
      ['--ood-layer', 'bottelneck'],
      /the model has no layer "bottelneck"; its layers: .*bottleneck/,
    ],
    [
      'k beyond the training set',
      ['--ood-k', '1000'],
      /k: 1000 is larger than the training set \(16 signatures of a dedicated model's preset\)/,
    ],
    ['k of 0', ['--ood-k', '0'], /--ood-k/],
  ])('rejects %s with exit 2 before writing anything', async (_, args, message) => {
    const out = path.join(dir, `bad-${args.join('')}`);
    const r = await run(['study', 'calibration-ood', '--quick', ...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('rejects --ood-layer for another study', async () => {
    const r = await run(['study', 'hard-samples', '--quick', '--ood-layer', 'bottleneck']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--ood-layer applies to the calibration-ood study only/);
  });
});
