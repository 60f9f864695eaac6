// The hard-samples study's per-sample files: htl.csv (per seed and training sample: factors, PIE, and per setting
// its training box quality, HTL score and flag, and every model's output) and predictions.csv (per seed, test
// sample, setting and model), assembled from the units' results.
import { csvCell } from '@nodulab/eval';
import type { FactorRecord } from '@nodulab/data';
import { ARMS } from './results';
import type { ModelOutputs, SeedView } from './results';

const FACTOR_COLUMNS = [
  'diameter',
  'densityType',
  'attenuation',
  'lobulation',
  'spiculationCount',
  'pleuralWall',
  'offsetZ',
  'offsetY',
  'offsetX',
  'vesselCount',
  'noiseStd',
] as const;

const factorCells = (f: FactorRecord) => FACTOR_COLUMNS.map((c) => csvCell(f[c]));
const boxCell = (m: ModelOutputs['train'], i: number) => (m.ious ? m.ious[i].toFixed(4) : String(m.classes![i]));

/**
 * htl.csv: per seed and training sample its factors, PIE score and flag, every classifier's class, and per setting
 * whether its true box was given, its training box's IoU with the truth, its HTL score and flag, and every
 * localizer's IoU with the true box (columns prefixed by the setting).
 */
export function htlCsv(seeds: readonly SeedView[]): string {
  const first = seeds[0];
  const head = [
    'seed',
    'sample',
    ...FACTOR_COLUMNS,
    'pie_score',
    'pie_htl',
    ...first.classModels.map((m) => `${m.name}_class`),
    ...first.settings.flatMap((x) => [
      `${x.setting}_labeled`,
      `${x.setting}_target_iou`,
      `${x.setting}_loc_score`,
      `${x.setting}_loc_htl`,
      ...x.boxModels.map((m) => `${x.setting}_${m.name}_iou`),
    ]),
  ];
  const rows = [head.join(',')];
  for (const s of seeds) {
    s.factors.train.forEach((f, i) =>
      rows.push(
        [
          s.seed,
          i,
          ...factorCells(f),
          s.pieScore[i].toFixed(5),
          s.pieHtl[i],
          ...s.classModels.map((m) => boxCell(m.train, i)),
          ...s.settings.flatMap((x) => [
            x.labeled[i],
            x.targetIoUs[i].toFixed(4),
            x.locScore[i].toFixed(5),
            x.locHtl[i],
            ...x.boxModels.map((m) => boxCell(m.train, i)),
          ]),
        ].join(','),
      ),
    );
  }
  return rows.join('\n') + '\n';
}

/**
 * predictions.csv: per seed, test sample, setting and model (arms, the mean box, the populations), its IoU with
 * the true box; the classifiers' classes with an empty setting.
 */
export function predictionsCsv(seeds: readonly SeedView[]): string {
  const rows = [['seed', 'sample', 'setting', 'model', 'iou', 'class', ...FACTOR_COLUMNS].join(',')];
  for (const s of seeds) {
    s.factors.test.forEach((f, i) => {
      const fc = factorCells(f).join(',');
      for (const x of s.settings) {
        const row = (model: string, iou: number) => `${s.seed},${i},${x.setting},${model},${iou.toFixed(4)},,${fc}`;
        for (const arm of ARMS) rows.push(row(`attend-${arm}`, x.armIoUs[arm][i]));
        rows.push(row('mean-box', x.meanBoxIoUs[i]));
        for (const m of x.boxModels) rows.push(row(m.name, m.test.ious![i]));
      }
      for (const m of s.classModels) rows.push(`${s.seed},${i},,${m.name},,${m.test.classes![i]},${fc}`);
    });
  }
  return rows.join('\n') + '\n';
}
