// A proportion with its confidence interval (Wilson score interval): rates such as a subgroup's share of
// hard-to-learn samples, which stay inside [0, 1] and behave at 0 and n successes, unlike mean ± t·se.
import { studentTQuantile } from './student_t';

/** A proportion successes / n with its Wilson score interval. */
export interface ProportionCI {
  n: number;
  successes: number;
  rate: number;
  lower: number;
  upper: number;
  level: number;
}

/**
 * The Wilson score interval of successes out of n (like statsmodels' `proportion_confint(method='wilson')`):
 * centre (p + z²/2n) / (1 + z²/n), half-width z √(p(1-p)/n + z²/4n²) / (1 + z²/n), z the normal quantile
 * of (1 + level) / 2. Throws on n < 1, successes outside [0, n] or a level outside (0, 1).
 */
export function proportionCI(successes: number, n: number, level = 0.95): ProportionCI {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`proportionCI: n must be an integer >= 1, got ${n}`);
  if (!Number.isSafeInteger(successes) || successes < 0 || successes > n)
    throw new Error(`proportionCI: successes must be an integer in [0, ${n}], got ${successes}`);
  if (!(level > 0 && level < 1)) throw new Error(`proportionCI: level must be in (0, 1), got ${level}`);
  const z = studentTQuantile((1 + level) / 2, 1e9); // Student's t at 1e9 degrees of freedom is the normal
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return {
    n,
    successes,
    rate: p,
    lower: Math.max(0, centre - half),
    upper: Math.min(1, centre + half),
    level,
  };
}
