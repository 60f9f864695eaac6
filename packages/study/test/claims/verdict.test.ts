// The verdict rule: an effect's CI against 0 on the claimed side, and a narrow CI around 0 as no effect.
import { Direction, Interval, Verdict, combineVerdicts, verdictOf } from '../../src/claims/verdict';
import { familyVerdict } from '../../src/studies/loss_generalization/findings';
import { aggregate } from '../../src/kit/aggregate';

describe('verdictOf', () => {
  it.each<[string, Interval | null, Direction, Verdict]>([
    ['CI above 0, claimed greater', { lower: 0.02, upper: 0.2 }, 'greater', 'reproduced'],
    ['CI above 0, claimed either', { lower: 0.02, upper: 0.2 }, 'either', 'reproduced'],
    ['CI below 0, claimed either', { lower: -0.3, upper: -0.1 }, 'either', 'reproduced'],
    ['CI below 0, claimed less', { lower: -0.3, upper: -0.1 }, 'less', 'reproduced'],
    ['CI below 0, claimed greater: the opposite effect', { lower: -0.3, upper: -0.1 }, 'greater', 'not reproduced'],
    ['CI above 0, claimed less: the opposite effect', { lower: 0.1, upper: 0.3 }, 'less', 'not reproduced'],
    ['narrow CI around 0', { lower: -0.03, upper: 0.04 }, 'either', 'not reproduced'],
    ['wide CI around 0', { lower: -0.2, upper: 0.25 }, 'greater', 'inconclusive'],
    ['CI touching 0 is not excluding it', { lower: 0, upper: 0.3 }, 'greater', 'inconclusive'],
    ['no CI (one seed)', { lower: null, upper: null }, 'either', 'inconclusive'],
    ['no effect measured', null, 'either', 'inconclusive'],
  ])('%s', (_name, ci, dir, want) => {
    expect(verdictOf(ci, dir)).toBe(want);
  });

  it('uses the margin given for "narrow"', () => {
    expect(verdictOf({ lower: -0.08, upper: 0.08 }, 'either')).toBe('inconclusive');
    expect(verdictOf({ lower: -0.08, upper: 0.08 }, 'either', 0.1)).toBe('not reproduced');
  });
});

describe('combineVerdicts', () => {
  it.each<[Verdict[], Verdict]>([
    [['inconclusive', 'reproduced', 'not reproduced'], 'reproduced'],
    [['not reproduced', 'not reproduced'], 'not reproduced'],
    [['not reproduced', 'inconclusive'], 'inconclusive'],
    [[], 'inconclusive'],
  ])('%j -> %s', (vs, want) => {
    expect(combineVerdicts(vs)).toBe(want);
  });
});

describe('familyVerdict (Bonferroni within a claim)', () => {
  // Per-seed differences 0.009, 0.011, 0.013: the 95% CI [0.006, 0.016] excludes 0, the 1 − 0.05/6 CI does not.
  const diff = aggregate([0.009, 0.011, 0.013]);

  it('reads the plain 95% CI when the claim is measured one way', () => {
    const r = familyVerdict(diff, 1, 'either', 0.005);
    expect(r.level).toBeCloseTo(0.95, 12);
    expect(r.adjusted!.lower).toBeGreaterThan(0);
    expect(r.verdict).toBe('reproduced');
  });

  it('widens the CI with the number of effects, so one lucky effect of six is not enough', () => {
    const r = familyVerdict(diff, 6, 'either', 0.005);
    expect(r.level).toBeCloseTo(1 - 0.05 / 6, 12);
    expect(r.adjusted!.lower).toBeLessThan(0);
    expect(r.adjusted!.upper).toBeGreaterThan(0.02);
    expect(r.verdict).toBe('inconclusive');
  });

  it('is inconclusive with one seed and refuses a k that is not a count', () => {
    expect(familyVerdict(aggregate([0.3]), 2, 'either', 0.05)).toMatchObject({
      adjusted: null,
      verdict: 'inconclusive',
    });
    expect(() => familyVerdict(diff, 0, 'either', 0.05)).toThrow(/k must be an integer >= 1/);
  });
});
