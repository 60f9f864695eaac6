// Hard-to-learn (HTL) samples from per-sample scores (PIE fraction, box divergence): the top q% or those
// above a threshold, and how many are HTL at each sparsity.
/** How HTL samples are chosen from scores: the top fraction (default 10%) or those above a threshold. */
export type HtlRule = { topFraction: number } | { threshold: number };

/** Options of {@link selectHtl}. */
export interface SelectHtlOptions {
  /** Return an empty selection instead of throwing when no sample qualifies (e.g. to count per sparsity). */
  allowEmpty?: boolean;
}

function checkScores(op: string, scores: ArrayLike<number>): void {
  if (!scores || scores.length === 0) throw new Error(`${op}: no scores`);
  for (let i = 0; i < scores.length; i++)
    if (!Number.isFinite(scores[i])) throw new Error(`${op}: scores[${i}] = ${scores[i]} is not finite`);
}

function describeRule(rule: HtlRule): string {
  return 'topFraction' in rule ? `topFraction ${rule.topFraction}` : `threshold ${rule.threshold}`;
}

/**
 * The HTL samples (1) among N scored ones. `{ topFraction: q }`: the round(q N) highest scores among the
 * samples scoring above 0 (a sample no population disagrees on is never HTL), ties by index;
 * `{ threshold: t }`: every score > t. Throws, naming the rule and the highest score, when no sample is
 * HTL (unless `allowEmpty`), and on a bad rule or a non-finite score.
 */
export function selectHtl(
  scores: ArrayLike<number>,
  rule: HtlRule = { topFraction: 0.1 },
  options: SelectHtlOptions = {},
): Uint8Array {
  const op = 'selectHtl';
  checkScores(op, scores);
  const n = scores.length;
  const out = new Uint8Array(n);
  if (rule && 'topFraction' in rule) {
    const q = rule.topFraction;
    if (typeof q !== 'number' || !(q > 0 && q <= 1))
      throw new Error(`${op}: topFraction must be in (0, 1], got ${String(q)}`);
    const order = Array.from({ length: n }, (_, i) => i)
      .filter((i) => scores[i] > 0)
      .sort((a, b) => scores[b] - scores[a] || a - b);
    for (const i of order.slice(0, Math.round(q * n))) out[i] = 1;
  } else if (rule && 'threshold' in rule) {
    const t = rule.threshold;
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new Error(`${op}: threshold must be a finite number`);
    for (let i = 0; i < n; i++) if (scores[i] > t) out[i] = 1;
  } else {
    throw new Error(`${op}: rule must be { topFraction } or { threshold }, got ${JSON.stringify(rule)}`);
  }
  if (!options.allowEmpty && !out.some((v) => v === 1)) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, scores[i]);
    throw new Error(`${op}: no sample is HTL under ${describeRule(rule)} (N = ${n}, highest score ${max})`);
  }
  return out;
}

/** How many samples are HTL at one sparsity. */
export interface HtlCount {
  sparsity: number;
  count: number;
  fraction: number;
}

/**
 * The HTL count at each sparsity from per-sparsity scores (e.g. `localizationDivergence(...).perSparsity`'s
 * divergence, or a PIE flag array): an empty set counts 0 here. With `{ topFraction }` the counts differ
 * only where fewer samples than q N score above 0; `{ threshold }` shows how disagreement grows with sparsity.
 */
export function htlCounts(
  perSparsity: readonly { sparsity: number; scores: ArrayLike<number> }[],
  rule: HtlRule = { topFraction: 0.1 },
): HtlCount[] {
  return perSparsity.map(({ sparsity, scores }) => {
    const count = selectHtl(scores, rule, { allowEmpty: true }).reduce((s, v) => s + v, 0);
    return { sparsity, count, fraction: count / scores.length };
  });
}
