// Choosing the spectral OOD detector on validation data, never on a test or OOD set: for each candidate layer and k
// (spec.layers × spec.ks), the k-NN distance of a model's validation volumes to its training signatures is compared
// with the distance of the same validation volumes with their voxels shuffled (the same intensities, no anatomy), and
// the candidate with the highest AUROC wins (ties: the earlier candidate, so the spec's order states the preference).
// The shuffled volumes are a synthetic outlier set of their own: none of the study's OOD sets (uniform noise, an
// unseen preset, empty volumes, the scanner shift, the distortions) is drawn from them.
import { Dataset, InMemoryDataset, randperm } from '@nodulab/data';
import { KnnScorer, datasetBatches, layersSignatures, oodMetrics } from '@nodulab/eval';
import type { Module } from '@nodulab/nn';
import { Generator, Tensor } from '@nodulab/tensor';
import type { DetectorCandidate, DetectorChoice } from './results';

/** The random stream of seed `seed`'s voxel shuffles (apart from every dataset seed, 1000 + 10 s + k). */
export const shuffleStream = (seed: number): number => 9_000_000 + seed;

/**
 * `ds` with the voxels of each volume permuted (one `randperm` per volume, the same across its channels), drawn
 * from `g`: every volume keeps its intensity histogram and loses its anatomy.
 */
export function voxelShuffledSet(ds: InMemoryDataset, g: Generator): InMemoryDataset {
  const C = ds.channels;
  const V = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const volumes = new Float32Array(ds.volumes.length);
  for (let n = 0; n < ds.length; n++) {
    const order = randperm(V, g);
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * V;
      for (let v = 0; v < V; v++) volumes[base + v] = ds.volumes[base + order[v]];
    }
  }
  return new InMemoryDataset({
    name: `${ds.name}:voxel-shuffled`,
    shape: ds.shape,
    spacing: ds.spacing,
    channels: C,
    volumes,
    labels: ds.labels.slice(),
  });
}

/** Signatures of every layer of `layers` for every volume of `sets`, in order: layer -> one per volume. */
export function setLayerSignatures(
  model: Module,
  sets: readonly Dataset[],
  layers: readonly string[],
  batchSize: number,
): Record<string, Float32Array[]> {
  const out: Record<string, Float32Array[]> = Object.fromEntries(layers.map((l) => [l, []]));
  for (const ds of sets)
    for (const b of datasetBatches(ds, batchSize)) {
      const sig = layersSignatures(model, b.x as Tensor, layers);
      for (const l of layers) out[l].push(...sig[l]);
    }
  return out;
}

/** A candidate's AUROC for ranking: an undefined one (NaN) ranks last. */
const rank = (auroc: number): number => (Number.isNaN(auroc) ? -Infinity : auroc);

/** Signatures of `layer` for every volume of `ds`. */
export function setSignatures(model: Module, ds: Dataset, layer: string, batchSize: number): Float32Array[] {
  return setLayerSignatures(model, [ds], [layer], batchSize)[layer];
}

/** The chosen detector and what it was chosen from. */
export interface ChosenDetector {
  choice: DetectorChoice;
  /** The chosen layer's training signatures and its k-NN scorer. */
  trainSignatures: Float32Array[];
  knn: KnnScorer;
}

/**
 * Chooses the spectral detector of `model` (see the file header) from its training signatures (`train`, every
 * candidate layer's, as {@link setLayerSignatures} gives them) and its validation sets `val` (each of its presets');
 * the shuffles of study seed `seed` draw from Generator(shuffleStream(seed)), set after set. Throws when a k exceeds
 * the training signatures.
 */
export function chooseDetector(
  model: Module,
  train: Record<string, Float32Array[]>,
  val: readonly InMemoryDataset[],
  candidates: { layers: readonly string[]; ks: readonly number[] },
  seed: number,
  batchSize: number,
): ChosenDetector {
  const { layers, ks } = candidates;
  const g = new Generator(shuffleStream(seed));
  const shuffled = val.map((ds) => voxelShuffledSet(ds, g));
  const inSig = setLayerSignatures(model, val, layers, batchSize);
  const outSig = setLayerSignatures(model, shuffled, layers, batchSize);
  const weighed: DetectorCandidate[] = [];
  let best: { candidate: DetectorCandidate; knn: KnnScorer } | null = null;
  for (const layer of layers)
    for (const k of ks) {
      const knn = new KnnScorer(train[layer], { k });
      const auroc = oodMetrics(knn.scoreAll(inSig[layer]), knn.scoreAll(outSig[layer])).auroc;
      const candidate = { layer, k, auroc };
      weighed.push(candidate);
      if (!best || rank(auroc) > rank(best.candidate.auroc)) best = { candidate, knn };
    }
  if (!best) throw new Error('chooseDetector: no candidate layer and k');
  const { layer, k, auroc } = best.candidate;
  return {
    choice: { layer, k, validationAuroc: auroc, candidates: weighed },
    trainSignatures: train[layer],
    knn: best.knn,
  };
}
