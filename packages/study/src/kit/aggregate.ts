// Aggregation over seeds: each metric's mean and Student-t 95% confidence interval (@nodulab/eval's
// meanCI), from per-run values; non-finite values (a probe on a constant factor) are left out.
import { MeanCI, meanCI } from '@nodulab/eval';

/** A metric over seeds; null bounds where there are fewer than two finite values. */
export interface Aggregate {
  n: number;
  mean: number | null;
  std: number | null;
  lower: number | null;
  upper: number | null;
  halfWidth: number | null;
  /** The per-seed values, in seed order (null where not finite). */
  values: (number | null)[];
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Mean and 95% CI of `values` (one per seed). */
export function aggregate(values: readonly number[], level = 0.95): Aggregate {
  const ok = values.filter((v) => Number.isFinite(v));
  const all = values.map(finiteOrNull);
  if (ok.length === 0) return { n: 0, mean: null, std: null, lower: null, upper: null, halfWidth: null, values: all };
  const m: MeanCI = meanCI(ok, level);
  return {
    n: m.n,
    mean: m.mean,
    std: finiteOrNull(m.std),
    lower: finiteOrNull(m.lower),
    upper: finiteOrNull(m.upper),
    halfWidth: finiteOrNull(m.halfWidth),
    values: all,
  };
}

/** aggregate() of every numeric field of `key(run)` across runs: {field: Aggregate}. */
export function aggregateFields<R>(
  runs: readonly R[],
  pick: (run: R) => Record<string, number> | undefined,
): Record<string, Aggregate> {
  const fields = new Set<string>();
  for (const r of runs) for (const k of Object.keys(pick(r) ?? {})) fields.add(k);
  const out: Record<string, Aggregate> = {};
  for (const f of fields) out[f] = aggregate(runs.map((r) => pick(r)?.[f] ?? NaN));
  return out;
}

/** The mean of the finite values, or NaN when there are none (an empty subgroup, a failed measure). */
export function finiteMean(values: readonly number[]): number {
  const ok = values.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}
