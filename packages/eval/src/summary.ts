// Summaries over repeated runs (seeds): mean, sample standard deviation and the Student-t confidence
// interval of the mean, per metric, and of paired per-seed differences between two arms.
import { studentTQuantile } from './student_t';

/** A metric's mean over runs with its confidence interval. */
export interface MeanCI {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); NaN for one run. */
  std: number;
  /** The interval mean ± halfWidth; NaN bounds for a single run. */
  lower: number;
  upper: number;
  halfWidth: number;
  /** The confidence level, e.g. 0.95. */
  level: number;
}

function checkValues(what: string, values: ArrayLike<number>): void {
  if (!values || values.length === 0) throw new Error(`${what}: no values`);
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i])) throw new Error(`${what}: values[${i}] = ${values[i]} is not finite`);
}

/** The arithmetic mean. */
export function mean(values: ArrayLike<number>): number {
  checkValues('mean', values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** The sample standard deviation (Bessel-corrected); NaN for a single value. */
export function sampleStd(values: ArrayLike<number>): number {
  const m = mean(values);
  if (values.length < 2) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

/**
 * Mean and `level` (default 0.95) confidence interval over runs, e.g. a metric over seeds:
 * mean ± t_{(1+level)/2, n-1} · std / sqrt(n) (Student t, since the std is estimated from n runs).
 */
export function meanCI(values: ArrayLike<number>, level = 0.95): MeanCI {
  if (!(level > 0 && level < 1)) throw new Error(`meanCI: level must be in (0, 1), got ${level}`);
  const m = mean(values);
  const n = values.length;
  const std = sampleStd(values);
  const halfWidth = n < 2 ? NaN : (studentTQuantile((1 + level) / 2, n - 1) * std) / Math.sqrt(n);
  return { n, mean: m, std, lower: m - halfWidth, upper: m + halfWidth, halfWidth, level };
}

/**
 * The paired difference a - b over runs that share a seed (a[i] and b[i] come from seed i): the mean
 * and `level` confidence interval of the per-seed differences (Student t on n - 1 degrees of freedom).
 * Pairing removes what the two share (the seed's data draw), so the interval is narrower than that of
 * two independent means whenever their runs are positively correlated.
 */
export function pairedDifference(a: ArrayLike<number>, b: ArrayLike<number>, level = 0.95): MeanCI {
  if (a.length !== b.length)
    throw new Error(`pairedDifference: ${a.length} values against ${b.length}; each seed needs one of each`);
  return meanCI(
    Array.from({ length: a.length }, (_, i) => a[i] - b[i]),
    level,
  );
}

/**
 * meanCI of every numeric field across runs: runs [{accuracy: .8, auroc: .9}, ...] ->
 * {accuracy: MeanCI, auroc: MeanCI}. Fields missing from or non-numeric in any run are skipped.
 */
export function summarizeRuns<K extends string>(
  runs: readonly Partial<Record<K, unknown>>[],
  level = 0.95,
): Record<K, MeanCI> {
  if (runs.length === 0) throw new Error('summarizeRuns: no runs');
  const out = {} as Record<K, MeanCI>;
  for (const key of Object.keys(runs[0]) as K[]) {
    const vals = runs.map((r) => r[key]);
    if (vals.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) out[key] = meanCI(vals, level);
  }
  return out;
}
