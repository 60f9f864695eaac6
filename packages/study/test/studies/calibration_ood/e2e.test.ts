// The calibration-ood study end to end through runStudy, on the smallest spec that runs every unit kind (joint,
// dedicated and transfer training; OOD detection of the joint and the dedicated models with a two-seed ensemble):
// the files it must write, their per-sample rows, metrics.json as returned, and one unit rerun in a fresh cache
// from the finished folders giving the same result (as a queue worker on another machine would).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { STUDY_FILES, metricsJson, runStudy } from '../../../src/framework';
import {
  CalibrationOodUnit,
  CalibrationOodUnitResult,
  OOD_METHODS,
  calibrationOod,
} from '../../../src/studies/calibration_ood';

jest.setTimeout(600_000);

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

const input = {
  presets: ['seg-nodule', 'seg-vessels'],
  transfer: { source: 'seg-nodule', fraction: 0.25 },
  seeds: 2,
  shape: [8, 8, 8],
  trainN: 8,
  valN: 2,
  testN: 4,
  oodN: 4,
  distortions: ['gaussian-blur'],
  severities: [3],
  config: {
    model: { kind: 'unet3d', options: { baseChannels: 2, levels: 2, dropout: 0.2 } },
    batchSize: 4,
    epochs: 1,
    optimizer: { name: 'adam', lr: 1e-2 },
  },
  threads: 1,
};

describe('calibration-ood through runStudy', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-calood-'));
  const out = path.join(root, 'study');
  const spec = calibrationOod.resolve(input);
  const plan = calibrationOod.plan(spec);
  let output: Awaited<ReturnType<typeof runStudy<typeof spec, CalibrationOodUnit, CalibrationOodUnitResult, unknown>>>;
  let seconds = NaN;

  beforeAll(async () => {
    const t0 = Date.now();
    output = await runStudy(calibrationOod, spec, { outDir: out });
    seconds = (Date.now() - t0) / 1000;
    const timing = JSON.parse(fs.readFileSync(path.join(out, STUDY_FILES.timing), 'utf8'));
    const units = timing.units.map((u: { id: string; seconds: number }) => `${u.id} ${u.seconds.toFixed(1)}`);
    console.log(`calibration-ood e2e: ${plan.length} units in ${seconds.toFixed(1)} s: ${units.join(', ')}`);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes every file, a folder per unit, and metrics.json as returned', () => {
    for (const f of [...Object.values(STUDY_FILES), 'predictions.csv', 'ood_scores.csv'])
      expect(fs.existsSync(path.join(out, f))).toBe(true);
    for (const u of plan) expect(fs.existsSync(path.join(out, 'runs', u.id))).toBe(true);
    expect(plan.map((u) => u.kind).sort()).toEqual([...Array(6).fill('ood'), ...Array(8).fill('train')]);
    expect(fs.readFileSync(path.join(out, STUDY_FILES.metrics), 'utf8')).toBe(metricsJson(output));
    expect(JSON.parse(fs.readFileSync(path.join(out, STUDY_FILES.spec), 'utf8'))).toEqual(spec);
    const timing = JSON.parse(fs.readFileSync(path.join(out, STUDY_FILES.timing), 'utf8'));
    expect(timing.units.map((u: { id: string }) => u.id)).toEqual(plan.map((u) => u.id));
    const html = fs.readFileSync(path.join(out, STUDY_FILES.report), 'utf8');
    for (const c of output.findings.claims) expect(html).toContain(`data-claim="${c.id}"`);
    expect(output.findings.controls.map((c) => c.id)).toEqual(['segments', 'ood-positive']);
  });

  it('writes one predictions.csv row per model and test volume, one ood_scores.csv row per score', () => {
    const rows = fs.readFileSync(path.join(out, 'predictions.csv'), 'utf8').trim().split('\n');
    // Per seed: joint on 2 datasets, 2 dedicated, 1 transfer: 5 model-datasets x testN 4 volumes.
    expect(rows.length - 1).toBe(2 * 5 * 4);
    expect(rows[0]).toBe('regime,model,seed,dataset,index,dice,hd95_mm,truth_voxels,predicted_voxels');
    const scores = fs.readFileSync(path.join(out, 'ood_scores.csv'), 'utf8').trim().split('\n');
    // Sets: in-distribution, noise, unseen, empty, scanner-shift, gaussian-blur-3. Joint: 8 in-distribution volumes
    // and 4 per OOD set; a dedicated model: 4 and 4 (2 from its own preset for the shifted/distorted sets: ⌈oodN / 1⌉
    // capped at testN).
    const joint = 8 + 5 * 4;
    const dedicated = 4 + 5 * 4;
    expect(scores.length - 1).toBe(OOD_METHODS.length * 2 * (joint + 2 * dedicated));
    const sets = output.results as { oodSets: string[] };
    expect(sets.oodSets).toEqual(['noise', 'unseen: task-subsolid', 'empty', 'scanner-shift', 'gaussian-blur-3']);
  });

  it('gives numbers the per-sample files recompute, and the report every table and chart', () => {
    const m = JSON.parse(fs.readFileSync(path.join(out, STUDY_FILES.metrics), 'utf8'));
    const r = m.results;
    // Every AUROC from the per-sample scores: each seed's joint model (in distribution: 2 datasets x 4 test
    // volumes) and each dedicated model (its own dataset's 4 test volumes).
    const scores = readCsv(path.join(out, 'ood_scores.csv'));
    const runs = r.ood as { model: string; seed: number; sets: Record<string, Record<string, { auroc: number }>> }[];
    expect(runs.map((o) => `${o.model} ${o.seed}`).sort()).toEqual(
      ['joint', 'dedicated:seg-nodule', 'dedicated:seg-vessels'].flatMap((x) => [`${x} 0`, `${x} 1`]).sort(),
    );
    for (const o of runs)
      for (const set of r.oodSets as string[])
        for (const method of OOD_METHODS) {
          const pick = (name: string) =>
            scores
              .filter((x) => x.model === o.model && x.seed === String(o.seed) && x.set === name && x.method === method)
              .map((x) => +x.score);
          const inScores = pick('in-distribution');
          expect(inScores).toHaveLength(o.model === 'joint' ? 2 * 4 : 4);
          expect(o.sets[set][method].auroc).toBeCloseTo(pairAuroc(inScores, pick(set)), 12);
        }
    // The joint model's Dice on seg-vessels, seed 1, is the mean of its rows of predictions.csv.
    const rows = readCsv(path.join(out, 'predictions.csv'));
    const dice = rows
      .filter((x) => x.regime === 'joint' && x.seed === '1' && x.dataset === 'seg-vessels')
      .map((x) => +x.dice);
    expect(r.performance.joint['seg-vessels'].dice.values[1]).toBeCloseTo(
      dice.reduce((a, b) => a + b, 0) / dice.length,
      12,
    );
    // Transfer fine-tunes for as many optimizer steps as a dedicated model, over fewer volumes.
    const models = r.models as { regime: string; steps: number; n: number; temperature: number }[];
    const steps = (regime: string) => new Set(models.filter((x) => x.regime === regime).map((x) => x.steps));
    expect(steps('transfer')).toEqual(steps('dedicated'));
    expect(steps('dedicated').size).toBe(1);
    for (const x of models) expect(x.temperature).toBeGreaterThan(0);
    expect(m.findings.claims).toHaveLength(7);
    const html = fs.readFileSync(path.join(out, STUDY_FILES.report), 'utf8');
    const body = html.slice(html.indexOf('<body>'));
    expect(body.indexOf('id="findings"')).toBeLessThan(body.indexOf('data-table="segmentation"'));
    for (const id of [
      'controls',
      'claims',
      'control',
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
  });

  it('gives the same result when a unit reruns in a fresh cache from the finished folders', async () => {
    const unit = plan.find((u) => u.id === 'ood-joint-s1')!;
    // An OOD unit reads only its needed units' folders (their checkpoints), not their results.
    const needs = new Map(
      (unit.needs ?? []).map((id) => [
        id,
        { dir: path.join(out, 'runs', id), result: null as unknown as CalibrationOodUnitResult },
      ]),
    );
    const dir = path.join(root, 'rerun');
    fs.mkdirSync(dir);
    const again = await calibrationOod.runUnit(spec, unit, {
      dir,
      needs,
      phase: () => undefined,
      progress: () => undefined,
      cache: new Map(),
    });
    const first = (output.results as { ood: unknown[] }).ood.find(
      (o) => (o as { model: string; seed: number }).model === 'joint' && (o as { seed: number }).seed === 1,
    );
    expect(JSON.parse(JSON.stringify(again.kind === 'ood' ? again.run : null))).toEqual(first);
  });
});
