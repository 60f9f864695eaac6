// Pruning-identified exemplars (Hooker et al. 2019, "What do compressed deep neural networks forget?"):
// per sample, the modal class of a population of dense models against that of pruned models at each
// sparsity (classification), and the divergence 1 - IoU between the populations' mean boxes (localization).
import { Box3d, boxIoU, meanBox } from '@nodulab/eval';

/** The predictions of the models pruned to one sparsity: one entry per model, each covering every sample. */
export interface PrunedPopulation<P> {
  sparsity: number;
  models: readonly P[];
}

/** Inputs of {@link classificationPie}: predicted classes per model, each of length N samples. */
export interface PieInput {
  dense: readonly ArrayLike<number>[];
  pruned: readonly PrunedPopulation<ArrayLike<number>>[];
  /** The fewest models a population may have (default 3, as in Hooker et al.). */
  minModels?: number;
}

/** One sparsity's result of {@link classificationPie}. */
export interface PieAtSparsity {
  sparsity: number;
  /** The pruned population's modal class per sample. */
  modal: Int32Array;
  /** 1 where the modal class differs from the dense population's: the sample is a PIE. */
  pie: Uint8Array;
  /** How many samples are PIE, and their fraction of N. */
  count: number;
  fraction: number;
}

/** What {@link classificationPie} returns. */
export interface PieResult {
  /** N samples. */
  n: number;
  denseModal: Int32Array;
  perSparsity: PieAtSparsity[];
  /** Per sample, the fraction of sparsities at which it is a PIE (an HTL score in [0, 1]). */
  score: Float64Array;
}

function checkPopulation(
  op: string,
  name: string,
  models: readonly ArrayLike<unknown>[],
  min: number,
  n: number,
): void {
  if (!Array.isArray(models) || models.length < min)
    throw new Error(`${op}: ${name} has ${models?.length ?? 0} models, needs at least ${min}`);
  models.forEach((m, i) => {
    if (!m || m.length !== n)
      throw new Error(`${op}: ${name} model ${i} has ${m?.length ?? 0} predictions, expected ${n} (one per sample)`);
  });
}

/**
 * Checks the dense and every pruned population of `input` (at least `minModels` models each, one output per sample
 * each, sparsities in (0, 1) and distinct) and returns the number of samples.
 */
function checkPopulations(
  op: string,
  input: {
    dense: readonly ArrayLike<unknown>[];
    pruned: readonly PrunedPopulation<ArrayLike<unknown>>[];
    minModels?: number;
  },
): number {
  const min = input.minModels ?? 3;
  const n = input.dense?.[0]?.length ?? 0;
  checkPopulation(op, 'the dense population', input.dense, min, n);
  if (n === 0) throw new Error(`${op}: no samples`);
  checkSparsities(op, input.pruned);
  for (const p of input.pruned) checkPopulation(op, `the population at sparsity ${p.sparsity}`, p.models, min, n);
  return n;
}

function checkSparsities(op: string, pruned: readonly PrunedPopulation<unknown>[]): void {
  if (!Array.isArray(pruned) || pruned.length === 0) throw new Error(`${op}: no pruned populations`);
  const seen = new Set<number>();
  for (const p of pruned) {
    if (typeof p.sparsity !== 'number' || !(p.sparsity > 0 && p.sparsity < 1))
      throw new Error(`${op}: a pruned population's sparsity must be in (0, 1), got ${String(p.sparsity)}`);
    if (seen.has(p.sparsity)) throw new Error(`${op}: sparsity ${p.sparsity} appears twice`);
    seen.add(p.sparsity);
  }
}

/**
 * The most frequent class per sample over `models` (each an array of N class indices); a tie goes to the
 * smallest class. Throws naming a model whose length differs or a class that is not an integer >= 0.
 */
export function modalPrediction(models: readonly ArrayLike<number>[]): Int32Array {
  const op = 'modalPrediction';
  if (!Array.isArray(models) || models.length === 0) throw new Error(`${op}: no models`);
  const n = models[0].length;
  checkPopulation(op, 'the population', models, 1, n);
  const out = new Int32Array(n);
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    counts.clear();
    models.forEach((m, j) => {
      const c = m[i];
      if (!Number.isInteger(c) || c < 0) throw new Error(`${op}: model ${j} predicts ${c} for sample ${i}`);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    });
    let best = -1;
    let bestCount = 0;
    for (const [c, k] of counts) if (k > bestCount || (k === bestCount && c < best)) [best, bestCount] = [c, k];
    out[i] = best;
  }
  return out;
}

/**
 * PIE for classification: at each sparsity, the samples whose modal prediction over the pruned models
 * differs from the modal prediction over the dense models, their count, and each sample's fraction of
 * sparsities at which it is a PIE. Needs no labels, so it also runs on unlabeled samples. Throws naming a
 * population with fewer than `minModels` models, unequal lengths, or a sparsity outside (0, 1).
 */
export function classificationPie(input: PieInput): PieResult {
  const op = 'classificationPie';
  const n = checkPopulations(op, input);
  const denseModal = modalPrediction(input.dense);
  const score = new Float64Array(n);
  const perSparsity = input.pruned.map((p): PieAtSparsity => {
    const modal = modalPrediction(p.models);
    const pie = new Uint8Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (modal[i] === denseModal[i]) continue;
      pie[i] = 1;
      count++;
      score[i] += 1 / input.pruned.length;
    }
    return { sparsity: p.sparsity, modal, pie, count, fraction: count / n };
  });
  return { n, denseModal, perSparsity, score };
}

/** Inputs of {@link localizationDivergence}: one predicted box per sample per model. */
export interface BoxDivergenceInput {
  dense: readonly (readonly Box3d[])[];
  pruned: readonly PrunedPopulation<readonly Box3d[]>[];
  /** The fewest models a population may have (default 3). */
  minModels?: number;
}

/** One sparsity's result of {@link localizationDivergence}. */
export interface DivergenceAtSparsity {
  sparsity: number;
  /** The pruned population's mean box per sample. */
  meanBoxes: Box3d[];
  /** 1 - IoU(dense mean box, pruned mean box) per sample, in [0, 1]. */
  divergence: Float64Array;
}

/** What {@link localizationDivergence} returns. */
export interface BoxDivergenceResult {
  n: number;
  denseMeanBoxes: Box3d[];
  perSparsity: DivergenceAtSparsity[];
  /** Per sample, the mean divergence over the sparsities (an HTL score in [0, 1]). */
  score: Float64Array;
}

/**
 * PIE for localization: per sample and sparsity, 1 - IoU between the dense population's mean box and the
 * pruned population's mean box, and its mean over sparsities. Needs no labels. Throws as
 * {@link classificationPie} does, and naming a box of negative size.
 */
export function localizationDivergence(input: BoxDivergenceInput): BoxDivergenceResult {
  const op = 'localizationDivergence';
  const n = checkPopulations(op, input);
  const meanBoxes = (models: readonly (readonly Box3d[])[], name: string) =>
    Array.from({ length: n }, (_, i) => {
      try {
        return meanBox(models.map((m) => m[i]));
      } catch (e) {
        throw new Error(`${op}: ${name}, sample ${i}: ${(e as Error).message}`);
      }
    });
  const denseMeanBoxes = meanBoxes(input.dense, 'the dense population');
  const score = new Float64Array(n);
  const perSparsity = input.pruned.map((p): DivergenceAtSparsity => {
    const boxes = meanBoxes(p.models, `the population at sparsity ${p.sparsity}`);
    const divergence = Float64Array.from(boxes, (b, i) => 1 - boxIoU(denseMeanBoxes[i], b));
    divergence.forEach((d, i) => (score[i] += d / input.pruned.length));
    return { sparsity: p.sparsity, meanBoxes: boxes, divergence };
  });
  return { n, denseMeanBoxes, perSparsity, score };
}
