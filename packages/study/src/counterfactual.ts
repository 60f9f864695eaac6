// Counterfactual sensitivity: the same test nodule with only one factor (or group) changed to a value
// typical of the other class; how often the prediction flips and how far P(malignant) moves.
import { FACTOR_INFO, FactorName, FactorRecord, FactorValue } from '@nodulab/data';

/** Values of each factor per class, from a reference sample (e.g. the training split's factor records). */
export interface FactorStats {
  byClass: [FactorValue[], FactorValue[]];
}

/** Collects the values of `factor` per label from factor records. */
export function factorStats(
  records: readonly { factors: FactorRecord; label: 0 | 1 }[],
  factor: FactorName,
): FactorStats {
  const byClass: [FactorValue[], FactorValue[]] = [[], []];
  for (const r of records) byClass[r.label].push(r.factors[factor]);
  return { byClass };
}

/** The q-quantile (0..1, linear interpolation) of numbers. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function mode(values: readonly FactorValue[], exclude?: FactorValue): FactorValue | null {
  const counts = new Map<FactorValue, number>();
  for (const v of values) if (v !== exclude) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: FactorValue | null = null;
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return best;
}

/**
 * The value a sample of class `label` whose factor is `current` gets in its counterfactual: the
 * median (numbers; mode for categories) of the other class when the classes differ in this factor
 * (median gap > 1/4 of the 10-90% range), else the pooled decile (10% or 90%) farther from
 * `current` — a typical but different value. Null when the factor does not vary.
 */
export function counterfactualValue(
  factor: FactorName,
  current: FactorValue,
  label: 0 | 1,
  stats: FactorStats,
): FactorValue | null {
  const info = FACTOR_INFO[factor];
  const other = stats.byClass[1 - label];
  const same = stats.byClass[label];
  const pooled = [...other, ...same];
  if (pooled.length === 0) return null;
  if (info.kind === 'number' || info.kind === 'integer') {
    const nums = pooled as number[];
    const lo = quantile(nums, 0.1);
    const hi = quantile(nums, 0.9);
    const spread = hi - lo;
    if (!(spread > 0)) return null;
    let v: number;
    if (
      other.length > 0 &&
      same.length > 0 &&
      Math.abs(quantile(other as number[], 0.5) - quantile(same as number[], 0.5)) > 0.25 * spread
    ) {
      v = quantile(other as number[], 0.5);
    } else {
      v = Math.abs(hi - (current as number)) >= Math.abs((current as number) - lo) ? hi : lo;
    }
    if (info.kind === 'integer') v = Math.round(v);
    return Math.min(info.max!, Math.max(info.min!, v));
  }
  const fromOther = mode(other);
  if (fromOther !== null && fromOther !== current && fromOther !== mode(same)) return fromOther;
  return mode(pooled, current);
}

/** In words, what `counterfactualValue` sets `factor` to, per class. */
export function describeCounterfactual(factor: FactorName, stats: FactorStats): string {
  const show = (v: FactorValue | null): string =>
    v === null ? 'unchanged' : typeof v === 'number' ? String(+v.toFixed(3)) : String(v);
  const info = FACTOR_INFO[factor];
  const [s0, s1] = stats.byClass;
  if (info.kind === 'number' || info.kind === 'integer') {
    const pooled = [...s0, ...s1] as number[];
    const lo = quantile(pooled, 0.1);
    const hi = quantile(pooled, 0.9);
    if (!(hi > lo)) return `${factor}: does not vary, unchanged`;
    const m0 = quantile(s0 as number[], 0.5);
    const m1 = quantile(s1 as number[], 0.5);
    if (s0.length > 0 && s1.length > 0 && Math.abs(m1 - m0) > 0.25 * (hi - lo)) {
      return `${factor}: benign -> ${show(counterfactualValue(factor, m0, 0, stats))}, malignant -> ${show(counterfactualValue(factor, m1, 1, stats))} (other class's median)`;
    }
    return `${factor}: ${show(counterfactualValue(factor, hi, 0, stats))} or ${show(counterfactualValue(factor, lo, 0, stats))} (the 10%/90% decile farther from the nodule's value; the classes do not differ)`;
  }
  return `${factor}: the other class's most common value`;
}

/** How predictions moved between original and counterfactual samples. */
export interface FlipStats {
  n: number;
  /** Share of samples whose predicted class (P(malignant) >= threshold) changed. */
  flipRate: number;
  /** Mean change of P(malignant) toward the other class: (p' - p) for benign, (p - p') for malignant samples. */
  meanDeltaP: number;
  /** Mean |p' - p|. */
  meanAbsDeltaP: number;
  /** Share of samples whose true label (the spec's rule on the new factors) changed. */
  labelChangeRate: number;
}

/**
 * Flip statistics from P(malignant) before (`p`) and after (`pCf`), the original labels and the
 * counterfactual labels.
 */
export function flipStats(
  p: ArrayLike<number>,
  pCf: ArrayLike<number>,
  labels: ArrayLike<number>,
  cfLabels: ArrayLike<number>,
  threshold = 0.5,
): FlipStats {
  const n = p.length;
  if (n === 0 || pCf.length !== n || labels.length !== n || cfLabels.length !== n) {
    throw new Error(
      `flipStats: needs equally long non-empty arrays, got ${n}, ${pCf.length}, ${labels.length}, ${cfLabels.length}`,
    );
  }
  let flips = 0;
  let toward = 0;
  let abs = 0;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    if (p[i] >= threshold !== pCf[i] >= threshold) flips++;
    const delta = pCf[i] - p[i];
    toward += labels[i] === 1 ? -delta : delta;
    abs += Math.abs(delta);
    if (labels[i] !== cfLabels[i]) changed++;
  }
  return { n, flipRate: flips / n, meanDeltaP: toward / n, meanAbsDeltaP: abs / n, labelChangeRate: changed / n };
}
