// What the pretraining-robustness study measures of one trained target model: grade accuracy, quadratic
// weighted kappa and AUROC (grade >= 4) on a test set, clean or distorted; the layers' activations for CKA and
// the embedding's PCA spectrum; the Grad-CAM share on the main nodule and on the satellite micronodules; and the
// grade's learnability ceiling: a softmax probe on the true factors the grade rule reads.
import { Generator, Tensor, noGrad } from '@nodulab/tensor';
import { captureOutputs } from '@nodulab/nn';
import {
  Dataset,
  FactorRecord,
  InMemoryDataset,
  NoduleGenerator,
  Sample,
  distortBatch,
  noduleGrade,
  sampleItem,
} from '@nodulab/data';
import { ClassificationEvaluation, LabelledBatch, datasetBatches, evaluate, ordinalMetrics } from '@nodulab/eval';
import { TrainableNet, fitSoftmaxProbe, netPredictor, softmaxProbabilities } from '@nodulab/train';
import { yieldToEventLoop } from '@nodulab/platform';
import { enrichment, gradCam3d } from '../../measures/gradcam';
import { finiteMean } from '../../kit/aggregate';

/** Grades 1-5 as classes 0-4; the AUROC's positive target "grade >= 4" starts at class 3. */
export const GRADE_CLASSES = 5;
export const HIGH_GRADE_FROM = 3;

/** The scores of one model on one test set. */
export interface GradeScores {
  accuracy: number;
  kappa: number;
  /** AUROC of P(grade >= 4). */
  auroc: number;
}

/** A test set in memory with what the saliency analysis needs besides volumes and grades. */
export interface TestSet {
  name: string;
  data: InMemoryDataset;
  samples: Pick<Sample, 'index' | 'grade' | 'factors' | 'mask' | 'satelliteMask'>[];
}

/** Samples 0..n-1 of `split` (items labelled by the spec's target), keeping masks and satellite masks. */
export async function makeTestSet(name: string, gen: NoduleGenerator, split: string, n: number): Promise<TestSet> {
  const samples: TestSet['samples'] = [];
  const items = [];
  for (let i = 0; i < n; i++) {
    const s = gen.sample(split, i);
    items.push(sampleItem(s, gen.spec.target));
    samples.push({ index: s.index, grade: s.grade, factors: s.factors, mask: s.mask, satelliteMask: s.satelliteMask });
    if (i % 16 === 15) await yieldToEventLoop();
  }
  const data = InMemoryDataset.fromItems(name, items, [...gen.resolve(split).spacing], { masks: true, factors: true });
  return { name, data, samples };
}

/** `batches` with every volume distorted by `distortion` at `severity` (a fixed stream per batch). */
export function distortedBatches(
  ds: Dataset,
  batchSize: number,
  distortion: string,
  severity: number,
  seed: number,
): LabelledBatch[] {
  const out: LabelledBatch[] = [];
  let k = 0;
  for (const b of datasetBatches(ds, batchSize)) {
    const x = distortBatch(b.x as Tensor, distortion, severity, new Generator(seed + 7919 * k++), {
      spacing: ds.spacing,
    });
    out.push({ ...b, x });
  }
  return out;
}

/** Accuracy, kappa and AUROC (grade >= 4) of `net` on `batches`; also the evaluation (per-sample rows). */
export async function scoreGrades(
  net: TrainableNet,
  like: Dataset,
  batches: Iterable<LabelledBatch>,
): Promise<{ scores: GradeScores; evaluation: ClassificationEvaluation }> {
  const r = (await evaluate(netPredictor(net, like), batches)) as ClassificationEvaluation;
  const labels = r.predictions.map((p) => p.label);
  const o = ordinalMetrics(labels, r.probabilities, GRADE_CLASSES, { positiveFrom: HIGH_GRADE_FROM });
  return { scores: { accuracy: o.accuracy, kappa: o.kappa, auroc: o.auroc }, evaluation: r };
}

/** The tapped layers of a NoduleNet3D (the three conv blocks' ReLUs) and the embedding, in order. */
export const CKA_LAYERS = ['features.2', 'features.6', 'features.10', 'embedding'] as const;

/** Each layer's activations of `net` on `ds` in eval mode: layer -> (N, features) as one Tensor. */
export async function layerActivations(
  net: TrainableNet,
  ds: Dataset,
  batchSize: number,
): Promise<Record<string, Tensor>> {
  net.model.eval();
  const parts: Record<string, Float32Array[]> = {};
  const width: Record<string, number> = {};
  let n = 0;
  for (const b of datasetBatches(ds, batchSize)) {
    const x = b.x as Tensor;
    const { outputs } = captureOutputs(net.model, CKA_LAYERS.slice(0, 3), () => noGrad(() => net.model.forward(x)));
    outputs.embedding = noGrad(() => net.embed(x));
    for (const [k, t] of Object.entries(outputs)) {
      (parts[k] ??= []).push(t.data.slice());
      width[k] = t.size / t.shape[0];
    }
    n += x.shape[0];
    await yieldToEventLoop();
  }
  const out: Record<string, Tensor> = {};
  for (const k of CKA_LAYERS) {
    const all = new Float32Array(n * width[k]);
    parts[k].reduce((off, p) => (all.set(p, off), off + p.length), 0);
    out[k] = new Tensor(all, [n, width[k]]);
  }
  return out;
}

/** Diameter bins (mm) of the main nodule for the saliency analysis. */
export const SIZE_BINS: readonly { name: string; lo: number; hi: number }[] = [
  { name: '< 8 mm', lo: 0, hi: 8 },
  { name: '8-12 mm', lo: 8, hi: 12 },
  { name: '>= 12 mm', lo: 12, hi: Infinity },
];

/**
 * Mean Grad-CAM enrichment on the main nodule and on the satellites per size bin (NaN where a bin is empty): the
 * share of the saliency inside a mask divided by the share of the voxels inside it, so 1 is no preference and a
 * 10-voxel satellite is not read as "ignored" just for being small.
 */
export interface SaliencyShares {
  main: Record<string, number>;
  satellites: Record<string, number>;
  /** Over every sample with satellites. */
  mainAll: number;
  satellitesAll: number;
}

/**
 * Grad-CAM (predicted class, last conv block) of `net` on the samples of `set` that have satellites (at most
 * `limit`): the enrichment of saliency inside the main nodule's mask and inside the satellites' mask (share of the
 * saliency over share of the voxels), by main-nodule size bin.
 */
export async function saliencyShares(
  net: TrainableNet,
  set: TestSet,
  limit: number,
  batchSize: number,
): Promise<SaliencyShares> {
  const chosen = set.samples.map((s, i) => ({ s, i })).filter(({ s }) => s.satelliteMask && s.factors.hasNodule);
  const picked = chosen.slice(0, limit);
  const main: number[] = [];
  const sat: number[] = [];
  const bins: string[] = [];
  net.model.eval();
  for (let k = 0; k < picked.length; k += batchSize) {
    const part = picked.slice(k, k + batchSize);
    const [, D, H, W] = set.data.get(0).shape;
    const V = D * H * W;
    const x = new Float32Array(part.length * V);
    part.forEach(({ i }, j) => x.set(set.data.get(i).volume, j * V));
    const { cams } = gradCam3d(net.model, new Tensor(x, [part.length, 1, D, H, W]));
    part.forEach(({ s }, j) => {
      const cam = cams.subarray(j * V, (j + 1) * V);
      main.push(enrichment(cam, s.mask));
      sat.push(enrichment(cam, s.satelliteMask!));
      bins.push(SIZE_BINS.find((b) => s.factors.diameter >= b.lo && s.factors.diameter < b.hi)!.name);
    });
    await yieldToEventLoop();
  }
  const byBin = (a: number[]) =>
    Object.fromEntries(SIZE_BINS.map((b) => [b.name, finiteMean(a.filter((_, j) => bins[j] === b.name))]));
  return { main: byBin(main), satellites: byBin(sat), mainAll: finiteMean(main), satellitesAll: finiteMean(sat) };
}

/** The factors the grade rule reads, as probe features: diameter, lobulation, spicules, density, calcium. */
function gradeFactors(f: FactorRecord): number[] {
  return [
    f.diameter,
    f.lobulation,
    f.spiculationCount,
    f.densityType === 'part-solid' ? 1 : 0,
    f.densityType === 'ground-glass' ? 1 : 0,
    f.calcification === 'none' ? 0 : 1,
    f.hasNodule ? 1 : 0,
  ];
}

/**
 * The grade's learnability ceiling: a softmax regression (fitted probe) on the true factors of `trainN`
 * training samples of `gen` (penalty chosen on `valN` of its validation samples), scored on the first `testN`
 * test samples of `testGen`.
 * Near-perfect scores say the grade is a learnable function of what the volumes show; a model's gap to them is
 * what it failed to see. The factors are sampled without rendering.
 */
export async function factorProbeScores(
  gen: NoduleGenerator,
  testGen: NoduleGenerator,
  trainN: number,
  valN: number,
  testN: number,
): Promise<GradeScores> {
  const set = (split: string, n: number, from = gen) => {
    const X: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const f = from.factors(split, i).factors;
      X.push(...gradeFactors(f));
      y.push(noduleGrade(f) - 1);
    }
    return { X, y, n };
  };
  const d = gradeFactors(gen.factors('train', 0).factors).length;
  const test = set('test', testN, testGen);
  await yieldToEventLoop();
  const { model } = await fitSoftmaxProbe(set('train', trainN), set('val', valN), d, GRADE_CLASSES, [1e-4, 1e-3, 1e-2]);
  const p = softmaxProbabilities(model, test.X, test.n);
  const o = ordinalMetrics(test.y, Float32Array.from(p), GRADE_CLASSES, { positiveFrom: HIGH_GRADE_FROM });
  return { accuracy: o.accuracy, kappa: o.kappa, auroc: o.auroc };
}
