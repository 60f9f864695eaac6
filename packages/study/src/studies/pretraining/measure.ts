// What the pretraining-robustness study measures of one trained target model: grade accuracy, quadratic
// weighted kappa and AUROC (grade >= 4) on a test set, clean or distorted, with per-sample outputs; the layers'
// activations for CKA and the embedding's PCA spectrum; the Grad-CAM enrichment on the main nodule and on the
// satellite micronodules; and the grade's learnability ceiling: a softmax probe on the true factors the grade
// rule reads. Test sets are @nodulab/data Datasets; every batch comes from @nodulab/eval's datasetBatches.
import { Generator, Tensor, noGrad } from '@nodulab/tensor';
import { captureOutputs } from '@nodulab/nn';
import { Dataset, FactorRecord, NoduleGenerator, Subset, distortBatch, noduleGrade } from '@nodulab/data';
import { ClassificationEvaluation, LabelledBatch, datasetBatches, evaluate, ordinalMetrics } from '@nodulab/eval';
import { TrainableNet, fitSoftmaxProbe, netPredictor, softmaxProbabilities } from '@nodulab/train';
import { yieldToEventLoop } from '@nodulab/platform';
import { enrichment, forEachCam } from '../../measures/gradcam';
import { finiteMean } from '../../kit/aggregate';
import type { GradeScores, Num, SaliencyShares, SamplePredictions } from './results';
import type { GradeTestSet } from './data';

/** Grades 1-5 as classes 0-4; the AUROC's positive target "grade >= 4" starts at class 3. */
export const GRADE_CLASSES = 5;
export const HIGH_GRADE_FROM = 3;

/** A finite number, or null (JSON has no NaN: a unit result reads the same in-process and from a queue). */
export const fin = (v: number): Num => (Number.isFinite(v) ? v : null);

/** `batches` of `ds` with every volume distorted by `distortion` at `severity` (a fixed stream per batch). */
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

/** Accuracy, kappa and AUROC (grade >= 4) of `net` on `batches`; each sample's predicted grade and P(grade >= 4). */
export async function scoreGrades(
  net: TrainableNet,
  like: Dataset,
  batches: Iterable<LabelledBatch>,
): Promise<{ scores: GradeScores; predictions: SamplePredictions }> {
  const r = (await evaluate(netPredictor(net, like), batches)) as ClassificationEvaluation;
  const labels = r.predictions.map((p) => p.label);
  const o = ordinalMetrics(labels, r.probabilities, GRADE_CLASSES, { positiveFrom: HIGH_GRADE_FROM });
  const k = r.numClasses;
  const pHigh = r.predictions.map((_, i) => {
    let high = 0;
    for (let c = HIGH_GRADE_FROM; c < k; c++) high += r.probabilities[i * k + c];
    return high;
  });
  return {
    scores: { accuracy: fin(o.accuracy), kappa: fin(o.kappa), auroc: fin(o.auroc) },
    predictions: { predicted: r.predictions.map((p) => p.predicted + 1), pHigh },
  };
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
 * Grad-CAM (predicted class, last conv block) of `net` on the samples of `set` that have a nodule and satellites
 * (at most `limit`): the enrichment of saliency inside the main nodule's mask and inside the satellites' mask
 * (share of the saliency over share of the voxels), overall and by main-nodule size bin.
 */
export async function saliencyShares(
  net: TrainableNet,
  set: GradeTestSet,
  limit: number,
  batchSize: number,
): Promise<SaliencyShares> {
  const chosen: number[] = [];
  for (let i = 0; i < set.data.length && chosen.length < limit; i++) {
    const f = set.data.get(i).factors!;
    if (f.hasNodule && f.satelliteCount > 0) chosen.push(i);
  }
  const main: number[] = [];
  const sat: number[] = [];
  const bins: string[] = [];
  if (chosen.length > 0)
    await forEachCam(net.model, new Subset(set.data, chosen), batchSize, (cam, k, mask) => {
      const i = chosen[k];
      main.push(enrichment(cam, mask));
      sat.push(enrichment(cam, set.satellites.get(i, { mask: true }).mask!));
      const d = set.data.get(i).factors!.diameter;
      bins.push(SIZE_BINS.find((x) => d >= x.lo && d < x.hi)!.name);
    });
  const byBin = (a: number[]) =>
    Object.fromEntries(SIZE_BINS.map((x) => [x.name, fin(finiteMean(a.filter((_, j) => bins[j] === x.name)))]));
  return {
    main: byBin(main),
    satellites: byBin(sat),
    mainAll: fin(finiteMean(main)),
    satellitesAll: fin(finiteMean(sat)),
    n: chosen.length,
  };
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
 * test samples of `testGen`. Near-perfect scores say the grade is a learnable function of what the volumes
 * show; a model's gap to them is what it failed to see. The factors are sampled without rendering.
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
  return { accuracy: fin(o.accuracy), kappa: fin(o.kappa), auroc: fin(o.auroc) };
}
