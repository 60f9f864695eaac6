// Temperature scaling (Guo et al. 2017): one scalar T > 0 dividing every logit, fitted to minimise the
// validation negative log-likelihood, then applied to test logits. Calibrates without changing any
// prediction's most probable class.
import { classLayout } from './class_layout';

/** Options of {@link fitTemperature}. */
export interface FitTemperatureOptions {
  /** Fit only on predictions where mask (N, ...spatial) is non-zero. */
  mask?: ArrayLike<number>;
  /** The range searched for T; default [0.01, 100]. A fit at an end of it sets `atBound`. */
  range?: [number, number];
}

/** What {@link fitTemperature} returns. */
export interface TemperatureFit {
  /** The fitted temperature T > 0: calibrated logits are logits / T. */
  temperature: number;
  /** Mean NLL of the logits as they are (T = 1). */
  nllBefore: number;
  /** Mean NLL of logits / T. */
  nllAfter: number;
  /** Newton / bisection steps taken. */
  iterations: number;
  /** True when the optimum lies at an end of the searched range (e.g. perfectly separable data). */
  atBound: boolean;
}

/** NLL(β) = mean[logsumexp(β z) − β z_label], its first and second derivatives in β = 1/T, over the selection. */
function nllAndDerivatives(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  N: number,
  C: number,
  S: number,
  beta: number,
  mask: ArrayLike<number> | undefined,
): { f: number; g: number; h: number } {
  let f = 0;
  let g = 0;
  let h = 0;
  let count = 0;
  for (let s = 0; s < N; s++) {
    const base = s * C * S;
    for (let v = 0; v < S; v++) {
      const at = s * S + v;
      if (mask && !mask[at]) continue;
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, beta * logits[base + c * S + v]);
      let sum = 0;
      let ez = 0;
      let ez2 = 0;
      for (let c = 0; c < C; c++) {
        const z = logits[base + c * S + v];
        const e = Math.exp(beta * z - max);
        sum += e;
        ez += e * z;
        ez2 += e * z * z;
      }
      const zy = logits[base + labels[at] * S + v];
      const mean = ez / sum;
      f += max + Math.log(sum) - beta * zy;
      g += mean - zy;
      h += Math.max(0, ez2 / sum - mean * mean);
      count++;
    }
  }
  return { f: f / count, g: g / count, h: h / count };
}

/**
 * Fits the temperature T of logits (N, C, ...spatial) — per-sample (N, C) or per-voxel (N, C, D, H, W) —
 * minimising the mean NLL of softmax(logits / T) against `labels` (N, ...spatial), like the
 * `ModelWithTemperature` recipe for PyTorch. NLL is convex in 1/T, so a safeguarded Newton search on
 * 1/T (bisection when a Newton step leaves the bracket) finds the global minimum. Throws naming the input
 * on a shape mismatch, a non-finite logit, a label that is not a class, or an empty mask.
 *
 * @example
 * const { temperature } = fitTemperature(valLogits, [n, 2], valLabels);
 * const calibrated = applyTemperature(testLogits, temperature);
 */
export function fitTemperature(
  logits: ArrayLike<number>,
  shape: readonly number[],
  labels: ArrayLike<number>,
  options: FitTemperatureOptions = {},
): TemperatureFit {
  const what = 'fitTemperature';
  const { mask } = options;
  const [tMin, tMax] = options.range ?? [0.01, 100];
  if (!(tMin > 0 && tMax > tMin && Number.isFinite(tMax)))
    throw new Error(`${what}: range must be [min, max] with 0 < min < max, got [${tMin}, ${tMax}]`);
  const { n: N, classes: C, spatial: S } = classLayout(what, 'logits', shape, logits.length, labels, mask);
  for (let i = 0; i < logits.length; i++)
    if (!Number.isFinite(logits[i])) throw new Error(`${what}: logits[${i}] = ${logits[i]} is not finite`);
  if (mask) {
    let any = false;
    for (let i = 0; i < mask.length && !any; i++) any = !!mask[i];
    if (!any) throw new Error(`${what}: the mask selects no predictions (all ${mask.length} are masked out)`);
  }
  const at = (beta: number) => nllAndDerivatives(logits, labels, N, C, S, beta, mask);
  const nllBefore = at(1).f;
  let lo = 1 / tMax;
  let hi = 1 / tMin;
  let iterations = 0;
  let beta: number;
  let atBound = false;
  if (at(lo).g >= 0) {
    beta = lo;
    atBound = true;
  } else if (at(hi).g <= 0) {
    beta = hi;
    atBound = true;
  } else {
    beta = Math.min(Math.max(1, lo), hi);
    // The bracket [lo, hi] always holds the root of the derivative g; stop at a root or a tiny bracket.
    for (; iterations < 200; iterations++) {
      const { g, h } = at(beta);
      if (Math.abs(g) < 1e-12) break;
      if (g > 0) hi = beta;
      else lo = beta;
      if (hi - lo <= 1e-12 * beta) break;
      const newton = beta - g / h;
      beta = h > 0 && newton > lo && newton < hi ? newton : (lo + hi) / 2;
    }
  }
  return { temperature: 1 / beta, nllBefore, nllAfter: at(beta).f, iterations, atBound };
}

/** logits / temperature as a new Float32Array (any layout): softmax of it gives the calibrated probabilities. */
export function applyTemperature(logits: ArrayLike<number>, temperature: number): Float32Array {
  if (!(temperature > 0 && Number.isFinite(temperature)))
    throw new Error(`applyTemperature: temperature must be a finite number > 0, got ${temperature}`);
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] / temperature;
  return out;
}
