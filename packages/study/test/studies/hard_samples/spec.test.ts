// The hard-samples spec and plan: resolve fills the defaults, is idempotent, takes seeds as a count or a list and
// names every problem by path (before anything trains); the plan has its units per seed, each after what it needs.
import {
  StudySpecError,
  checkPlan,
  fineTuneLr,
  hardSamples,
  hardSamplesPlan,
  prunedRunChanges,
  hardSamplesUnitKey,
  resolveHardSamplesSpec,
  runConfigOf,
} from '../../../src';

const problemsOf = (input: unknown): string[] => {
  try {
    resolveHardSamplesSpec(input);
  } catch (e) {
    expect(e).toBeInstanceOf(StudySpecError);
    return (e as StudySpecError).problems;
  }
  throw new Error('resolved');
};

describe('resolveHardSamplesSpec', () => {
  it('fills the defaults: 3 seeds, 24^3 at 2 mm, 3 models at 4 sparsities, fine-tuning at a tenth of the rate', () => {
    const s = resolveHardSamplesSpec({});
    expect(s.seeds).toEqual([0, 1, 2]);
    expect(s.volume).toEqual({ shape: [24, 24, 24], spacing: [2, 2, 2] });
    expect([s.n, s.valN, s.testN, s.models]).toEqual([256, 64, 128, 3]);
    expect(s.sparsities).toEqual([0.3, 0.5, 0.7, 0.9]);
    expect(s.fineTuneLrScale).toBe(0.1);
    expect(s.classifier).toEqual({ n: 512, config: { epochs: 12 } });
    expect(s.settings).toEqual(['supervised', 'semi', 'weak']);
    expect(s.augment!.steps.map((x) => x.op)).toEqual(['flip', 'rot90', 'intensity']);
  });

  it('is idempotent, and the default input is the resolved default', () => {
    for (const input of [{}, hardSamples.quick(hardSamples.defaultInput()), { seeds: [4, 2], n: 300 }]) {
      const once = resolveHardSamplesSpec(input);
      expect(resolveHardSamplesSpec(JSON.parse(JSON.stringify(once)))).toEqual(once);
    }
    expect(hardSamples.resolve(hardSamples.defaultInput())).toEqual(resolveHardSamplesSpec({}));
  });

  it('takes seeds as a count or a list, and --seeds / --threads through the input', () => {
    expect(resolveHardSamplesSpec({ seeds: 2 }).seeds).toEqual([0, 1]);
    expect(resolveHardSamplesSpec({ seeds: [5, 7] }).seeds).toEqual([5, 7]);
    expect(hardSamples.resolve(hardSamples.withSeeds({}, 4)).seeds).toEqual([0, 1, 2, 3]);
    expect(hardSamples.resolve(hardSamples.withThreads({}, 1)).threads).toBe(1);
  });

  it('keeps the classifiers’ training set at least the pool (default max(512, n))', () => {
    expect(resolveHardSamplesSpec({ n: 600 }).classifier.n).toBe(600);
  });

  it.each([
    [{ fineTuneLrScale: 2 }, 'fineTuneLrScale: must be a number in (0, 1], got 2'],
    [{ fineTuneLrScale: 0 }, 'fineTuneLrScale: must be a number in (0, 1], got 0'],
    [{ classifier: { n: 100 } }, 'classifier.n: must be an integer >= n (256), got 100'],
    [{ models: 2 }, 'models: must be an integer >= 3 (PIE takes the modal class of >= 3 models), got 2'],
    [{ sparsities: [0.5, 0.5] }, 'sparsities: must be distinct sparsities, got [0.5,0.5]'],
    [{ sparsities: [1] }, 'sparsities[0]: must be a sparsity in (0, 1), got 1'],
    [{ seeds: [1, 1] }, 'seeds: must be distinct, got [1,1]'],
    [{ settings: ['strong'] }, 'settings[0]: must be one of supervised, semi, weak, got "strong"'],
    [{ config: { loss: 'ce' } }, 'config.loss: set by the study (use seeds, volume, n, threads)'],
    [{ colour: 1 }, 'colour: unknown key'],
  ])('names %j by path', (input, problem) => {
    expect(problemsOf(input).join('\n')).toContain(problem);
  });

  it('names a bad augmentation under augment, from the run config that checks it', () => {
    expect(problemsOf({ augment: { steps: [{ op: 'warp' }] } }).join('\n')).toMatch(/^augment: run config: augment/m);
  });

  it('names every problem at once, and the semi teacher’s run config (its labelled fraction of the pool)', () => {
    expect(problemsOf({ models: 1, htlFraction: 0 })).toHaveLength(2);
    const semi = problemsOf({ n: 32, labeledFraction: 0.1, classifier: { n: 32 } });
    expect(semi.join('\n')).toMatch(/labeledFraction: run config: batchSize: 32 is larger than data.train.n \(3\)/);
    expect(() =>
      resolveHardSamplesSpec({ n: 32, labeledFraction: 0.1, settings: ['weak'], classifier: { n: 32 } }),
    ).not.toThrow();
  });
});

describe('fineTuneLr', () => {
  it('fine-tunes pruned models at spec.fineTuneLrScale of the dense learning rate (default a tenth)', () => {
    const spec = resolveHardSamplesSpec({});
    const dense = runConfigOf(spec, 0, 'ce', 'x', 0, { train: 512, val: 64 });
    expect(spec.fineTuneLrScale).toBe(0.1);
    expect(fineTuneLr(spec, dense)).toBeCloseTo(dense.optimizer.lr * 0.1, 12);
    expect(fineTuneLr({ ...spec, fineTuneLrScale: 1 }, dense)).toBe(dense.optimizer.lr);
  });
});

describe('hardSamplesPlan', () => {
  const spec = resolveHardSamplesSpec({ seeds: 2 });
  const plan = hardSamplesPlan(spec);

  it('has per seed: data, a classifier per model, and per setting targets, a localizer per model and 3 arms', () => {
    const perSeed = 1 + 3 + 3 * (1 + 3 + 3);
    expect(plan).toHaveLength(2 * perSeed);
    expect(plan.slice(0, perSeed).map((u) => u.id)).toEqual([
      's0-data',
      's0-cls0',
      's0-cls1',
      's0-cls2',
      ...['supervised', 'semi', 'weak'].flatMap((s) => [
        `s0-${s}-targets`,
        `s0-${s}-loc0`,
        `s0-${s}-loc1`,
        `s0-${s}-loc2`,
        `s0-${s}-htl`,
        `s0-${s}-random`,
        `s0-${s}-mining`,
      ]),
    ]);
    expect(() => checkPlan('hard-samples', plan)).not.toThrow();
  });

  it('names what each unit reads: the weak boxes the classifiers, localizers their boxes, arms every localizer', () => {
    const needs = (id: string) => plan.find((u) => u.id === id)!.needs ?? [];
    expect(needs('s1-cls0')).toEqual([]);
    expect(needs('s1-weak-targets')).toEqual(['s1-cls0', 's1-cls1', 's1-cls2']);
    expect(needs('s1-supervised-targets')).toEqual([]);
    expect(needs('s1-supervised-loc2')).toEqual([]);
    expect(needs('s1-semi-loc2')).toEqual(['s1-semi-targets']);
    expect(needs('s1-semi-htl')).toEqual(['s1-semi-targets', 's1-semi-loc0', 's1-semi-loc1', 's1-semi-loc2']);
    expect(needs('s1-supervised-mining')).toEqual(['s1-supervised-loc0', 's1-supervised-loc1', 's1-supervised-loc2']);
  });

  it('keys a classifier unit by what it reads: not the settings, localizers, HTL rule or arms', () => {
    const cls = plan.find((u) => u.id === 's1-cls0')!;
    const loc = plan.find((u) => u.id === 's1-semi-loc0')!;
    const key = (input: object, unit = cls) => JSON.stringify(hardSamplesUnitKey(resolveHardSamplesSpec(input), unit));
    const other = { seeds: 2, settings: ['weak'], localizerEpochs: 4, htlFraction: 0.2, upweight: 2 };
    expect(key(other)).toBe(key({ seeds: 2 }));
    expect(key({ seeds: [1] })).toBe(key({ seeds: 2 }));
    expect(key({ seeds: 2, classifier: { config: { epochs: 3 } } })).not.toBe(key({ seeds: 2 }));
    expect(key({ seeds: 2, sparsities: [0.5] })).not.toBe(key({ seeds: 2 }));
    expect(key({ seeds: 2, localizerEpochs: 4 }, loc)).not.toBe(key({ seeds: 2 }, loc));
    // Pruned from the dense models, the population size does not change classifier k; trained independently
    // (model seed models + k), it does.
    expect(key({ seeds: 2, models: 5 })).toBe(key({ seeds: 2 }));
    expect(key({ seeds: 2, models: 5, pruneFrom: 'scratch' })).not.toBe(key({ seeds: 2, pruneFrom: 'scratch' }));
    expect(key({ seeds: 2, pruneFrom: 'scratch' })).not.toBe(key({ seeds: 2 }));
  });
});

describe('prunedRunChanges', () => {
  const spec = resolveHardSamplesSpec({ seeds: 1, models: 5 });
  const dense = runConfigOf(spec, 0, 'ce', 'ce-dense2', 2, { train: 64, val: 16 });

  it('fine-tunes a one-shot pruned copy of the dense model by default', () => {
    expect(prunedRunChanges(spec, dense, '/d', 2, 0.7)).toEqual({
      modelSeed: 2,
      extra: {
        epochs: 1,
        optimizer: { lr: dense.optimizer.lr * 0.1 },
        init: { checkpoint: '/d', part: 'all' },
        prune: { sparsity: 0.7, scope: 'global', schedule: 'oneshot' },
      },
    });
  });

  it('trains an independent model with gradual pruning over the dense epochs with pruneFrom scratch', () => {
    const scratch = { ...spec, pruneFrom: 'scratch' as const };
    expect(dense.epochs).toBe(12);
    expect(prunedRunChanges(scratch, dense, '/d', 2, 0.7)).toEqual({
      modelSeed: 7,
      extra: {
        prune: { sparsity: 0.7, scope: 'global', schedule: 'gradual', beginEpoch: 2, endEpoch: 10, frequency: 1 },
      },
    });
    // The run config it gives is valid: gradual pruning inside the dense epochs.
    const c = prunedRunChanges(scratch, dense, '/d', 2, 0.7);
    expect(
      runConfigOf(scratch, 0, 'ce', 'ce-dense2-pruned70', c.modelSeed, { train: 64, val: 16 }, c.extra).prune,
    ).toMatchObject({ schedule: 'gradual', beginEpoch: 2, endEpoch: 10 });
  });
});
