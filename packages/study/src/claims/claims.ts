// A claim of a named study judged from paired per-seed effects: each effect's mean and 95% CI, its
// Bonferroni-adjusted CI (level 1 − 0.05/k for a claim measured k ways) and verdict, and the claim's verdict
// (any effect reproduced, or — for a claim over several comparisons that must all hold — every one).
import { Aggregate, aggregate } from '../kit/aggregate';
import { Direction, Verdict, combineVerdicts, verdictOf } from './verdict';

/** One measured effect of a claim: the paired per-seed difference `a − b` (or a value against a reference). */
export interface Effect {
  comparison: string;
  /** Mean and 95% CI over seeds. */
  effect: Aggregate;
  /** The CI at level 1 − 0.05/k for a claim measured k ways (Bonferroni), which the verdict reads. */
  adjusted: Aggregate;
  verdict: Verdict;
}

/** A claim of the study with its effects and verdict. */
export interface Claim {
  claim: string;
  measure: string;
  direction: Direction;
  effects: Effect[];
  verdict: Verdict;
}

/** How a claim's verdict follows from its effects' verdicts. */
export type ClaimRule = 'any' | 'all';

/**
 * Judges `claim` from per-seed values of each comparison. Rule 'any' (default): reproduced when any effect is
 * ({@link combineVerdicts}); 'all': reproduced only when every effect is, not reproduced when any is not.
 */
export function judgeClaim(
  claim: string,
  measure: string,
  direction: Direction,
  pairs: { comparison: string; values: number[] }[],
  rule: ClaimRule = 'any',
): Claim {
  const k = Math.max(1, pairs.length);
  const effects = pairs.map((p) => {
    const adjusted = aggregate(p.values, 1 - 0.05 / k);
    return { comparison: p.comparison, effect: aggregate(p.values), adjusted, verdict: verdictOf(adjusted, direction) };
  });
  const verdicts = effects.map((e) => e.verdict);
  let verdict: Verdict;
  if (rule === 'any') verdict = combineVerdicts(verdicts);
  else if (verdicts.length > 0 && verdicts.every((v) => v === 'reproduced')) verdict = 'reproduced';
  else if (verdicts.some((v) => v === 'not reproduced')) verdict = 'not reproduced';
  else verdict = 'inconclusive';
  return { claim, measure, direction, effects, verdict };
}
