// Verdicts on a claim from confidence intervals of its effects (paired differences over seeds): one
// small rule, so a reader of the report knows exactly what "reproduced" means.

/** A claim's verdict. */
export type Verdict = 'reproduced' | 'not reproduced' | 'inconclusive';

/** The sign a claim predicts for its effect: above 0, below 0, or either (a claim that something changes). */
export type Direction = 'greater' | 'less' | 'either';

/** An interval; null bounds when it could not be computed (fewer than two seeds). */
export interface Interval {
  lower: number | null;
  upper: number | null;
}

/** Half-width below which an interval that includes 0 counts as evidence of no effect (default 0.05). */
export const DEFAULT_NEGLIGIBLE = 0.05;

/**
 * The verdict of one effect's 95% CI:
 * - reproduced: the CI excludes 0 on the claimed side (either side for 'either');
 * - not reproduced: the CI includes 0 and its half-width is below `margin` (any effect is small), or
 *   it excludes 0 on the side opposite to the claim;
 * - inconclusive: otherwise — a wide CI that includes 0, or no CI (one seed).
 */
export function verdictOf(ci: Interval | null, direction: Direction, margin = DEFAULT_NEGLIGIBLE): Verdict {
  if (!ci || ci.lower === null || ci.upper === null || !Number.isFinite(ci.lower) || !Number.isFinite(ci.upper))
    return 'inconclusive';
  const above = ci.lower > 0;
  const below = ci.upper < 0;
  if ((above && direction !== 'less') || (below && direction !== 'greater')) return 'reproduced';
  if (above || below) return 'not reproduced';
  return (ci.upper - ci.lower) / 2 < margin ? 'not reproduced' : 'inconclusive';
}

/**
 * The verdict of a claim measured several ways (pairs of losses, measures): reproduced when any
 * effect is; not reproduced when every effect is not; inconclusive otherwise (and with no effects).
 */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.some((v) => v === 'reproduced')) return 'reproduced';
  if (verdicts.length > 0 && verdicts.every((v) => v === 'not reproduced')) return 'not reproduced';
  return 'inconclusive';
}
