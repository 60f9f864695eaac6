// The pretraining-robustness study's logic without training: the spec's checks by path, --quick and
// idempotence; the plan's units and needs; the encoders' keys (what a queue trains once); the mean corruption
// error against values worked out by hand; and summary, claims, report, text and the per-sample CSV on fake
// unit results, including a failed control that makes every claim not testable.
import { schema } from '@nodulab/data';
import { checkPlan } from '../../../src/framework/plan';
import { StudySpecError } from '../../../src/framework/study';
import type { StudyOutput } from '../../../src/framework/study';
import { judgeClaims } from '../../../src/claims';
import { studyNamed } from '../../../src/registry';
import { pretrainingRobustness } from '../../../src/studies/pretraining/study';
import { meanCorruptionError, relativeCorruptionError } from '../../../src/studies/pretraining/summary';
import { PREDICTIONS_HEADER } from '../../../src/studies/pretraining/files';
import type { PretrainingSpec } from '../../../src/studies/pretraining/spec';
import type { PretrainingSummary, PretrainUnit } from '../../../src/studies/pretraining/results';
import { FakeLevels, fakeOutcomes } from './fake_results';

const study = pretrainingRobustness;
const resolve = (over: Record<string, unknown> = {}): PretrainingSpec =>
  study.resolve({ ...study.defaultInput(), ...over });
const problemsOf = (input: unknown): string[] => {
  try {
    study.resolve(input);
  } catch (e) {
    if (e instanceof StudySpecError) return e.problems;
    throw e;
  }
  return [];
};

describe('spec', () => {
  it('resolves the default and --quick inputs, idempotently, and is registered', () => {
    const spec = resolve();
    expect(spec.seeds).toEqual([0, 1, 2]);
    expect(spec.labelFractions).toEqual([0.01, 0.1, 1]);
    expect(study.resolve(spec)).toEqual(spec);
    const quick = study.resolve(study.quick(study.defaultInput()));
    expect(quick.seeds).toEqual([0, 1]);
    expect(quick.config.batchSize).toBe(16);
    // The defaults under the quick overrides are kept (merged, not replaced).
    expect((quick.config as { optimizer: { name: string } }).optimizer.name).toBe('adam');
    expect(study.resolve(quick)).toEqual(quick);
    expect(study.resolve({})).toEqual(spec);
    expect(studyNamed('pretraining-robustness')).toBe(study);
  });

  it('takes seeds as a count or a list, and --seeds / --threads / its own option change the input', () => {
    expect(resolve({ seeds: [4, 7] }).seeds).toEqual([4, 7]);
    expect(study.resolve(study.withSeeds(study.defaultInput(), 5)).seeds).toEqual([0, 1, 2, 3, 4]);
    expect(study.resolve(study.withThreads(study.defaultInput(), 3)).threads).toBe(3);
    const shared = study.options!['shared-pretraining'].apply(study.defaultInput(), true);
    expect(study.resolve(shared).pretrainPerSeed).toBe(false);
  });

  it.each([
    [{ labelFractions: [0, 1] }, /^labelFractions\[0\]: must be a fraction in \(0, 1\], got 0$/],
    [{ labelFractions: [1.5] }, /^labelFractions\[0\]: must be a fraction in \(0, 1\], got 1\.5$/],
    [
      { labelFractions: [0.0001] },
      /^labelFractions\[0\]: 0\.0001 of targetN 2048 is 0 samples; a run needs at least 2$/,
    ],
    [{ distortions: ['gaussian-noise', 'fog'] }, /^distortions\[1\]: must be one of .*gaussian-noise.*, got "fog"$/],
    [{ severities: [0, 6] }, /^severities\[0\]: must be an integer 1\.\.5, got 0$/],
    [{ inits: ['scratch', 'imagenet'] }, /^inits\[1\]: must be one of scratch, .*, got "imagenet"$/],
    [{ inits: ['supervised'] }, /^inits: must include "scratch"/],
    [{ modes: ['linear'] }, /^modes: must include "finetune"/],
    [{ seeds: [] }, /^seeds: must not be empty/],
    [{ seeds: [1, 1] }, /^seeds: must be distinct/],
    [{ config: { seed: 3 } }, /^config\.seed: set by the study/],
    [{ config: { optimizer: { name: 'nope' } } }, /^config: /],
    [{ testN: 1 }, /^testN: /],
    [{ colour: 'red' }, /^colour: unknown key/],
  ])('names the problem of %j by path', (over, message) => {
    const problems = problemsOf({ ...study.defaultInput(), ...over });
    expect(problems.some((p) => message.test(p))).toBe(true);
  });

  it('emits a JSON Schema of its input', () => {
    const text = schema.jsonSchemaText(study.specSchema, { title: 'pretraining-robustness', description: 'spec' });
    const json = JSON.parse(text) as { properties: Record<string, unknown> };
    expect(Object.keys(json.properties)).toEqual(
      expect.arrayContaining(['inits', 'labelFractions', 'seeds', 'config']),
    );
  });

  it('names every problem at once', () => {
    expect(problemsOf({ labelFractions: [0], severities: [9], inits: ['moco'] })).toHaveLength(3);
  });
});

describe('plan', () => {
  const spec = resolve({
    inits: ['scratch', 'supervised', 'supervised+moco'],
    labelFractions: [0.5, 1],
    seeds: [3, 4],
  });

  it('makes each encoder a unit the target models that start from it need, parents first', () => {
    const plan = study.plan(spec);
    expect(() => checkPlan(study.name, plan)).not.toThrow();
    const ids = plan.map((u) => u.id);
    expect(ids.slice(0, 3)).toEqual(['pretrain-supervised-s3', 'pretrain-supervised-moco-s3', 'facts-s3']);
    expect(plan.find((u) => u.id === 'pretrain-supervised-moco-s3')!.needs).toEqual(['pretrain-supervised-s3']);
    expect(plan.find((u) => u.id === 'target-supervised-moco-linear-f0.5-s4')!.needs).toEqual([
      'pretrain-supervised-moco-s4',
    ]);
    expect(plan.find((u) => u.id === 'target-scratch-finetune-f1-s3')!.needs).toBeUndefined();
    expect(plan.find((u) => u.id === 'analysis-supervised-linear-s3')!.needs).toEqual([
      'target-supervised-linear-f1-s3',
      'target-scratch-finetune-f1-s3',
    ]);
    expect(plan.find((u) => u.id === 'analysis-scratch-finetune-s3')!.needs).toEqual(['target-scratch-finetune-f1-s3']);
    // Per seed: 2 encoders, facts, 5 targets × 2 fractions (scratch is fine-tuned only), 5 analyses.
    expect(plan).toHaveLength(2 * (2 + 1 + 10 + 5));
  });

  it('shares one set of encoders (run seed 0) when the seeds do not pretrain their own', () => {
    const plan = study.plan({ ...spec, pretrainPerSeed: false });
    expect(plan.filter((u) => u.kind === 'pretrain').map((u) => u.id)).toEqual([
      'pretrain-supervised-s0',
      'pretrain-supervised-moco-s0',
    ]);
    expect(plan.find((u) => u.id === 'target-supervised-finetune-f1-s4')!.needs).toEqual(['pretrain-supervised-s0']);
  });

  it("keys an encoder by its own config and its parent's, not by the rest of the spec", () => {
    const unit = study.plan(spec).find((u) => u.id === 'pretrain-supervised-moco-s3') as PretrainUnit;
    const key = (s: PretrainingSpec, u = unit) => JSON.stringify(study.unitKey!(s, u));
    expect(key({ ...spec, targetN: 512, seeds: [3], testN: 8 })).toBe(key(spec));
    expect(key({ ...spec, sourceN: 48 })).not.toBe(key(spec));
    expect(key(spec, { ...unit, runSeed: 4 })).not.toBe(key(spec));
    // The target models' epochs are not the encoders'; their parent's config is part of their key.
    expect(key({ ...spec, config: { ...spec.config, epochs: 9 } })).toBe(key(spec));
    const parent = study.plan(spec).find((u) => u.id === 'pretrain-supervised-s3') as PretrainUnit;
    expect(key({ ...spec, inits: ['scratch', 'supervised'] }, parent)).toBe(key(spec, parent));
    expect(key({ ...spec, config: { ...spec.config, pretrainEpochs: 1 } }, parent)).not.toBe(key(spec, parent));
    expect(key({ ...spec, config: { ...spec.config, moco: { queueSize: 64 } } })).not.toBe(key(spec));
  });
});

describe('meanCorruptionError', () => {
  const s = (accuracy: number) => ({ accuracy, kappa: 0, auroc: 0.5 });
  it('is the mean over distortions of summed errors relative to the reference', () => {
    const ref = { noise: { '1': s(0.8), '5': s(0.4) }, blur: { '1': s(0.9), '5': s(0.5) } };
    const model = { noise: { '1': s(0.9), '5': s(0.6) }, blur: { '1': s(0.9), '5': s(0.5) } };
    // noise: (0.1 + 0.4) / (0.2 + 0.6) = 0.625; blur: 0.6 / 0.6 = 1.
    expect(meanCorruptionError(model, ref)).toBeCloseTo((0.625 + 1) / 2, 12);
    expect(meanCorruptionError(ref, ref)).toBe(1);
  });

  it('relative mCE counts only the error a distortion adds to the clean error', () => {
    const ref = { noise: { '1': s(0.8), '5': s(0.4) } };
    // Better on clean data (0.95 against 0.9) by the same margin everywhere: mCE says more robust, relative mCE not.
    const model = { noise: { '1': s(0.85), '5': s(0.45) } };
    expect(meanCorruptionError(model, ref)).toBeLessThan(1);
    // (0.15 − 0.05) + (0.55 − 0.05) = 0.6 over (0.2 − 0.1) + (0.6 − 0.1) = 0.6.
    expect(relativeCorruptionError(model, ref, { a: 0.95, ref: 0.9 })).toBeCloseTo(1, 12);
    // Losing less under distortion: (0.05 + 0.25) / 0.6.
    const robust = { noise: { '1': s(0.9), '5': s(0.7) } };
    expect(relativeCorruptionError(robust, ref, { a: 0.95, ref: 0.9 })).toBeCloseTo(0.5, 12);
    // A distortion that does not raise the reference's error leaves nothing to be relative to.
    expect(relativeCorruptionError(model, { noise: { '1': s(0.9), '5': s(0.9) } }, { a: 0.95, ref: 0.9 })).toBeNaN();
  });
});

describe('summary, claims, report and text on fake unit results', () => {
  const spec = resolve({
    inits: ['scratch', 'supervised', 'simclr'],
    labelFractions: [0.25, 1],
    seeds: 3,
    testN: 6,
    distortions: ['gaussian-noise', 'gaussian-blur'],
    severities: [1, 5],
  });
  const strong: FakeLevels = {
    kappa: { scratch: 0.4, supervised: 0.6, simclr: 0.7 },
    wobble: [0, 0.02, -0.01],
    distortedAccuracy: { scratch: 0.4, supervised: 0.6, simclr: 0.7 },
    effectiveRank: { scratch: 5, supervised: 9, simclr: 12 },
    satellites: { scratch: 1, supervised: 2, simclr: 3 },
  };
  const outputOf = (levels: FakeLevels): StudyOutput<PretrainingSpec, PretrainingSummary> => {
    const results = study.summarize(spec, fakeOutcomes(spec, levels));
    const { controls, claims } = study.claims(spec, results);
    return { study: study.name, spec, results, findings: judgeClaims(controls, claims) };
  };

  it('summarizes over seeds in seed order', () => {
    const s = outputOf(strong).results;
    s.performance.scratch.finetune['1'].test.kappa.values.forEach((v, k) =>
      expect(v).toBeCloseTo([0.4, 0.42, 0.39][k], 12),
    );
    expect(s.performance.supervised.linear['0.25'].test.kappa.mean).toBeCloseTo(0.6 - 0.1 - 0.075 + 0.01 / 3, 12);
    expect(s.mce.scratch.finetune.values).toEqual([1, 1, 1]);
    expect(s.mce.simclr.finetune.mean).toBeCloseTo(0.3 / 0.6, 1);
    expect(s.control.factorKappa.mean).toBeCloseTo(0.99, 12);
    expect(s.encoders.map((e) => e.unit)).toEqual([
      'pretrain-supervised-s0',
      'pretrain-simclr-s0',
      'pretrain-supervised-s1',
      'pretrain-simclr-s1',
      'pretrain-supervised-s2',
      'pretrain-simclr-s2',
    ]);
    expect(s.saliency.simclr.finetune.satellites.all.mean).toBeCloseTo(3 + 0.01 / 3, 12);
  });

  it('hands the engine one paired effect per primary claim, and the per-initialisation effects as secondary', () => {
    const f = outputOf(strong).findings;
    const primary = f.claims.filter((c) => c.role === 'primary');
    expect(primary.map((c) => c.id)).toEqual([
      'in-distribution',
      'label-efficiency',
      'shift',
      'robustness',
      'ssl-over-supervised',
      'representations',
      'small-lesions',
    ]);
    expect(f.familySize).toBe(7);
    for (const c of primary) {
      expect(c.comparisons).toHaveLength(1);
      expect(c.sesoi).toBeGreaterThan(0);
      expect(c.sesoiReason.length).toBeGreaterThan(20);
      expect(c.dependsOn).toEqual(['scratch-learns']);
    }
    // Mean over supervised and simclr minus scratch: (0.2 + 0.3) / 2, the wobble cancelling within a seed.
    const inDist = primary.find((c) => c.id === 'in-distribution')!;
    expect(inDist.comparisons[0].mean).toBeCloseTo(0.25, 12);
    // Robustness reads relative mCE (scratch's is 1 on every seed), not mCE.
    const r = outputOf(strong).results.relativeMce;
    expect(r.scratch.finetune.values).toEqual([1, 1, 1]);
    const rel = (i: string) => r[i].finetune.values.map((v) => v as number);
    const expected = [0, 1, 2].map((k) => (rel('supervised')[k] + rel('simclr')[k]) / 2 - 1);
    const robustness = primary.find((c) => c.id === 'robustness')!;
    expect(robustness.comparisons[0].mean).toBeCloseTo(expected.reduce((a, b) => a + b) / 3, 12);
    expect(robustness.comparisons[0].mean).not.toBeCloseTo(
      outputOf(strong).results.mce.simclr.finetune.mean! / 2 +
        outputOf(strong).results.mce.supervised.finetune.mean! / 2 -
        1,
      3,
    );
    expect(f.claims.find((c) => c.id === 'ssl-over-supervised-by-init')!.comparisons.map((c) => c.name)).toEqual([
      'simclr − supervised',
    ]);
    expect(f.claims.find((c) => c.id === 'in-distribution-by-init')!.comparisons.map((c) => c.name)).toEqual([
      'supervised − scratch',
      'simclr − scratch',
    ]);
    expect(f.controls[0]).toMatchObject({ id: 'scratch-learns', passed: true });
  });

  it('lets the engine reproduce clear effects with seed-to-seed variation', () => {
    const levels: FakeLevels = { ...strong, wobble: [0, 0.02, -0.01] };
    const outcomes = fakeOutcomes(spec, levels);
    // Scratch alone varies more between seeds, so the paired differences vary but stay far above 0.
    for (const o of outcomes)
      if (o.result.kind === 'target' && o.result.init === 'scratch')
        o.result.scores.test.kappa = o.result.scores.test.kappa! + [0, 0.03, -0.02][spec.seeds.indexOf(o.result.seed)];
    const results = study.summarize(spec, outcomes);
    const { controls, claims } = study.claims(spec, results);
    const f = judgeClaims(controls, claims);
    expect(f.claims.find((c) => c.id === 'in-distribution')!.verdict).toBe('reproduced');
  });

  it('makes every claim not testable when scratch does not beat chance', () => {
    const weak: FakeLevels = {
      ...strong,
      kappa: { scratch: 0, supervised: 0.6, simclr: 0.7 },
      wobble: [0.05, -0.04, -0.03],
    };
    const out = outputOf(weak);
    expect(out.findings.controls[0].passed).toBe(false);
    for (const c of out.findings.claims.filter((x) => x.role === 'primary')) {
      expect(c.verdict).toBe('not testable');
      expect(c.reason).toMatch(/control 'scratch-learns', which failed/);
    }
    expect(study.report(out)).toContain('FAILED');
    expect(study.text(out, '/tmp/x')).toMatch(/control FAILED/);
  });

  it('writes a report that opens with the Findings and a text summary', () => {
    const out = outputOf(strong);
    const html = study.report(out);
    expect(html.indexOf('id="findings"')).toBeGreaterThan(0);
    expect(html.indexOf('id="findings"')).toBeLessThan(html.indexOf('data-table="performance"'));
    expect(html).toContain('data-policy');
    for (const id of ['in-distribution', 'robustness', 'small-lesions']) expect(html).toContain(`data-claim="${id}"`);
    for (const t of [
      'performance',
      'mce',
      'heat-simclr-finetune',
      'representations',
      'cka-scratch-finetune',
      'saliency',
    ])
      expect(html).toContain(`data-table="${t}"`);
    const text = study.text(out, '/tmp/out');
    expect(text).toMatch(/control passed/);
    expect(text).toMatch(/Pretraining improves grading in distribution/);
    expect(text).toContain('/tmp/out/report.html');
  });

  it('writes one predictions.csv row per model × test set × distortion × sample', () => {
    const outcomes = fakeOutcomes(spec, strong);
    const out = outputOf(strong);
    const csv = study.files!(out, outcomes)['predictions.csv'] as string;
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(PREDICTIONS_HEADER);
    const targets = 3 * 2 * 5; // seeds × fractions × (scratch finetune + 2 inits × 2 modes)
    const analyses = 3 * 5;
    expect(lines.length - 1).toBe(spec.testN * (2 * targets + analyses * 2 * 2));
    expect(lines[1].split(',')).toHaveLength(PREDICTIONS_HEADER.split(',').length);
    expect(lines.filter((l) => l.includes(',gaussian-blur,5,'))).toHaveLength(spec.testN * analyses);
  });
});
