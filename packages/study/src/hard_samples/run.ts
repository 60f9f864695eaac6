// Runs the hard-samples study: per seed (its own data draw) the dense and pruned populations of localizers and
// classifiers, HTL scores (box divergence; PIE), the localizer retrained with HTL samples up-weighted against the
// baseline, as many random samples up-weighted and hard-example mining (same budget, same init and data order),
// and the mean-box control; then paired differences over seeds, subgroup HTL rates and the Findings.
import * as fs from 'fs';
import * as path from 'path';
import { setNumThreads, writeFileAtomic, Generator } from '@nodulab/tensor';
import { FactorRecord, SyntheticDataset, preset } from '@nodulab/data';
import { Box3d, boxIoU, datasetBox, meanBox } from '@nodulab/eval';
import { inStagedFolder } from '../staged';
import { classificationPie, localizationDivergence } from './pie';
import { HtlCount, htlCounts, selectHtl } from './htl';
import { ModelOutputs, HardSamplesData, modelConfig, modelOutputs, trainModel, trainPopulations } from './populations';
import type { HardSamplesSpec } from './spec';
import { HardSamplesResults, summarizeHardSamples } from './summary';
import { hardSamplesHtml, htlCsv, predictionsCsvOf } from './report';
import { finiteMean } from '../aggregate';

/** The retraining arms: the baseline and three ways of attending, all at the dense models' budget. */
export const ARMS = ['baseline', 'htl', 'random', 'mining'] as const;
export type AttendArm = (typeof ARMS)[number];

/** What one seed measured. */
export interface SeedResult {
  seed: number;
  /** Per training sample: localization HTL score (mean 1 − IoU of mean boxes), flag; PIE score and flag. */
  locScore: number[];
  locHtl: number[];
  pieScore: number[];
  pieHtl: number[];
  locCounts: HtlCount[];
  pieCounts: HtlCount[];
  /** The populations' outputs. */
  boxModels: ModelOutputs[];
  classModels: ModelOutputs[];
  /** Test IoU per sample of each arm, and of the mean training box (the trivial localizer). */
  armIoUs: Record<AttendArm, number[]>;
  meanBoxIoUs: number[];
  /** Mean test IoU of the dense population's models. */
  denseTestIoU: number;
  /** Dense models' mean IoU on the training pool: HTL samples and the rest. */
  denseTrainIoU: { htl: number; rest: number };
  /** The generator's factor record of every training and test sample. */
  factors: { train: FactorRecord[]; test: FactorRecord[] };
}

/** Progress of the study, for a command's display. */
export interface HardSamplesEvent {
  index: number;
  total: number;
  what: string;
}

/** The seed's datasets: the `localize` preset at the study's volume, drawn with data seed 1000 + seed. */
function seedData(spec: HardSamplesSpec, seed: number): HardSamplesData {
  const ds = { ...preset('localize'), name: 'localize', volume: spec.volume };
  const dataSeed = 1000 + seed;
  return {
    seed,
    spec: ds,
    train: new SyntheticDataset(ds, dataSeed, 'train', spec.n, { cache: true }),
    val: new SyntheticDataset(ds, dataSeed, 'val', spec.valN, { cache: true }),
    test: new SyntheticDataset(ds, dataSeed, 'test', spec.testN, { cache: true }),
  };
}

/** `count` distinct sample indices of [0, n) drawn with a seeded generator. */
function randomSubset(n: number, count: number, seed: number): Set<number> {
  const g = new Generator(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return new Set(order.slice(0, count));
}

/** One seed of the study, its models under `root`. */
async function runSeed(
  spec: HardSamplesSpec,
  seed: number,
  root: string,
  next: (what: string) => void,
  signal?: AbortSignal,
): Promise<SeedResult> {
  const data = seedData(spec, seed);
  const box = await trainPopulations(spec, data, 'box', root, next, signal);
  const cls = await trainPopulations(spec, data, 'ce', root, next, signal);
  const byS = (pop: ModelOutputs[], s: number) => pop.filter((m) => m.sparsity === s);
  // Localization HTL: 1 − IoU of the dense and pruned mean boxes on the training pool (no labels needed).
  const div = localizationDivergence({
    dense: box.dense.map((m) => m.train.boxes!),
    pruned: spec.sparsities.map((s) => ({ sparsity: s, models: byS(box.pruned, s).map((m) => m.train.boxes!) })),
  });
  const rule = { topFraction: spec.htlFraction };
  const locHtl = Array.from(selectHtl(div.score, rule, { allowEmpty: true }));
  const pie = classificationPie({
    dense: cls.dense.map((m) => m.train.classes!),
    pruned: spec.sparsities.map((s) => ({ sparsity: s, models: byS(cls.pruned, s).map((m) => m.train.classes!) })),
  });
  const pieHtl = Array.from(selectHtl(pie.score, rule, { allowEmpty: true }));
  const htlCount = locHtl.reduce((a, b) => a + b, 0);
  // Attending: the baseline and each arm retrain from the same init and data order as dense model 0.
  const arms = {} as Record<AttendArm, number[]>;
  const random = randomSubset(spec.n, htlCount, 7000 + seed);
  for (const arm of ARMS) {
    const name = `attend-${arm}`;
    next(`${name} (seed ${seed})`);
    const weights =
      arm === 'htl'
        ? locHtl.map((h) => (h ? spec.upweight : 1))
        : arm === 'random'
          ? Array.from({ length: spec.n }, (_, i) => (random.has(i) ? spec.upweight : 1))
          : null;
    const extra = { sampleWeights: weights, hardMining: arm === 'mining' ? spec.miningFraction : null };
    const dir = path.join(root, name);
    await trainModel(modelConfig(spec, data, 'box', name, 0, extra), dir, data, signal);
    arms[arm] = (await modelOutputs(dir, data.test)).ious!;
  }
  // The trivial localizer: the mean training box for every test volume.
  const truthTrain: Box3d[] = Array.from({ length: spec.n }, (_, i) => datasetBox(data.train, i));
  const trivial = meanBox(truthTrain);
  const meanBoxIoUs = Array.from({ length: spec.testN }, (_, i) => boxIoU(trivial, datasetBox(data.test, i)));
  const denseTrain = box.dense.map((m) => m.train.ious!);
  const per = (flag: number) => finiteMean(denseTrain.flatMap((ious) => ious.filter((_, i) => locHtl[i] === flag)));
  return {
    seed,
    locScore: Array.from(div.score),
    locHtl,
    pieScore: Array.from(pie.score),
    pieHtl,
    locCounts: htlCounts(
      div.perSparsity.map((p) => ({ sparsity: p.sparsity, scores: p.divergence })),
      { threshold: 0.5 },
    ),
    pieCounts: pie.perSparsity.map((p) => ({ sparsity: p.sparsity, count: p.count, fraction: p.fraction })),
    boxModels: [...box.dense, ...box.pruned],
    classModels: [...cls.dense, ...cls.pruned],
    armIoUs: arms,
    meanBoxIoUs,
    denseTestIoU: finiteMean(box.dense.map((m) => finiteMean(m.test.ious!))),
    denseTrainIoU: { htl: htlCount > 0 ? per(1) : NaN, rest: per(0) },
    factors: {
      train: Array.from({ length: spec.n }, (_, i) => data.train.get(i).factors!),
      test: Array.from({ length: spec.testN }, (_, i) => data.test.get(i).factors!),
    },
  };
}

/**
 * Runs the study into `out` (runs/<seed>/<model>/ run folders, hard-samples.json, metrics.json, predictions.csv,
 * htl.csv, report.html), written as `<out>.partial` and renamed when complete (a failed or stopped study leaves
 * nothing).
 */
export async function runHardSamples(
  spec: HardSamplesSpec,
  out: string,
  onEvent: (e: HardSamplesEvent) => void = () => undefined,
  signal?: AbortSignal,
): Promise<HardSamplesResults> {
  return inStagedFolder(out, async (staging) => {
    const t0 = Date.now();
    setNumThreads(spec.threads);
    writeFileAtomic(path.join(staging, 'hard-samples.json'), Buffer.from(JSON.stringify(spec, null, 2) + '\n'));
    const perSeed = 2 * spec.models * (1 + spec.sparsities.length) + ARMS.length;
    const total = perSeed * spec.seeds.length;
    let index = 0;
    const seeds: SeedResult[] = [];
    for (const seed of spec.seeds) {
      const root = path.join(staging, 'runs', `seed${seed}`);
      fs.mkdirSync(root, { recursive: true });
      seeds.push(await runSeed(spec, seed, root, (what) => onEvent({ index: ++index, total, what }), signal));
    }
    const results = summarizeHardSamples(spec, seeds, (Date.now() - t0) / 1000);
    const { perSeed: _, ...metrics } = results;
    writeFileAtomic(path.join(staging, 'metrics.json'), Buffer.from(JSON.stringify(metrics, null, 2) + '\n'));
    writeFileAtomic(path.join(staging, 'htl.csv'), Buffer.from(htlCsv(results)));
    writeFileAtomic(path.join(staging, 'predictions.csv'), Buffer.from(predictionsCsvOf(results)));
    writeFileAtomic(path.join(staging, 'report.html'), Buffer.from(hardSamplesHtml(results)));
    return results;
  });
}
