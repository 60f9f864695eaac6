// The statistics of one paired comparison: mean and SD of per-seed differences, the two-sided CI at a
// level, the equivalence CI, and the seeds needed for a given power (Student t on n − 1 degrees of freedom).
import { studentTCdf, studentTQuantile } from '@nodulab/eval';

/** Mean, SD (n − 1) and count of the finite values. */
export function describe(values: readonly number[]): {
  n: number;
  missing: number;
  mean: number | null;
  sd: number | null;
} {
  const ok = values.filter(Number.isFinite);
  const n = ok.length;
  if (n === 0) return { n, missing: values.length, mean: null, sd: null };
  const mean = ok.reduce((a, b) => a + b, 0) / n;
  const sd = n < 2 ? null : Math.sqrt(ok.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { n, missing: values.length - n, mean, sd };
}

const quantiles = new Map<string, number>();

/** Student t quantiles, memoized: the engine asks for the same few (p, df) pairs again and again. */
function tQuantile(p: number, df: number): number {
  const key = `${p}/${df}`;
  let q = quantiles.get(key);
  if (q === undefined) {
    q = studentTQuantile(p, df);
    if (quantiles.size > 4096) quantiles.clear();
    quantiles.set(key, q);
  }
  return q;
}

/** Whether a sample SD is zero up to rounding (identical values whose mean is not exact in binary). */
export const isZeroSd = (sd: number, mean: number): boolean => sd <= 1e-12 * Math.max(1, Math.abs(mean));

/** mean ± t_{1 − α/2, n − 1} · sd / √n: the two-sided (1 − α) CI. */
export function tInterval(mean: number, sd: number, n: number, alpha: number): [number, number] {
  const h = (tQuantile(1 - alpha / 2, n - 1) * sd) / Math.sqrt(n);
  return [mean - h, mean + h];
}

/**
 * Power of the two-sided level-α paired t-test to find a true mean difference `effect` in the claimed
 * direction with SD `sd` over n seeds (the usual shifted-t approximation of the noncentral t).
 */
export function pairedPower(effect: number, sd: number, n: number, alpha: number): number {
  if (n < 2) return 0;
  const df = n - 1;
  const delta = (Math.abs(effect) * Math.sqrt(n)) / sd;
  return 1 - studentTCdf(tQuantile(1 - alpha / 2, df) - delta, df);
}

/** The most seeds seedsForPower plans for; beyond it the count is null. */
export const MAX_SEEDS_PLANNED = 1000;

/** The fewest seeds (2..max) giving `power` at `effect`; null when even `max` does not, or without an SD. */
export function seedsForPower(
  effect: number,
  sd: number | null,
  alpha: number,
  power = 0.8,
  max = MAX_SEEDS_PLANNED,
): number | null {
  if (sd === null || !Number.isFinite(sd) || !(effect > 0)) return null;
  if (sd === 0) return 2;
  // The power grows with n: double until it is reached, then bisect.
  let hi = 2;
  while (hi <= max && pairedPower(effect, sd, hi, alpha) < power) hi *= 2;
  if (hi > max)
    return pairedPower(effect, sd, max, alpha) >= power ? bisect(effect, sd, alpha, power, hi / 2, max) : null;
  return hi === 2 ? 2 : bisect(effect, sd, alpha, power, hi / 2, hi);
}

/** The fewest n in (lo, hi] with the power reached, given it is not at lo and is at hi. */
function bisect(effect: number, sd: number, alpha: number, power: number, lo: number, hi: number): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (pairedPower(effect, sd, mid, alpha) >= power) hi = mid;
    else lo = mid;
  }
  return hi;
}
