// One trained model of the calibration-ood study measured on its datasets: a temperature fitted on the
// validation NLL of its training datasets, then per test dataset Dice, HD95, the all-background Dice, and
// calibration (whole volume and band) before and after scaling, with the per-volume rows of predictions.csv.
import { Module } from '@nodulab/nn';
import { CalibrationMetrics } from '@nodulab/eval';
import { finiteMean } from '../../kit/aggregate';
import {
  VolumeScores,
  VolumeSet,
  calibrationPair,
  concatSets,
  fitValidationTemperature,
  predictLogits,
  segmentationScores,
  structureBand,
} from './measure';

/** The calibration numbers kept per model and dataset (whole volume and band, before and after scaling). */
export type CalibrationNumbers = Record<
  'ece' | 'mce' | 'nll' | 'brier' | 'eceBand' | 'mceBand',
  { before: number; after: number }
>;

/** One trained model measured on one of its test datasets. */
export interface DatasetResult {
  dataset: string;
  n: number;
  dice: number;
  /** Mean over the volumes with a finite HD95 (mm), and how many those are. */
  hd95: number;
  hd95Finite: number;
  /** The Dice of predicting background everywhere on the same volumes (the control's trivial model). */
  trivialDice: number;
  calibration: CalibrationNumbers;
  /** Reliability bins: whole volume and band, before and after temperature scaling. */
  bins: {
    before: CalibrationMetrics['bins'];
    after: CalibrationMetrics['bins'];
    bandBefore: CalibrationMetrics['bins'];
    bandAfter: CalibrationMetrics['bins'];
  };
}

/** What {@link measureModel} returns. */
export interface ModelMeasurement {
  temperature: number;
  results: DatasetResult[];
  /** Per test dataset, each volume's Dice, HD95 and voxel counts. */
  volumes: { dataset: string; scores: VolumeScores[] }[];
}

/**
 * Measures `model` on `datasets`: the temperature is fitted on their validation volumes pooled (`vals`), then each
 * dataset's test volumes (`tests`) are scored as they are and with that temperature.
 */
export async function measureModel(
  model: Module,
  datasets: readonly string[],
  tests: ReadonlyMap<string, VolumeSet>,
  vals: ReadonlyMap<string, VolumeSet>,
  bandRadius: number,
  batchSize: number,
): Promise<ModelMeasurement> {
  const val = concatSets(
    'val',
    datasets.map((d) => vals.get(d)!),
  );
  const temperature = fitValidationTemperature(await predictLogits(model, val, batchSize), val);
  const results: DatasetResult[] = [];
  const volumes: ModelMeasurement['volumes'] = [];
  for (const d of datasets) {
    const test = tests.get(d)!;
    const logits = await predictLogits(model, test, batchSize);
    const seg = segmentationScores(logits, test);
    const cal = calibrationPair(logits, test, temperature, structureBand(test, bandRadius));
    const pair = (key: 'ece' | 'mce' | 'nll' | 'brier') => ({ before: cal.before[key], after: cal.after[key] });
    volumes.push({ dataset: d, scores: seg });
    results.push({
      dataset: d,
      n: seg.length,
      dice: finiteMean(seg.map((v) => v.dice)),
      hd95: finiteMean(seg.map((v) => v.hd95)),
      hd95Finite: seg.filter((v) => Number.isFinite(v.hd95)).length,
      trivialDice: finiteMean(seg.map((v) => (v.truthVoxels === 0 ? 1 : 0))),
      calibration: {
        ece: pair('ece'),
        mce: pair('mce'),
        nll: pair('nll'),
        brier: pair('brier'),
        eceBand: { before: cal.bandBefore.ece, after: cal.bandAfter.ece },
        mceBand: { before: cal.bandBefore.mce, after: cal.bandAfter.mce },
      },
      bins: {
        before: cal.before.bins,
        after: cal.after.bins,
        bandBefore: cal.bandBefore.bins,
        bandAfter: cal.bandAfter.bins,
      },
    });
  }
  return { temperature, results, volumes };
}
