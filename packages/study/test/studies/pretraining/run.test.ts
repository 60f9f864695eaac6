// The one end-to-end run: the smallest spec that has every kind of unit (an encoder, an encoder started from
// another, a seed's facts, scratch and pretrained targets in both modes at two label fractions, analyses),
// trained through runStudy at toy size. It must write every file, one CSV row per model × test set × distortion
// × sample, metrics.json equal to what runStudy returned, and a unit run again in a fresh folder with an empty
// cache, from its needs alone, must give the same scores, outputs and weights.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readNpy } from '@nodulab/data';
import { loadSafetensors } from '@nodulab/nn';
import { metricsJson, runStudy } from '../../../src/framework';
import type { FinishedUnit, StudyEvent, StudyOutput } from '../../../src/framework/study';
import { pretrainingRobustness as study } from '../../../src/studies/pretraining/study';
import type { PretrainingSummary, PretrainingUnitResult } from '../../../src/studies/pretraining/results';
import type { PretrainingSpec } from '../../../src/studies/pretraining/spec';

jest.setTimeout(300_000);

describe('pretraining-robustness through runStudy, toy size', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-pretraining-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const quick = study.quick(study.defaultInput());
  const spec = study.resolve({
    ...quick,
    inits: ['scratch', 'supervised+simclr'],
    modes: ['linear', 'finetune'],
    labelFractions: [0.5, 1],
    seeds: [0],
    sourceN: 32,
    targetN: 32,
    valN: 16,
    testN: 16,
    distortions: ['gaussian-noise'],
    severities: [1, 5],
    config: { ...(quick.config as object), epochs: 1, pretrainEpochs: 1 },
  });
  const out = path.join(dir, 'study');
  const events: StudyEvent[] = [];
  let output: StudyOutput<PretrainingSpec, PretrainingSummary>;

  beforeAll(async () => {
    output = await runStudy(study, spec, { outDir: out, onEvent: (e) => events.push(e) });
  });

  it('runs every unit of the plan and writes every file', () => {
    const plan = study.plan(spec);
    expect(plan.map((u) => u.kind).filter((k, i, a) => a.indexOf(k) === i)).toEqual([
      'pretrain',
      'facts',
      'target',
      'analysis',
    ]);
    expect(events.filter((e) => e.kind === 'unit-end').map((e) => (e as { unit: string }).unit)).toEqual(
      plan.map((u) => u.id),
    );
    for (const f of ['spec.json', 'metrics.json', 'timing.json', 'report.html', 'predictions.csv'])
      expect(fs.existsSync(path.join(out, f))).toBe(true);
    for (const u of plan) expect(fs.existsSync(path.join(out, 'runs', u.id))).toBe(true);
    expect(fs.existsSync(path.join(out, 'pretraining.json'))).toBe(false);
    const emb = readNpy(path.join(out, 'runs', 'analysis-supervised-simclr-finetune-s0', 'embedding.npy'));
    expect(emb.shape[0]).toBe(spec.testN);
    expect(readNpy(path.join(out, 'runs', 'facts-s0', 'grades.npy')).shape).toEqual([spec.testN]);
  });

  it('scores every target model and measures CKA of scratch with itself as 1', () => {
    const s = output.results;
    for (const [init, modes] of Object.entries(s.performance))
      for (const [mode, byF] of Object.entries(modes))
        for (const f of ['0.5', '1'])
          for (const k of ['accuracy', 'kappa'] as const)
            expect([init, mode, f, k, Number.isFinite(byF[f].test[k].mean)]).toEqual([init, mode, f, k, true]);
    expect(Object.keys(s.performance)).toEqual(['scratch', 'supervised+simclr']);
    expect(s.encoders.map((e) => e.unit)).toEqual(['pretrain-supervised-s0', 'pretrain-supervised-simclr-s0']);
    expect(s.representations.scratch.finetune.ckaToScratch.embedding.mean).toBeCloseTo(1, 6);
    expect(s.mce.scratch.finetune.mean).toBe(1);
    expect(
      output.findings.claims.find((c) => c.id === 'in-distribution-by-init')!.comparisons.map((c) => c.name),
    ).toEqual(['supervised+simclr − scratch']);
  });

  it('writes metrics.json as returned and one CSV row per model × test set × distortion × sample', () => {
    expect(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')).toBe(metricsJson(output));
    const lines = fs.readFileSync(path.join(out, 'predictions.csv'), 'utf8').trim().split('\n');
    const targets = 2 * 3; // fractions × (scratch fine-tuned + supervised+simclr in 2 modes)
    const analyses = 3;
    expect(lines.length - 1).toBe(spec.testN * (2 * targets + analyses * 2));
    expect(
      lines.filter((l) => l.startsWith('target-supervised-simclr-linear-f1-s0,') && l.includes(',gaussian-noise,5,')),
    ).toHaveLength(spec.testN);
  });

  it('runs a unit again in a fresh folder, from its needs alone, to the same scores, outputs and weights', async () => {
    const plan = study.plan(spec);
    const unit = plan.find((u) => u.id === 'target-supervised-simclr-linear-f0.5-s0')!;
    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.spec).toEqual(spec);
    const needs = new Map<string, FinishedUnit<PretrainingUnitResult>>(
      (unit.needs ?? []).map((id: string) => [
        id,
        {
          dir: path.join(out, 'runs', id),
          result: {
            kind: 'pretrain',
            init: 'supervised+simclr',
            runSeed: 0,
            checkpoint: 'run/checkpoints/last.safetensors',
          },
        },
      ]),
    );
    const again = path.join(dir, 'again');
    fs.mkdirSync(again);
    const result = await study.runUnit(spec, unit, {
      dir: again,
      needs,
      phase: () => undefined,
      progress: () => undefined,
      cache: new Map(),
    });
    if (result.kind !== 'target') throw new Error('a target unit returns a target result');
    // The same weights (the checkpoint's header also records the encoder's path, which differs by folder).
    const weights = (d: string) => loadSafetensors(path.join(d, 'run', 'checkpoints', 'best.safetensors')).tensors;
    const a = weights(again);
    const b = weights(path.join(out, 'runs', unit.id));
    expect(Object.keys(a)).toEqual(Object.keys(b));
    const bytes = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);
    for (const k of Object.keys(a)) expect([k, bytes(a[k].data).equals(bytes(b[k].data))]).toEqual([k, true]);
    const p = output.results.performance['supervised+simclr'].linear['0.5'];
    for (const set of ['test', 'shift'] as const)
      for (const k of ['accuracy', 'kappa', 'auroc'] as const) expect(result.scores[set][k]).toBe(p[set][k].values[0]);
    const rows = fs
      .readFileSync(path.join(out, 'predictions.csv'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(`${unit.id},`) && l.includes(',test,none,'));
    expect(rows.map((l) => Number(l.split(',')[10]))).toEqual(result.predictions.test.predicted);
  });
});
