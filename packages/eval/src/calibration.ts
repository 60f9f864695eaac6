// Calibration metrics of class probabilities (per sample or per voxel): expected and maximum calibration
// error over equal-width confidence bins (ECE, MCE), negative log-likelihood, Brier score, and the
// reliability-diagram data (per bin: confidence, accuracy, count), optionally inside a mask.
import { classLayout } from './class_layout';

/** The number of equal-width confidence bins nodulab uses for ECE, MCE and reliability diagrams. */
export const CALIBRATION_BINS = 15;

/** One bin of a reliability diagram: predictions whose confidence lies in (lower, upper]. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  /** Predictions in the bin. */
  count: number;
  /** Mean confidence (max class probability) of its predictions; NaN when empty. */
  confidence: number;
  /** Fraction of its predictions whose most probable class is the label; NaN when empty. */
  accuracy: number;
}

/** What {@link calibrationMetrics} returns. */
export interface CalibrationMetrics {
  /** Predictions counted (voxels inside the mask, or all). */
  n: number;
  /** Expected calibration error: Σ_b (n_b / n) |accuracy_b − confidence_b|. */
  ece: number;
  /** Maximum calibration error: max over non-empty bins of |accuracy_b − confidence_b|. */
  mce: number;
  /** Mean negative log-likelihood −log p(label) (natural log; p clamped at 1e-12). */
  nll: number;
  /** Mean multi-class Brier score Σ_c (p_c − [c = label])², in [0, 2]. */
  brier: number;
  /** Accuracy of the most probable class. */
  accuracy: number;
  /** The reliability diagram: one entry per bin, empty bins included. */
  bins: ReliabilityBin[];
}

/** Options of {@link calibrationMetrics}. */
export interface CalibrationOptions {
  /**
   * Count only predictions where mask (N, ...spatial) is non-zero, e.g. a band around a structure
   * ({@link dilate3d}, {@link boundaryBand}).
   */
  mask?: ArrayLike<number>;
  /** Equal-width confidence bins over [0, 1]; default {@link CALIBRATION_BINS} (15). */
  bins?: number;
}

/**
 * ECE, MCE, NLL, Brier score and the reliability diagram of class probabilities `probs` of shape
 * (N, C, ...spatial) — per-sample (N, C) or per-voxel (N, C, D, H, W), as softmax over dim 1 gives them
 * ({@link classProbabilities}) — against `labels` (N, ...spatial). The confidence of a prediction is its
 * largest probability and it is correct when that class (the first, on ties) is the label; a prediction
 * goes to bin b when its confidence lies in (b/B, (b+1)/B] (confidence 0 in bin 0), as in Guo et al. 2017.
 * Throws naming the input on a shape mismatch, a probability outside [0, 1] or NaN, a label that is not a
 * class, or a mask that leaves nothing to count.
 *
 * @example
 * const m = calibrationMetrics(classProbabilities(logits).data, logits.shape, labels);
 * console.log(m.ece, m.bins.map((b) => [b.confidence, b.accuracy]));
 */
export function calibrationMetrics(
  probs: ArrayLike<number>,
  shape: readonly number[],
  labels: ArrayLike<number>,
  options: CalibrationOptions = {},
): CalibrationMetrics {
  const what = 'calibrationMetrics';
  const { mask } = options;
  const B = options.bins ?? CALIBRATION_BINS;
  if (!Number.isInteger(B) || B < 1) throw new Error(`${what}: bins must be a positive integer, got ${B}`);
  const { n: N, classes: C, spatial: S } = classLayout(what, 'probs', shape, probs.length, labels, mask);
  const count = new Float64Array(B);
  const confSum = new Float64Array(B);
  const correctSum = new Float64Array(B);
  let n = 0;
  let nll = 0;
  let brier = 0;
  let correct = 0;
  for (let s = 0; s < N; s++) {
    const base = s * C * S;
    for (let v = 0; v < S; v++) {
      const at = s * S + v;
      if (mask && !mask[at]) continue;
      const label = labels[at];
      let best = 0;
      let bestP = -1;
      let sq = 0;
      for (let c = 0; c < C; c++) {
        const p = probs[base + c * S + v];
        if (!(p >= 0 && p <= 1))
          throw new Error(`${what}: probs[${base + c * S + v}] = ${p} is not a probability in [0, 1]`);
        if (p > bestP) {
          bestP = p;
          best = c;
        }
        const d = p - (c === label ? 1 : 0);
        sq += d * d;
      }
      const pLabel = probs[base + label * S + v];
      nll -= Math.log(Math.max(pLabel, 1e-12));
      brier += sq;
      const b = Math.min(B - 1, Math.max(0, Math.ceil(bestP * B) - 1));
      count[b] += 1;
      confSum[b] += bestP;
      const ok = best === label ? 1 : 0;
      correctSum[b] += ok;
      correct += ok;
      n++;
    }
  }
  if (n === 0) throw new Error(`${what}: the mask selects no predictions (all ${labels.length} are masked out)`);
  const bins: ReliabilityBin[] = [];
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < B; b++) {
    const k = count[b];
    const confidence = k > 0 ? confSum[b] / k : NaN;
    const accuracy = k > 0 ? correctSum[b] / k : NaN;
    if (k > 0) {
      const gap = Math.abs(accuracy - confidence);
      ece += (k / n) * gap;
      mce = Math.max(mce, gap);
    }
    bins.push({ lower: b / B, upper: (b + 1) / B, count: k, confidence, accuracy });
  }
  return { n, ece, mce, nll: nll / n, brier: brier / n, accuracy: correct / n, bins };
}
