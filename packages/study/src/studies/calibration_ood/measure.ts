// What the calibration-ood study measures of one trained UNet3D, read through @nodulab/eval's one evaluate path
// and its one batcher (datasetBatches): per-voxel logits of a set with each volume's Dice and HD95 (mm),
// calibration (ECE, MCE over the whole volume and a band around the structure, NLL, Brier, reliability bins)
// before and after a temperature fitted on validation NLL, and per-volume OOD scores (spectral k-NN distance of a
// layer's signature, 1 − mean max softmax, mean entropy, mean MC-dropout variance, mean variance over a deep
// ensemble's members).
import { Tensor } from '@nodulab/tensor';
import { Module } from '@nodulab/nn';
import { Dataset } from '@nodulab/data';
import {
  CalibrationMetrics,
  Predictor,
  ReliabilityBin,
  SegmentationEvaluation,
  applyTemperature,
  argmaxClasses,
  boundaryBand,
  calibrationMetrics,
  classProbabilities,
  datasetBatches,
  ensemblePredict,
  evaluate,
  fitTemperature,
  layerSignatures,
  mcDropoutPredict,
} from '@nodulab/eval';
import type { OodMethod } from './results';

/** A segmentation model's evaluation on a set, with its logits (N, C, D, H, W) and the true masks (N·D·H·W). */
export interface Segmented {
  evaluation: SegmentationEvaluation;
  logits: Tensor;
  masks: Uint8Array;
}

/** Evaluates `predictor` on `ds` (which must have masks) in batches, keeping the logits and masks. */
export async function segment(predictor: Predictor, ds: Dataset, batchSize: number): Promise<Segmented> {
  const logits: Float32Array[] = [];
  const masks: ArrayLike<number>[] = [];
  let C = 0;
  const evaluation = (await evaluate(predictor, datasetBatches(ds, batchSize, { masks: true }), {
    onOutput: (y, b) => {
      C = y.shape[1];
      logits.push(y.data.slice());
      masks.push(...b.masks!);
    },
  })) as SegmentationEvaluation;
  const V = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const all = new Float32Array(ds.length * C * V);
  logits.reduce((at, l) => (all.set(l, at), at + l.length), 0);
  const m = new Uint8Array(ds.length * V);
  masks.forEach((x, i) => m.set(x, i * V));
  return { evaluation, logits: new Tensor(all, [ds.length, C, ...ds.shape]), masks: m };
}

/** Voxels of the structure (truth) and of its prediction (arg-max of the logits), per volume. */
export function voxelCounts(s: Segmented): { truth: number; predicted: number }[] {
  const [N, C, D, H, W] = s.logits.shape;
  const V = D * H * W;
  return Array.from({ length: N }, (_, i) => {
    const p = argmaxClasses(s.logits.data.subarray(i * C * V, (i + 1) * C * V), C, V);
    let truth = 0;
    let predicted = 0;
    for (let v = 0; v < V; v++) {
      truth += s.masks[i * V + v] ? 1 : 0;
      predicted += p[v] ? 1 : 0;
    }
    return { truth, predicted };
  });
}

/** Calibration of a set before and after temperature scaling, over the whole volume and in the band. */
export interface CalibrationPair {
  before: CalibrationMetrics;
  after: CalibrationMetrics;
  bandBefore: CalibrationMetrics;
  bandAfter: CalibrationMetrics;
}

/** The band of `radius` voxels around the structure of every volume of `masks` (both sides of its surface). */
export function structureBand(masks: Uint8Array, shape: [number, number, number], radius: number): Uint8Array {
  const V = shape[0] * shape[1] * shape[2];
  const band = new Uint8Array(masks.length);
  for (let i = 0; i < masks.length / V; i++)
    band.set(boundaryBand(masks.subarray(i * V, (i + 1) * V), shape, radius), i * V);
  return band;
}

/** ECE, MCE, NLL, Brier (whole volume and band) of `logits`, as they are and divided by `temperature`. */
export function calibrationPair(
  logits: Tensor,
  labels: Uint8Array,
  temperature: number,
  band: Uint8Array,
): CalibrationPair {
  const scaled = new Tensor(applyTemperature(logits.data, temperature), logits.shape);
  const p0 = classProbabilities(logits);
  const p1 = classProbabilities(scaled);
  // A band can be empty only when no volume holds the structure; then the band metrics are those of nothing.
  const anyBand = band.some((v) => v !== 0);
  const inBand = (p: Tensor) =>
    anyBand ? calibrationMetrics(p.data, p.shape, labels, { mask: band }) : emptyMetrics();
  return {
    before: calibrationMetrics(p0.data, p0.shape, labels),
    after: calibrationMetrics(p1.data, p1.shape, labels),
    bandBefore: inBand(p0),
    bandAfter: inBand(p1),
  };
}

function emptyMetrics(): CalibrationMetrics {
  return { n: 0, ece: NaN, mce: NaN, nll: NaN, brier: NaN, accuracy: NaN, bins: [] };
}

/** The temperature minimising the validation NLL of `logits` against `labels`. */
export function fitValidationTemperature(logits: Tensor, labels: Uint8Array): number {
  return fitTemperature(logits.data, logits.shape, labels).temperature;
}

/**
 * Reliability bins summed over several diagrams of one binning: each bin's count, and its confidence and
 * accuracy as count-weighted means (NaN when empty).
 */
export function poolBins(diagrams: readonly ReliabilityBin[][]): ReliabilityBin[] {
  const withBins = diagrams.filter((d) => d.length > 0);
  if (withBins.length === 0) return [];
  return withBins[0].map((b, k) => {
    let count = 0;
    let conf = 0;
    let acc = 0;
    for (const d of withBins) {
      const x = d[k];
      if (x.count === 0) continue;
      count += x.count;
      conf += x.count * x.confidence;
      acc += x.count * x.accuracy;
    }
    return {
      lower: b.lower,
      upper: b.upper,
      count,
      confidence: count ? conf / count : NaN,
      accuracy: count ? acc / count : NaN,
    };
  });
}

/** Per-volume OOD scores of one set by each method; higher = more out-of-distribution. */
export type OodScores = Record<OodMethod, number[]>;

/** Options of {@link oodScores}. */
export interface OodScoreOptions {
  /** The layer the spectral signature taps, and the k-NN scorer over the training signatures. */
  layer: string;
  knn: { scoreAll(q: readonly ArrayLike<number>[]): Float64Array };
  mcSamples: number;
  /** The deep ensemble whose members' disagreement is the 'ensemble' score (one member: the constant 0). */
  ensemble: readonly Module[];
  batchSize: number;
}

/**
 * The OOD scores of every volume of `ds` under `model` (its logits from `predictor`): the spectral k-NN distance
 * of its `layer` signature, 1 − the mean over voxels of the max softmax, the mean voxel entropy (nats), the mean
 * over voxels and classes of the MC-dropout variance of the class probabilities, and the same mean of the
 * variance over the ensemble's members. Also returns the signatures.
 */
export async function oodScores(
  model: Module,
  predictor: Predictor,
  ds: Dataset,
  o: OodScoreOptions,
): Promise<{ scores: OodScores; signatures: Float32Array[] }> {
  const scores: OodScores = { spectral: [], 'max-softmax': [], entropy: [], 'mc-dropout': [], ensemble: [] };
  const signatures: Float32Array[] = [];
  for (const b of datasetBatches(ds, o.batchSize)) {
    const x = b.x as Tensor;
    const sig = layerSignatures(model, x, o.layer);
    signatures.push(...sig);
    scores.spectral.push(...o.knn.scoreAll(sig));
    const p = classProbabilities(await predictor.predict(x));
    const [k, C] = p.shape;
    const V = p.size / (k * C);
    for (let i = 0; i < k; i++) {
      let maxSum = 0;
      let entSum = 0;
      for (let v = 0; v < V; v++) {
        let best = 0;
        let ent = 0;
        for (let c = 0; c < C; c++) {
          const q = p.data[(i * C + c) * V + v];
          if (q > best) best = q;
          if (q > 0) ent -= q * Math.log(q);
        }
        maxSum += best;
        entSum += ent;
      }
      scores['max-softmax'].push(1 - maxSum / V);
      scores.entropy.push(entSum / V);
    }
    const meanVariance = (variance: Float32Array, into: number[]) => {
      for (let i = 0; i < k; i++) {
        let sum = 0;
        for (let j = i * C * V; j < (i + 1) * C * V; j++) sum += variance[j];
        into.push(sum / (C * V));
      }
    };
    meanVariance(mcDropoutPredict(model, x, { samples: o.mcSamples }).variance.data, scores['mc-dropout']);
    meanVariance(ensemblePredict(o.ensemble, x).variance.data, scores.ensemble);
  }
  return { scores, signatures };
}

/**
 * Leave-one-out 1-nearest-neighbour accuracy of telling each signature's dataset from the others' signatures
 * (Euclidean): how well the signatures separate the datasets (chance: the largest group's share).
 */
export function nearestNeighbourAccuracy(signatures: readonly ArrayLike<number>[], groups: readonly number[]): number {
  let correct = 0;
  for (let i = 0; i < signatures.length; i++) {
    let best = Infinity;
    let who = -1;
    for (let j = 0; j < signatures.length; j++) {
      if (j === i) continue;
      let d = 0;
      for (let t = 0; t < signatures[i].length; t++) d += (signatures[i][t] - signatures[j][t]) ** 2;
      if (d < best) {
        best = d;
        who = j;
      }
    }
    if (who >= 0 && groups[who] === groups[i]) correct++;
  }
  return correct / signatures.length;
}
