// What a study declares to the claims engine (claims as data: a primary effect, a direction, a smallest
// effect of interest, the controls it depends on) and what the engine returns (verdicts with their CIs,
// reasons and the seeds each claim would need). Studies never compute verdicts themselves.

/**
 * The sign a claim predicts for its primary effect; 'either' for a claim that something changes, which
 * is reproduced on either side and never contradicted.
 */
export type Direction = 'greater' | 'less' | 'either';

/**
 * A claim's verdict:
 * - reproduced: the adjusted CI of the effect excludes 0 on the claimed side;
 * - contradicted: it excludes 0 on the other side;
 * - not reproduced: the equivalence test (two one-sided tests) puts the effect within ±SESOI;
 * - inconclusive: none of these (or too few seeds, or no variance to estimate a CI from);
 * - not testable: a control or premise the claim depends on failed.
 */
export type Verdict = 'reproduced' | 'contradicted' | 'not reproduced' | 'inconclusive' | 'not testable';

export const VERDICTS: readonly Verdict[] = [
  'reproduced',
  'contradicted',
  'not reproduced',
  'inconclusive',
  'not testable',
];

/** One comparison of a claim: the paired per-seed differences (a − b of the same seed), in seed order. */
export interface Comparison {
  /** e.g. "ce − simclr at rho0.0". */
  name: string;
  /** One value per seed; a non-finite value (a failed measure) is left out and counted in the reason. */
  values: readonly number[];
}

/**
 * How a claim measured several ways is decided:
 * - 'all': every comparison must hold (intersection–union test: no multiplicity adjustment, counts once);
 * - 'any': some comparison holds (each comparison counts as one hypothesis of the family).
 * A claim with one comparison is the same under both.
 */
export type ClaimRule = 'all' | 'any';

/** A claim as a study declares it, fixed before any run (its SESOI and direction live in the spec). */
export interface ClaimSpec {
  /** Stable id, e.g. "shift". */
  id: string;
  /** The claim in words, as the paper states it. */
  statement: string;
  /** The primary effect's metric and units, e.g. "balanced accuracy (paired difference, ce − simclr)". */
  measure: string;
  direction: Direction;
  /** Smallest effect of interest, in the metric's own units (> 0). */
  sesoi: number;
  /** Where the SESOI comes from (the paper, or the stated reason). */
  sesoiReason: string;
  /** Primary claims form the study's family and get verdicts; secondary ones are shown without. Default primary. */
  role?: 'primary' | 'secondary';
  rule?: ClaimRule;
  /** Ids of the controls, premises (other claims, which must be reproduced) this claim needs. */
  dependsOn?: readonly string[];
  /**
   * Fixed-sequence testing: the id of the primary claim this one is tested after. It counts no hypothesis of its own,
   * is judged at that claim's α', and is not testable unless that claim is reproduced (a chain a → b → c keeps the
   * family-wise error of a alone).
   */
  after?: string;
}

/** A claim with its measured comparisons. */
export interface ClaimInput extends ClaimSpec {
  comparisons: readonly Comparison[];
}

/** A control: a check that can fail, on which claims depend. */
export interface ControlInput {
  id: string;
  statement: string;
  passed: boolean;
  /** What was measured against what bar, e.g. "ce 0.97 [0.93, 1.00] ≥ 0.8". */
  detail: string;
}

/** One comparison as judged. */
export interface JudgedComparison {
  name: string;
  /** Seeds with a finite value. */
  n: number;
  /** Left out for being non-finite. */
  missing: number;
  mean: number | null;
  /** Sample SD of the paired differences. */
  sd: number | null;
  /** Two-sided CI at the adjusted level (1 − α'), which reproduced / contradicted read. */
  ci: [number, number] | null;
  /** The (1 − 2α') CI the equivalence test reads: within ±SESOI means not reproduced. */
  equivalenceCi: [number, number] | null;
  /** null for the comparisons of a secondary claim. */
  verdict: Verdict | null;
  /** Seeds for 80% power to reproduce an effect of exactly SESOI at this SD and level; null without an SD. */
  seedsNeeded: number | null;
}

/** A claim as judged. */
export interface JudgedClaim extends Omit<ClaimSpec, 'after'> {
  role: 'primary' | 'secondary';
  /** The claim this one is tested after (fixed sequence), or null. */
  after: string | null;
  rule: ClaimRule;
  dependsOn: readonly string[];
  comparisons: JudgedComparison[];
  /** null for secondary claims (shown without a verdict). */
  verdict: Verdict | null;
  /** Why the verdict is what it is, in words. */
  reason: string;
  /** The significance level each comparison of this claim was judged at (α'). */
  alpha: number | null;
  /** Seeds the claim would need (max over comparisons for 'all', min for 'any'); null when unknown. */
  seedsNeeded: number | null;
}

/** Everything the engine decided for one study. */
export interface Findings {
  /** The inference policy in words, printed at the top of every report's Findings. */
  policy: string;
  alpha: number;
  /** Hypotheses in the family (primary comparisons, an 'all' claim counting once). */
  familySize: number;
  controls: ControlInput[];
  claims: JudgedClaim[];
}
