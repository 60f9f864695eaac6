// What the calibration-ood study measures of one trained UNet3D: per-voxel logits of a set of volumes, Dice and
// HD95 (mm) per volume, calibration (ECE, MCE over the whole volume and a band around the structure, NLL, Brier,
// reliability bins) before and after a temperature fitted on validation NLL, and per-volume OOD scores (spectral
// k-NN distance of a layer's signature, 1 − mean max softmax, mean entropy, mean MC-dropout variance, mean
// variance over a deep ensemble's members).
import { Generator, Tensor, noGrad } from '@nodulab/tensor';
import { Module } from '@nodulab/nn';
import { Dataset, distortBatch } from '@nodulab/data';
import {
  CalibrationMetrics,
  ReliabilityBin,
  applyTemperature,
  argmaxClasses,
  boundaryBand,
  calibrationMetrics,
  classProbabilities,
  dice,
  ensemblePredict,
  fitTemperature,
  hd95,
  layerSignatures,
  mcDropoutPredict,
} from '@nodulab/eval';
import { yieldToEventLoop } from '@nodulab/platform';
import type { OodMethod } from './spec';

/** Volumes in memory: x (N, 1, D, H, W), their target masks (N·D·H·W; absent for OOD sets) and spacing. */
export interface VolumeSet {
  name: string;
  x: Tensor;
  masks: Uint8Array | null;
  spacing: [number, number, number];
}

/** Items 0..n-1 of `ds` as a {@link VolumeSet} (with masks when `masks`). */
export async function loadVolumes(name: string, ds: Dataset, n: number, masks: boolean): Promise<VolumeSet> {
  const first = ds.get(0);
  const [, D, H, W] = first.shape;
  const V = D * H * W;
  const x = new Float32Array(n * V);
  const m = masks ? new Uint8Array(n * V) : null;
  for (let i = 0; i < n; i++) {
    const item = ds.get(i, { mask: masks });
    x.set(item.volume, i * V);
    if (m) m.set(item.mask!, i * V);
    if (i % 8 === 7) await yieldToEventLoop();
  }
  return { name, x: new Tensor(x, [n, 1, D, H, W]), masks: m, spacing: [...ds.spacing] };
}

/** The first `n` volumes of `set`. */
export function headOf(set: VolumeSet, n: number, name = set.name): VolumeSet {
  const [N, , D, H, W] = set.x.shape;
  const k = Math.min(n, N);
  const V = D * H * W;
  return {
    name,
    x: new Tensor(set.x.data.slice(0, k * V), [k, 1, D, H, W]),
    masks: set.masks ? set.masks.slice(0, k * V) : null,
    spacing: set.spacing,
  };
}

/** Several sets of one volume shape as one (their names joined; spacing of the first). */
export function concatSets(name: string, sets: readonly VolumeSet[]): VolumeSet {
  const [, , D, H, W] = sets[0].x.shape;
  const n = sets.reduce((s, v) => s + v.x.shape[0], 0);
  const x = new Float32Array(n * D * H * W);
  const withMasks = sets.every((s) => s.masks !== null);
  const masks = withMasks ? new Uint8Array(n * D * H * W) : null;
  let at = 0;
  for (const s of sets) {
    x.set(s.x.data, at);
    if (masks) masks.set(s.masks!, at);
    at += s.x.size;
  }
  return { name, x: new Tensor(x, [n, 1, D, H, W]), masks, spacing: sets[0].spacing };
}

/** `set` with every volume distorted by `distortion` at `severity` (volume k from stream seed + 7919 k). */
export function distortSet(set: VolumeSet, distortion: string, severity: number, seed: number): VolumeSet {
  const x = distortBatch(set.x, distortion, severity, new Generator(seed), { spacing: set.spacing });
  return { name: `${distortion}-${severity}`, x, masks: null, spacing: set.spacing };
}

/** Runs `model` in eval mode without gradients on `set` in batches; returns the logits (N, 2, D, H, W). */
export async function predictLogits(model: Module, set: VolumeSet, batchSize: number): Promise<Tensor> {
  const [N, , D, H, W] = set.x.shape;
  const V = D * H * W;
  const wasTraining = model.training;
  model.eval();
  let out: Float32Array | null = null;
  let C = 0;
  try {
    for (let s = 0; s < N; s += batchSize) {
      const k = Math.min(batchSize, N - s);
      const x = new Tensor(set.x.data.subarray(s * V, (s + k) * V), [k, 1, D, H, W]);
      const y = noGrad(() => model.forward(x));
      C = y.shape[1];
      out ??= new Float32Array(N * C * V);
      out.set(y.data, s * C * V);
      await yieldToEventLoop();
    }
  } finally {
    model.train(wasTraining);
  }
  return new Tensor(out!, [N, C, D, H, W]);
}

/** Per-volume segmentation quality. */
export interface VolumeScores {
  dice: number;
  /** mm; Infinity when exactly one of prediction and truth is empty. */
  hd95: number;
  truthVoxels: number;
  predictedVoxels: number;
}

/** Calibration of a set before and after temperature scaling, over the whole volume and in the band. */
export interface CalibrationPair {
  before: CalibrationMetrics;
  after: CalibrationMetrics;
  bandBefore: CalibrationMetrics;
  bandAfter: CalibrationMetrics;
}

/** Dice and HD95 of each volume of `set` (which must have masks) from the logits. */
export function segmentationScores(logits: Tensor, set: VolumeSet): VolumeScores[] {
  const [N, C, D, H, W] = logits.shape;
  const V = D * H * W;
  const out: VolumeScores[] = [];
  for (let i = 0; i < N; i++) {
    const p = argmaxClasses(logits.data.subarray(i * C * V, (i + 1) * C * V), C, V);
    const t = set.masks!.subarray(i * V, (i + 1) * V);
    let tv = 0;
    let pv = 0;
    for (let v = 0; v < V; v++) {
      tv += t[v] ? 1 : 0;
      pv += p[v] ? 1 : 0;
    }
    out.push({
      dice: dice(p, t),
      hd95: hd95(p, t, [D, H, W], { spacing: set.spacing }),
      truthVoxels: tv,
      predictedVoxels: pv,
    });
  }
  return out;
}

/** The band of `radius` voxels around the structure of every volume of `set` (both sides of its surface). */
export function structureBand(set: VolumeSet, radius: number): Uint8Array {
  const [N, , D, H, W] = set.x.shape;
  const V = D * H * W;
  const band = new Uint8Array(N * V);
  for (let i = 0; i < N; i++) band.set(boundaryBand(set.masks!.subarray(i * V, (i + 1) * V), [D, H, W], radius), i * V);
  return band;
}

/** ECE, MCE, NLL, Brier (whole volume and band) of `logits` on `set`, as they are and divided by `temperature`. */
export function calibrationPair(
  logits: Tensor,
  set: VolumeSet,
  temperature: number,
  band: Uint8Array,
): CalibrationPair {
  const scaled = new Tensor(applyTemperature(logits.data, temperature), logits.shape);
  const p0 = classProbabilities(logits);
  const p1 = classProbabilities(scaled);
  const labels = set.masks!;
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

/** The temperature minimising the validation NLL of `logits` on `set` (its masks are the labels). */
export function fitValidationTemperature(logits: Tensor, set: VolumeSet): number {
  return fitTemperature(logits.data, logits.shape, set.masks!).temperature;
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
export type OodScores = Record<OodMethod, Float64Array>;

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
 * The OOD scores of every volume of `set` under `model`: the spectral k-NN distance of its `layer` signature,
 * 1 − the mean over voxels of the max softmax, the mean voxel entropy (nats), and the mean over voxels and
 * classes of the MC-dropout variance of the class probabilities, and the same mean of the variance over the
 * ensemble's members. Also returns the signatures.
 */
export async function oodScores(
  model: Module,
  set: VolumeSet,
  o: OodScoreOptions,
): Promise<{ scores: OodScores; signatures: Float32Array[] }> {
  const [N, , D, H, W] = set.x.shape;
  const V = D * H * W;
  const scores: OodScores = {
    spectral: new Float64Array(N),
    'max-softmax': new Float64Array(N),
    entropy: new Float64Array(N),
    'mc-dropout': new Float64Array(N),
    ensemble: new Float64Array(N),
  };
  const signatures: Float32Array[] = [];
  for (let s = 0; s < N; s += o.batchSize) {
    const k = Math.min(o.batchSize, N - s);
    const x = new Tensor(set.x.data.subarray(s * V, (s + k) * V), [k, 1, D, H, W]);
    const sig = layerSignatures(model, x, o.layer);
    signatures.push(...sig);
    scores.spectral.set(o.knn.scoreAll(sig), s);
    const logits = await predictLogits(model, { ...set, x, masks: null }, k);
    const p = classProbabilities(logits);
    const C = p.shape[1];
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
      scores['max-softmax'][s + i] = 1 - maxSum / V;
      scores.entropy[s + i] = entSum / V;
    }
    const meanVariance = (variance: Float32Array, into: Float64Array) => {
      for (let i = 0; i < k; i++) {
        let sum = 0;
        for (let j = i * C * V; j < (i + 1) * C * V; j++) sum += variance[j];
        into[s + i] = sum / (C * V);
      }
    };
    meanVariance(mcDropoutPredict(model, x, { samples: o.mcSamples }).variance.data, scores['mc-dropout']);
    meanVariance(ensemblePredict(o.ensemble, x).variance.data, scores.ensemble);
    await yieldToEventLoop();
  }
  return { scores, signatures };
}

/** Signatures of `layer` for every volume of `set`, in batches. */
export async function setSignatures(model: Module, set: VolumeSet, layer: string, batchSize: number) {
  const [N, , D, H, W] = set.x.shape;
  const V = D * H * W;
  const out: Float32Array[] = [];
  for (let s = 0; s < N; s += batchSize) {
    const k = Math.min(batchSize, N - s);
    out.push(...layerSignatures(model, new Tensor(set.x.data.subarray(s * V, (s + k) * V), [k, 1, D, H, W]), layer));
    await yieldToEventLoop();
  }
  return out;
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
