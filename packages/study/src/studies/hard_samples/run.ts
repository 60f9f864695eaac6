// Runs the hard-samples study: per seed (its own data draw) the dense and pruned classifiers (PIE), then per
// supervision setting (supervised, semi, weak) its training boxes, the dense and pruned localizers, HTL scores (box
// divergence), the localizer retrained with HTL samples up-weighted against the baseline, as many random samples
// up-weighted and hard-example mining (same budget, same init and data order), and the mean-box control; then
// paired differences over seeds, subgroup HTL rates and the Findings, per setting.
import * as fs from 'fs';
import * as path from 'path';
import { setNumThreads } from '@nodulab/tensor';
import { writeFileAtomic } from '@nodulab/platform';
import { FactorRecord, SyntheticDataset, preset } from '@nodulab/data';
import { boxIoU, datasetBox, meanBox } from '@nodulab/eval';
import { inStagedFolder } from '../../kit/staged';
import { classificationPie, localizationDivergence } from './pie';
import { HtlCount, htlCounts, selectHtl } from './htl';
import { ModelOutputs, HardSamplesData, modelConfig, modelOutputs, trainModel, trainPopulations } from './populations';
import { HardSamplesSpec, Setting, checkHardSamplesSpec } from './spec';
import { randomSubset, settingTargets } from './settings';
import { HardSamplesResults, summarizeHardSamples } from './summary';
import { hardSamplesHtml, htlCsv, predictionsCsvOf } from './report';
import { finiteMean } from '../../kit/aggregate';

/** The retraining arms: the baseline and three ways of attending, all at the dense models' budget. */
export const ARMS = ['baseline', 'htl', 'random', 'mining'] as const;
export type AttendArm = (typeof ARMS)[number];

/** What one supervision setting measured on one seed. */
export interface SettingResult {
  setting: Setting;
  /** Per training sample: 1 where the localizers were given its true box; its training box's IoU with the truth. */
  labeled: number[];
  targetIoUs: number[];
  /** Per training sample: localization HTL score (mean 1 − IoU of mean boxes) and flag. */
  locScore: number[];
  locHtl: number[];
  locCounts: HtlCount[];
  /** The localizer populations' outputs (scored against the true boxes). */
  boxModels: ModelOutputs[];
  /** Test IoU per sample of each arm, and of the mean training box (the trivial localizer). */
  armIoUs: Record<AttendArm, number[]>;
  meanBoxIoUs: number[];
  /** Mean test IoU of the dense population's models. */
  denseTestIoU: number;
  /** Dense models' mean IoU with the true boxes on the training pool: HTL samples and the rest. */
  denseTrainIoU: { htl: number; rest: number };
}

/** What one seed measured: PIE on the classifiers, and each setting's localizers. */
export interface SeedResult {
  seed: number;
  /** Per training sample: PIE score and flag. */
  pieScore: number[];
  pieHtl: number[];
  pieCounts: HtlCount[];
  classModels: ModelOutputs[];
  settings: SettingResult[];
  /** The generator's factor record of every training and test sample. */
  factors: { train: FactorRecord[]; test: FactorRecord[] };
}

/** Progress of the study, for a command's display. */
export interface HardSamplesEvent {
  index: number;
  total: number;
  what: string;
}

/**
 * The seed's datasets: the `localize` preset at the study's volume, drawn with data seed 1000 + seed; the
 * classifiers' training set extends the training pool (same split, same seed: its first spec.n samples are the
 * pool's); runHardSamples has checked that spec.classifier.n >= spec.n.
 */
function seedData(spec: HardSamplesSpec, seed: number): HardSamplesData {
  const ds = { ...preset('localize'), name: 'localize', volume: spec.volume };
  const dataSeed = 1000 + seed;
  const train = new SyntheticDataset(ds, dataSeed, 'train', spec.n, { cache: true });
  return {
    seed,
    spec: ds,
    train,
    classTrain:
      spec.classifier.n === spec.n
        ? train
        : new SyntheticDataset(ds, dataSeed, 'train', spec.classifier.n, { cache: true }),
    val: new SyntheticDataset(ds, dataSeed, 'val', spec.valN, { cache: true }),
    test: new SyntheticDataset(ds, dataSeed, 'test', spec.testN, { cache: true }),
  };
}

/** Models trained per seed (for progress): populations, the arms but the baseline, the semi teacher. */
export function modelsPerSeed(spec: HardSamplesSpec): number {
  const population = spec.models * (1 + spec.sparsities.length);
  return population + spec.settings.length * (population + ARMS.length - 1) + (spec.settings.includes('semi') ? 1 : 0);
}

/**
 * One setting of one seed under `root`: its training boxes, the localizer populations trained on them, HTL samples
 * from the dense/pruned box divergence on every training sample (no label needed), and the arms. The baseline arm
 * is dense model 0 itself (the same config, init and data order); the others retrain from that init and order.
 */
async function runSetting(
  spec: HardSamplesSpec,
  data: HardSamplesData,
  setting: Setting,
  classifiers: ModelOutputs[],
  root: string,
  next: (what: string) => void,
  signal?: AbortSignal,
): Promise<SettingResult> {
  const dir = path.join(root, setting);
  fs.mkdirSync(dir, { recursive: true });
  const t = await settingTargets(setting, spec, data, classifiers, dir, next, signal);
  const prefix = setting === 'supervised' ? '' : `${setting}-`;
  const box = await trainPopulations(spec, data, 'box', dir, next, signal, t.data, prefix);
  const byS = (s: number) => box.pruned.filter((m) => m.sparsity === s);
  const div = localizationDivergence({
    dense: box.dense.map((m) => m.train.boxes!),
    pruned: spec.sparsities.map((s) => ({ sparsity: s, models: byS(s).map((m) => m.train.boxes!) })),
  });
  const locHtl = Array.from(selectHtl(div.score, { topFraction: spec.htlFraction }, { allowEmpty: true }));
  const htlCount = locHtl.reduce((a, b) => a + b, 0);
  const random = randomSubset(spec.n, htlCount, 7000 + data.seed);
  const arms = { baseline: box.dense[0].test.ious! } as Record<AttendArm, number[]>;
  for (const arm of ARMS.filter((a) => a !== 'baseline')) {
    const name = `${prefix}attend-${arm}`;
    next(`${name} (seed ${data.seed})`);
    const weights =
      arm === 'htl'
        ? locHtl.map((h) => (h ? spec.upweight : 1))
        : arm === 'random'
          ? Array.from({ length: spec.n }, (_, i) => (random.has(i) ? spec.upweight : 1))
          : null;
    const extra = { sampleWeights: weights, hardMining: arm === 'mining' ? spec.miningFraction : null };
    const armDir = path.join(dir, name);
    await trainModel(modelConfig(spec, t.data, 'box', name, 0, extra), armDir, t.data, signal);
    arms[arm] = (await modelOutputs(armDir, data.test)).ious!;
  }
  // The trivial localizer: the mean of the setting's training boxes for every test volume.
  const trivial = meanBox(Array.from({ length: spec.n }, (_, i) => datasetBox(t.data.train, i)));
  const meanBoxIoUs = Array.from({ length: spec.testN }, (_, i) => boxIoU(trivial, datasetBox(data.test, i)));
  const denseTrain = box.dense.map((m) => m.train.ious!);
  const per = (flag: number) => finiteMean(denseTrain.flatMap((ious) => ious.filter((_, i) => locHtl[i] === flag)));
  return {
    setting,
    labeled: t.labeled,
    targetIoUs: t.targetIoUs,
    locScore: Array.from(div.score),
    locHtl,
    locCounts: htlCounts(
      div.perSparsity.map((p) => ({ sparsity: p.sparsity, scores: p.divergence })),
      { threshold: 0.5 },
    ),
    boxModels: [...box.dense, ...box.pruned],
    armIoUs: arms,
    meanBoxIoUs,
    denseTestIoU: finiteMean(box.dense.map((m) => finiteMean(m.test.ious!))),
    denseTrainIoU: { htl: htlCount > 0 ? per(1) : NaN, rest: per(0) },
  };
}

/** One seed of the study, its models under `root`: the classifiers and PIE, then each setting. */
async function runSeed(
  spec: HardSamplesSpec,
  seed: number,
  root: string,
  next: (what: string) => void,
  signal?: AbortSignal,
): Promise<SeedResult> {
  const data = seedData(spec, seed);
  const cls = await trainPopulations(spec, data, 'ce', root, next, signal, { ...data, train: data.classTrain! });
  const byS = (s: number) => cls.pruned.filter((m) => m.sparsity === s);
  const pie = classificationPie({
    dense: cls.dense.map((m) => m.train.classes!),
    pruned: spec.sparsities.map((s) => ({ sparsity: s, models: byS(s).map((m) => m.train.classes!) })),
  });
  const pieHtl = Array.from(selectHtl(pie.score, { topFraction: spec.htlFraction }, { allowEmpty: true }));
  const settings: SettingResult[] = [];
  for (const setting of spec.settings)
    settings.push(await runSetting(spec, data, setting, cls.dense, root, next, signal));
  return {
    seed,
    pieScore: Array.from(pie.score),
    pieHtl,
    pieCounts: pie.perSparsity.map((p) => ({ sparsity: p.sparsity, count: p.count, fraction: p.fraction })),
    classModels: [...cls.dense, ...cls.pruned],
    settings,
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
  checkHardSamplesSpec(spec);
  return inStagedFolder(out, async (staging) => {
    const t0 = Date.now();
    setNumThreads(spec.threads);
    writeFileAtomic(path.join(staging, 'hard-samples.json'), Buffer.from(JSON.stringify(spec, null, 2) + '\n'));
    const total = modelsPerSeed(spec) * spec.seeds.length;
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
