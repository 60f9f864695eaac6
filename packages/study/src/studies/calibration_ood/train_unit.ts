// One training unit of the calibration-ood study: trains one model of one seed into the unit's folder (the joint
// model on every preset, a dedicated model on one, or the source preset's dedicated model — a needed unit's
// checkpoint — fine-tuned on another preset with few labels for a dedicated model's step budget), then measures it
// through @nodulab/eval's evaluate path: a temperature fitted on the validation NLL of its training datasets, and
// per test dataset Dice, HD95, the all-background Dice and calibration (whole volume and band) before and after
// scaling, with each test volume's row of predictions.csv.
import { ConcatDataset } from '@nodulab/data';
import { loadRun, netPredictor, openSource, runPaths, train } from '@nodulab/train';
import type { TrainableNet } from '@nodulab/train';
import { finiteMean } from '../../kit/aggregate';
import type { UnitContext } from '../../framework/study';
import { optimizerSteps, studyRunConfig, transferEpochs, transferVolumes } from './configs';
import { presetSet } from './data';
import { Segmented, calibrationPair, fitValidationTemperature, segment, structureBand, voxelCounts } from './measure';
import { dedicatedName, trainUnitId, transferName } from './plan';
import type {
  CalibrationOodSpec,
  CalibrationOodUnitResult,
  DatasetResult,
  Num,
  TrainResult,
  TrainUnit,
  VolumeRow,
} from './results';
import { unitProgress } from '../../framework/progress';

/** null for a value JSON cannot carry (NaN, ±Infinity). */
export const finiteOrNull = (v: number): Num => (Number.isFinite(v) ? v : null);

/** The model name of a training unit (its folder is `<name>-s<seed>`). */
export function modelName(spec: CalibrationOodSpec, unit: TrainUnit): string {
  if (unit.regime === 'joint') return 'joint';
  if (unit.regime === 'dedicated') return dedicatedName(unit.datasets[0]);
  return transferName(spec.transfer.source, unit.datasets[0]);
}

/** Trains and measures the model of `unit` in ctx.dir. */
export async function runTrainUnit(
  spec: CalibrationOodSpec,
  unit: TrainUnit,
  ctx: UnitContext<CalibrationOodUnitResult>,
): Promise<TrainResult> {
  const { seed, regime, datasets } = unit;
  const name = modelName(spec, unit);
  let n = spec.trainN;
  let init: string | null = null;
  let epochs: number | undefined;
  if (regime === 'transfer') {
    const source = ctx.needs.get(trainUnitId(dedicatedName(spec.transfer.source), seed));
    if (!source) throw new Error(`calibration-ood: ${unit.id} needs the dedicated ${spec.transfer.source} model`);
    init = runPaths(source.dir).best;
    n = transferVolumes(spec);
    epochs = transferEpochs(spec);
  }
  const config = studyRunConfig(spec, trainUnitId(name, seed), seed, datasets, n, init, epochs);
  ctx.phase(`${regime} ${name} seed ${seed}: training`);
  const summary = await train(config, {
    outDir: ctx.dir,
    sources: { train: openSource(config.data, 'train'), val: openSource(config.data, 'val') },
    signal: ctx.signal,
    prefetch: 0,
    // Small runs: a step worker's start-up would cost more than it frees (the loop still yields between steps).
    stepThread: 'main',
    onProgress: (p) => ctx.progress(unitProgress(p)),
  });
  if (summary.status !== 'completed') throw new Error(`calibration-ood: stopped during ${unit.id}`);
  ctx.phase(`${regime} ${name} seed ${seed}: measuring`);
  const { net } = loadRun(ctx.dir, 'best');
  const m = await measureModel(spec, net, seed, datasets, config.batchSize, ctx.cache);
  return {
    kind: 'train',
    regime,
    name,
    seed,
    trainedOn: [...datasets],
    n: n * datasets.length,
    epochs: config.epochs,
    steps: optimizerSteps(config),
    temperature: m.temperature,
    results: m.results,
    volumes: m.volumes,
  };
}

/**
 * Measures `net` on `datasets` of `seed`: the temperature is fitted on their validation volumes pooled, then each
 * dataset's test volumes are scored as they are and with that temperature.
 */
export async function measureModel(
  spec: CalibrationOodSpec,
  net: TrainableNet,
  seed: number,
  datasets: readonly string[],
  batchSize: number,
  cache: Map<string, unknown>,
): Promise<{ temperature: number; results: DatasetResult[]; volumes: VolumeRow[] }> {
  const vals = await Promise.all(datasets.map((d) => presetSet(spec, seed, d, 'val', spec.valN, cache)));
  const val = new ConcatDataset(vals);
  // One predictor per dataset (each at its own spacing, for HD95 in mm); they share the model's forward worker,
  // stopped once at the end.
  const valPredictor = netPredictor(net, val);
  const results: DatasetResult[] = [];
  const volumes: VolumeRow[] = [];
  let temperature = NaN;
  try {
    const v = await segment(valPredictor, val, batchSize);
    temperature = fitValidationTemperature(v.logits, v.masks);
    for (const d of datasets) {
      const test = await presetSet(spec, seed, d, 'test', spec.testN, cache);
      const s = await segment(netPredictor(net, test), test, batchSize);
      const { result, rows } = datasetResult(spec, d, s, test.shape, temperature);
      results.push(result);
      volumes.push(...rows);
    }
  } finally {
    await valPredictor.release();
  }
  return { temperature, results, volumes };
}

/** One test dataset's result and per-volume rows from its segmentation, at `temperature`. */
function datasetResult(
  spec: CalibrationOodSpec,
  d: string,
  s: Segmented,
  shape: [number, number, number],
  temperature: number,
): { result: DatasetResult; rows: VolumeRow[] } {
  const cal = calibrationPair(s.logits, s.masks, temperature, structureBand(s.masks, shape, spec.bandRadius));
  const counts = voxelCounts(s);
  const rows: VolumeRow[] = s.evaluation.predictions.map((p, i) => ({
    dataset: d,
    index: p.index,
    dice: p.dice,
    hd95: finiteOrNull(p.hd95),
    truthVoxels: counts[i].truth,
    predictedVoxels: counts[i].predicted,
  }));
  const pair = (key: 'ece' | 'mce' | 'nll' | 'brier') => ({
    before: finiteOrNull(cal.before[key]),
    after: finiteOrNull(cal.after[key]),
  });
  const metrics = s.evaluation.metrics;
  const result: DatasetResult = {
    dataset: d,
    n: metrics.n,
    dice: metrics.meanDice,
    hd95: finiteOrNull(metrics.meanHd95),
    hd95Finite: metrics.hd95Finite,
    trivialDice: finiteMean(rows.map((v) => (v.truthVoxels === 0 ? 1 : 0))),
    calibration: {
      ece: pair('ece'),
      mce: pair('mce'),
      nll: pair('nll'),
      brier: pair('brier'),
      eceBand: { before: finiteOrNull(cal.bandBefore.ece), after: finiteOrNull(cal.bandAfter.ece) },
      mceBand: { before: finiteOrNull(cal.bandBefore.mce), after: finiteOrNull(cal.bandAfter.mce) },
    },
    bins: {
      before: cal.before.bins,
      after: cal.after.bins,
      bandBefore: cal.bandBefore.bins,
      bandAfter: cal.bandAfter.bins,
    },
  };
  return { result, rows };
}
