// The study spec: defaults of the built-in study, --quick / --seeds overrides, idempotent resolution,
// and a clear, path-named error for every kind of mistake.
import {
  BUILTIN_STUDY_NAMES,
  builtinStudy,
  quickStudy,
  withSeeds,
} from '../../../src/studies/loss_generalization/builtins';
import { StudySpecError, resolveStudySpec, runConfigFor } from '../../../src/studies/loss_generalization/spec';

describe('resolveStudySpec', () => {
  it('fills the loss-generalization defaults', () => {
    const s = resolveStudySpec({});
    expect(s.losses.map((l) => l.loss)).toEqual(['ce', 'supcon', 'simclr']);
    expect(s.seeds).toEqual([0, 1, 2]);
    expect(s.train.rho).toBe(0.9);
    expect(s.train.spec.name).toBe('shortcut-size');
    expect(s.testSets.map((t) => [t.name, t.split])).toEqual([
      ['in-distribution', 'test'],
      ['rho0.5', 'test-rho0.5'],
      ['rho0.0', 'test-rho0.0'],
      ['scanner-shift', 'test-shift'],
    ]);
    expect(s.analysis.testSet).toBe('rho0.5');
    expect(s.analysis.factors.map((f) => f.name)).toEqual(['margin', 'diameter', 'attenuation', 'noise']);
    expect(s.findings).toEqual({
      inDistribution: 'in-distribution',
      shifts: ['rho0.0', 'scanner-shift'],
      pair: ['ce', 'simclr'],
      sesoi: 0.05,
    });
    const cfg = runConfigFor(s, s.losses[1], 2);
    expect(cfg).toMatchObject({ loss: 'supcon', seed: 2, threads: 2, data: { train: { n: 512 }, val: { n: 256 } } });
  });

  it('is idempotent: the resolved study (as saved in study.json) resolves to itself', () => {
    const s = resolveStudySpec(builtinStudy('loss-generalization'));
    expect(resolveStudySpec(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it('applies --quick and --seeds over a study', () => {
    const q = resolveStudySpec(withSeeds(quickStudy(builtinStudy(BUILTIN_STUDY_NAMES[0])), 2));
    expect(q.seeds).toEqual([0, 1]);
    expect(q.volume).toEqual({ shape: [16, 16, 16], spacing: [2, 2, 2] });
    expect(q.testSets.every((t) => t.n === 128)).toBe(true);
    const cfg = runConfigFor(q, q.losses[0], 0);
    expect(cfg.epochs).toBe(2);
    expect((cfg.data.spec as { volume: unknown }).volume).toEqual({ shape: [16, 16, 16], spacing: [2, 2, 2] });
  });

  it('accepts named losses with their own overrides and explicit seeds', () => {
    const s = resolveStudySpec({
      losses: ['ce', { name: 'ce-smooth', loss: 'ce', config: { labelSmoothing: 0.1 } }],
      seeds: [5, 7],
    });
    expect(s.losses.map((l) => l.name)).toEqual(['ce', 'ce-smooth']);
    expect(runConfigFor(s, s.losses[1], 7)).toMatchObject({ labelSmoothing: 0.1, seed: 7 });
    // Without ce and simclr, the claims compare the first two losses; with one loss there is no pair.
    expect(s.findings.pair).toEqual(['ce', 'ce-smooth']);
    expect(resolveStudySpec({ losses: ['supcon'] }).findings.pair).toBeNull();
    expect(resolveStudySpec({ findings: { pair: ['simclr', 'supcon'] } }).findings.pair).toEqual(['simclr', 'supcon']);
  });

  it.each([
    ['not an object', 'nope', /study: must be a JSON object/],
    ['unknown key', { bogus: 1 }, /bogus: unknown key/],
    ['unknown loss', { losses: ['xent'] }, /losses\[0\]: must be one of ce, supcon, supcon-joint, simclr/],
    ['duplicate loss names', { losses: ['ce', 'ce'] }, /losses\[1\]\.name: "ce" is used twice/],
    ['zero seeds', { seeds: 0 }, /seeds: must be an integer in \[1, 100\]/],
    [
      'unknown preset',
      { train: { spec: 'nope' } },
      /train\.spec: "nope" is neither a dataset preset \(iid, shortcut-size/,
    ],
    ['rho out of range', { train: { rho: 2 } }, /train\.rho: must be a number in \[0, 1\]/],
    [
      'test on training samples',
      { testSets: [{ name: 'a', split: 'train' }] },
      /testSets\[0\]\.split: "train" holds training/,
    ],
    ['study-owned config key', { config: { loss: 'ce' } }, /config\.loss: set by the study/],
    [
      'bad run config',
      { config: { optimizer: { lr: -1 } } },
      /run config: optimizer\.lr: must be a number > 0, got -1/,
    ],
    ['unknown factor', { analysis: { factors: ['size'] } }, /analysis\.factors\[0\]: must be a factor name/],
    ['unknown analysed set', { analysis: { testSet: 'x' } }, /analysis\.testSet: "x" is not a test set/],
    ['too many analysed samples', { testN: 10, analysis: { n: 20 } }, /analysis\.n: 20 is more than the 10 samples/],
    ['pair of unknown loss', { findings: { pair: ['ce', 'moco'] } }, /findings\.pair\[1\]: "moco" is not a loss/],
    ['pair of one loss', { findings: { pair: ['ce', 'ce'] } }, /findings\.pair: names the same loss twice/],
    ['bad volume', { volume: { shape: [4, 4, 4] } }, /volume\.shape: must be an array of 3 integers in \[8, 256\]/],
  ])('reports %s with its path', (_name, input, message) => {
    let err: unknown;
    try {
      resolveStudySpec(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StudySpecError);
    expect((err as Error).message).toMatch(message);
  });

  it('lists every problem at once', () => {
    try {
      resolveStudySpec({ losses: ['xent'], seeds: -1, threads: 0 });
      throw new Error('no error');
    } catch (e) {
      expect((e as StudySpecError).problems.length).toBeGreaterThanOrEqual(3);
    }
  });
});
