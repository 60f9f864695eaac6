// The one claims engine: every study's controls and claims go in as data, verdicts come out under one
// family-wise policy (Bonferroni over the study's primary hypotheses; 'all' claims by the intersection–union
// test; claims tested in a fixed sequence after another count no hypothesis; equivalence by two one-sided tests at
// ±SESOI; failed controls and premises gate what depends on them).
import { describe, isZeroSd, seedsForPower, tInterval } from './paired_t';
import type { ClaimInput, ControlInput, Findings, JudgedClaim, JudgedComparison, Verdict } from './types';

/** The family-wise error rate of a study's primary claims. */
export const FAMILY_ALPHA = 0.05;

/** The power a claim's "seeds needed" is computed for. */
export const TARGET_POWER = 0.8;

/**
 * Hypotheses a primary claim adds to the family: one for 'all' (intersection–union), one per comparison for 'any',
 * none for a claim tested after another (fixed sequence: it spends the α' of the claim it follows).
 */
const hypothesesOf = (c: ClaimInput): number =>
  c.after !== undefined ? 0 : (c.rule ?? 'all') === 'all' ? 1 : Math.max(1, c.comparisons.length);

/** What a claim needs before it is judged: its controls and premises, and the claim it is tested after. */
const needsOf = (c: ClaimInput): string[] => [...(c.dependsOn ?? []), ...(c.after !== undefined ? [c.after] : [])];

/** The policy in words, for the top of every report's Findings. */
export function policyText(familySize: number, alpha = FAMILY_ALPHA, sequences = false): string {
  const a = alpha / Math.max(1, familySize);
  const sequence = sequences
    ? `A claim tested after another (fixed sequence) counts no hypothesis: it is judged at the same α' only when ` +
      `the claim before it is reproduced, and is otherwise not testable. `
    : '';
  return (
    `Each claim's primary effect is a paired per-seed difference in its metric's own units, with a claimed ` +
    `direction and a smallest effect of interest (SESOI) fixed in the spec before the run. The study's primary ` +
    `claims form one family of ${familySize} hypotheses (a claim that every comparison must hold counts once, by ` +
    `the intersection–union test; a claim that any comparison holds counts once per comparison); each ` +
    `comparison is judged at α' = ${alpha}/${familySize} = ${a.toPrecision(3)} (Bonferroni, family-wise error ≤ ${alpha}). ` +
    sequence +
    `Reproduced: the two-sided (1 − α') CI excludes 0 on the claimed side. Contradicted: it excludes 0 on the ` +
    `other side. Not reproduced: the (1 − 2α') CI lies within ±SESOI (two one-sided tests). Inconclusive: none ` +
    `of these, or fewer than 2 seeds, or identical per-seed values. Not testable: a control or premise the ` +
    `claim depends on failed. Seeds needed: the fewest seeds giving ${TARGET_POWER * 100}% power to reproduce an ` +
    `effect of exactly the SESOI at the observed SD. Secondary comparisons are shown without verdicts.`
  );
}

/** One comparison judged at level `alpha` against ±sesoi (verdict null when `alpha` is null: secondary). */
function judgeComparison(
  c: ClaimInput,
  name: string,
  values: readonly number[],
  alpha: number | null,
): JudgedComparison & { why: string } {
  const d = describe(values);
  const level = alpha ?? FAMILY_ALPHA;
  const base = { name, n: d.n, missing: d.missing, mean: d.mean, sd: d.sd };
  // Without two seeds, or with no variance, there is no CI: inconclusive, with the reason.
  const noInterval = (why: string): JudgedComparison & { why: string } => ({
    ...base,
    ci: null,
    equivalenceCi: null,
    verdict: alpha === null ? null : 'inconclusive',
    seedsNeeded: null,
    why,
  });
  if (d.n < 2 || d.mean === null || d.sd === null)
    return noInterval(`${d.n} seed(s) with a value: a CI needs at least 2`);
  if (isZeroSd(d.sd, d.mean)) return noInterval('identical per-seed values: no variance to estimate a CI from');
  const seedsNeeded = seedsForPower(c.sesoi, d.sd, level, TARGET_POWER);
  const ci = tInterval(d.mean, d.sd, d.n, level);
  const equivalenceCi = tInterval(d.mean, d.sd, d.n, 2 * level);
  const excludesAbove = ci[0] > 0;
  const excludesBelow = ci[1] < 0;
  const claimedSide =
    c.direction === 'greater' ? excludesAbove : c.direction === 'less' ? excludesBelow : excludesAbove || excludesBelow;
  const otherSide = c.direction === 'greater' ? excludesBelow : c.direction === 'less' ? excludesAbove : false;
  let verdict: Verdict;
  let why: string;
  if (claimedSide) {
    verdict = 'reproduced';
    why = c.direction === 'either' ? 'CI excludes 0' : 'CI excludes 0 on the claimed side';
  } else if (otherSide) {
    verdict = 'contradicted';
    why = 'CI excludes 0 on the other side';
  } else if (equivalenceCi[0] > -c.sesoi && equivalenceCi[1] < c.sesoi) {
    verdict = 'not reproduced';
    why = `equivalence CI within ±${c.sesoi}`;
  } else {
    verdict = 'inconclusive';
    why = `CI includes 0 and equivalence CI reaches beyond ±${c.sesoi}`;
  }
  return { ...base, ci, equivalenceCi, verdict: alpha === null ? null : verdict, seedsNeeded, why };
}

/** A claim's verdict from its comparisons' verdicts under its rule. */
function combine(rule: 'all' | 'any', verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0) return 'inconclusive';
  const every = (v: Verdict) => verdicts.every((x) => x === v);
  const some = (v: Verdict) => verdicts.some((x) => x === v);
  if (rule === 'all') {
    if (every('reproduced')) return 'reproduced';
    if (some('contradicted')) return 'contradicted';
    if (some('not reproduced')) return 'not reproduced';
    return 'inconclusive';
  }
  if (some('reproduced')) return 'reproduced';
  if (every('contradicted')) return 'contradicted';
  if (verdicts.every((x) => x === 'contradicted' || x === 'not reproduced')) return 'not reproduced';
  return 'inconclusive';
}

/** Claims in an order where every premise comes before the claims that depend on it; throws on a cycle. */
function premisesFirst(claims: readonly ClaimInput[]): ClaimInput[] {
  const byId = new Map(claims.map((c) => [c.id, c]));
  const out: ClaimInput[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: ClaimInput, chain: string[]): void => {
    if (state.get(c.id) === 'done') return;
    if (state.get(c.id) === 'visiting') throw new Error(`claims: premise cycle ${[...chain, c.id].join(' → ')}`);
    state.set(c.id, 'visiting');
    for (const d of needsOf(c)) {
      const p = byId.get(d);
      if (p) visit(p, [...chain, c.id]);
    }
    state.set(c.id, 'done');
    out.push(c);
  };
  for (const c of claims) visit(c, []);
  return out;
}

/**
 * Judges a study's claims. Throws on malformed input (duplicate ids, a dependency that names neither a
 * control nor a claim, a SESOI that is not > 0): those are errors in a study's code, not findings.
 * Claims come back in the order given.
 */
export function judgeClaims(
  controls: readonly ControlInput[],
  claims: readonly ClaimInput[],
  alpha = FAMILY_ALPHA,
): Findings {
  const ids = new Set<string>();
  for (const x of [...controls, ...claims]) {
    if (ids.has(x.id)) throw new Error(`claims: duplicate id '${x.id}'`);
    ids.add(x.id);
  }
  for (const c of claims) {
    if (!(c.sesoi > 0)) throw new Error(`claims: ${c.id}: SESOI must be > 0, got ${c.sesoi}`);
    for (const d of c.dependsOn ?? [])
      if (!ids.has(d)) throw new Error(`claims: ${c.id} depends on unknown control or claim '${d}'`);
  }
  const primary = (c: ClaimInput) => (c.role ?? 'primary') === 'primary';
  for (const c of claims) {
    if (c.after === undefined) continue;
    const before = claims.find((x) => x.id === c.after);
    if (!before || !primary(before) || !primary(c))
      throw new Error(`claims: ${c.id} is tested after '${c.after}': both must be primary claims of the study`);
  }
  const familySize = claims.filter(primary).reduce((s, c) => s + hypothesesOf(c), 0);
  const level = alpha / Math.max(1, familySize);
  const controlById = new Map(controls.map((c) => [c.id, c]));
  const judged = new Map<string, JudgedClaim>();
  for (const c of premisesFirst(claims)) {
    const isPrimary = primary(c);
    const rule = c.rule ?? 'all';
    const a = isPrimary ? level : null;
    const comps = c.comparisons.map((x) => judgeComparison(c, x.name, x.values, a));
    const seeds = comps.map((x) => x.seedsNeeded).filter((x): x is number => x !== null);
    const seedsNeeded =
      seeds.length !== comps.length || seeds.length === 0
        ? null
        : rule === 'all'
          ? Math.max(...seeds)
          : Math.min(...seeds);
    const failed = needsOf(c).filter((d) => {
      const ctl = controlById.get(d);
      if (ctl) return !ctl.passed;
      return judged.get(d)?.verdict !== 'reproduced';
    });
    let verdict: Verdict | null = null;
    let reason: string;
    if (failed.length > 0) {
      verdict = isPrimary ? 'not testable' : null;
      reason = failed
        .map((d) =>
          controlById.has(d)
            ? `depends on control '${d}', which failed`
            : `${d === c.after ? 'is tested after' : 'depends on premise'} '${d}', which is ${judged.get(d)?.verdict ?? 'not judged'}`,
        )
        .join('; ');
    } else if (!isPrimary) reason = 'secondary: shown without a verdict';
    else if (comps.length === 0) {
      verdict = 'inconclusive';
      reason = 'no comparison was measured';
    } else {
      verdict = combine(
        rule,
        comps.map((x) => x.verdict as Verdict),
      );
      reason =
        comps.length === 1
          ? comps[0].why
          : `${rule === 'all' ? 'every comparison must hold' : 'any comparison may hold'}: ` +
            comps.map((x) => `${x.name} ${x.verdict} (${x.why})`).join('; ');
    }
    judged.set(c.id, {
      ...c,
      role: isPrimary ? 'primary' : 'secondary',
      rule,
      dependsOn: c.dependsOn ?? [],
      after: c.after ?? null,
      comparisons: comps.map(({ why: _why, ...x }) => x),
      verdict,
      reason,
      alpha: a,
      seedsNeeded,
    });
  }
  return {
    policy: policyText(
      familySize,
      alpha,
      claims.some((c) => c.after !== undefined),
    ),
    alpha,
    familySize,
    controls: controls.map((c) => ({ ...c })),
    claims: claims.map((c) => judged.get(c.id)!),
  };
}
