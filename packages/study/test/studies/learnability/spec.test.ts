// The learnability spec: the defaults and --quick resolve to themselves, seeds take a count or a list, and
// every problem is named by its path (a bad separation, budget, loss, shortcut, target or run config), all
// at once; one model's run config scales the stage its budget names.
import { schema } from '@nodulab/data';
import { StudySpecError } from '../../../src/framework/study';
import { learnability, resolveLearnabilitySpec } from '../../../src/studies/learnability';
import { lossGeneralization } from '../../../src/studies/loss_generalization';
import { coreSpec, runConfigFor, shortcutOnlySpec } from '../../../src/studies/learnability/configs';

const problemsOf = (input: unknown): string[] => {
  try {
    resolveLearnabilitySpec(input);
  } catch (e) {
    expect(e).toBeInstanceOf(StudySpecError);
    return (e as StudySpecError).problems;
  }
  return [];
};

describe('learnability spec', () => {
  it('resolves the default, --quick, --seeds and --threads inputs to specs that resolve to themselves', () => {
    const d = learnability.defaultInput();
    for (const input of [
      d,
      learnability.quick(d),
      learnability.withSeeds(d, 3),
      learnability.withThreads(learnability.quick(d), 1),
    ]) {
      const spec = learnability.resolve(input);
      expect(learnability.resolve(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    }
    const spec = learnability.resolve(d);
    expect(spec.losses).toEqual(['ce', 'supcon', 'simclr']);
    expect(spec.separations).toEqual([0.5, 1, 1.25, 1.5]);
    expect(spec.budgets).toEqual([0.25, 0.5, 1]);
    expect(spec.separation).toBe(1.5);
    expect(spec.volume).toEqual({ shape: [20, 20, 20], spacing: [1.2, 1.2, 1.2] });
    expect([spec.n, spec.valN, spec.testN]).toEqual([1024, 256, 256]);
    expect(spec.targets).toEqual({ ce: 0.95, supcon: 0.9, simclr: 0.8 });
    expect(spec.race).toEqual({ auroc: 0.9, sesoiEpochs: 1 });
    expect(learnability.resolve(learnability.withSeeds(d, 3)).seeds).toEqual([0, 1, 2]);
    expect(learnability.resolve({ seeds: [4, 7] }).seeds).toEqual([4, 7]);
    const quick = learnability.resolve(learnability.quick(d));
    expect(quick.volume).toEqual({ shape: [16, 16, 16], spacing: [2, 2, 2] });
    expect(quick.config).toMatchObject({ epochs: 2, pretrainEpochs: 2, model: { options: { widthMultiplier: 0.25 } } });
  });

  it("takes its volumes, sample counts, run config and threads from the loss-generalization study's built-in", () => {
    const lg = lossGeneralization.resolve(lossGeneralization.defaultInput());
    const spec = resolveLearnabilitySpec({});
    expect(spec.volume).toEqual(lg.volume);
    expect([spec.n, spec.valN, spec.testN, spec.threads]).toEqual([
      lg.train.n,
      lg.train.valN,
      lg.testSets[0].n,
      lg.threads,
    ]);
    expect(spec.config).toEqual(lg.config);
  });

  it('lays --quick over the default run config when the input gives none', () => {
    const quick = resolveLearnabilitySpec(learnability.quick({}));
    expect(quick.config).toMatchObject({ optimizer: { name: 'adam', lr: 0.003 }, epochs: 2, probe: { epochs: 2 } });
  });

  it('keeps only the default targets of the losses swept', () => {
    expect(resolveLearnabilitySpec({ losses: ['ce', 'moco'] }).targets).toEqual({ ce: 0.95 });
  });

  it.each([
    [{ separations: [2] }, 'separations[0]: must be a number in [0, 1.5], got 2'],
    [{ separations: [1, 1] }, 'separations: must be distinct, got [1,1]'],
    [{ budgets: [0, 1] }, 'budgets[0]: must be a number > 0 and <= 1, got 0'],
    [{ losses: ['dice-ce'] }, 'losses[0]: must be one of ce, supcon, supcon-joint, simclr, moco, got "dice-ce"'],
    [{ seeds: [1, 1] }, 'seeds: must be distinct, got [1,1]'],
    [{ seeds: 0 }, 'seeds: must be an integer in [1, 100], got 0'],
    [{ volume: { shape: [4, 4, 4] } }, 'volume.shape: must be an array of 3 integers in [8, 256], got [4,4,4]'],
    [
      { shortcut: { factor: 'diameter', distributions: [{ uniform: [11, 16] }, { uniform: [5, 9] }] } },
      'shortcut.distributions: the side-0 range must lie below the side-1 range, got [16,5] at the gap',
    ],
    [{ targets: { moco: 0.5 } }, 'targets.moco: "moco" is not one of the losses (ce, supcon, simclr)'],
    [
      { config: { loss: 'simclr' } },
      'config.loss: set by the study (use losses, seeds, separations, budgets, volume, threads)',
    ],
    [{ wat: 1 }, 'wat: unknown key'],
  ])('names the problem of %j by its path', (input, line) => {
    expect(problemsOf(input)).toEqual(expect.arrayContaining([expect.stringContaining(line)]));
  });

  it('names every problem of the fields at once', () => {
    const problems = problemsOf({ budgets: [7], separation: -1, testN: 1 });
    expect(problems).toEqual([
      'budgets[0]: must be a number > 0 and <= 1, got 7',
      'separation: must be a number in [0, 1.5], got -1',
      'testN: must be an integer in [2, 1000000], got 1',
    ]);
  });

  it('names a bad run config under each loss it breaks', () => {
    const problems = problemsOf({ losses: ['ce', 'simclr'], config: { epochs: -1 } });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^losses\[0\]: "ce" run config: epochs/),
        expect.stringMatching(/^losses\[1\]: "simclr" run config: epochs/),
      ]),
    );
  });

  it('emits a JSON Schema of its input', () => {
    const text = schema.jsonSchemaText(learnability.specSchema, { title: 't', description: 'd' });
    expect(JSON.parse(text).properties.separations).toBeDefined();
  });
});

describe('learnability run configs', () => {
  const spec = resolveLearnabilitySpec({});
  it.each([
    ['ce', 0.5, { epochs: 5, pretrainEpochs: 10 }],
    ['ce', 0.01, { epochs: 1, pretrainEpochs: 10 }],
    ['supcon', 0.25, { epochs: 10, pretrainEpochs: 3 }],
    ['simclr', 0.5, { epochs: 10, pretrainEpochs: 5 }],
  ] as const)('%s at budget %d trains %j', (loss, budget, epochs) => {
    const c = runConfigFor(spec, loss, 2, coreSpec(spec, 1), budget);
    expect({ epochs: c.epochs, pretrainEpochs: c.pretrainEpochs }).toEqual(epochs);
    expect([c.seed, c.threads, c.data.seed, c.data.train.n, c.data.val.n]).toEqual([2, 2, 1002, 1024, 256]);
  });

  it('labels the shortcut-only data by the shortcut, between its two ranges', () => {
    const s = shortcutOnlySpec(spec);
    expect(s.labelRule).toEqual({ factor: 'diameter', gt: 10 });
    expect(s.classes?.['1']?.diameter).toEqual({ uniform: [11, 16] });
  });
});
