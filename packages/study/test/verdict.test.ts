// The verdict rule: an effect's CI against 0 on the claimed side, and a narrow CI around 0 as no effect.
import { Direction, Interval, Verdict, combineVerdicts, verdictOf } from '../src/verdict';

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
