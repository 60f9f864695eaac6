// The calibration-ood study's numbers over seeds, from its units' results: Dice, HD95 and calibration per regime
// and dataset, pooled reliability diagrams, the control's margins (Dice − all-background Dice), OOD AUROC / FPR95
// per set and method (joint model; dedicated models, their mean and each) with the spectral score's paired
// differences to each baseline, and how well the signatures separate the datasets. No verdicts: claims.ts
// declares the claims and the engine judges them.
import type { UnitOutcome } from '../../framework/study';
import { Aggregate, aggregate, finiteMean } from '../../kit/aggregate';
import { transferEpochs, transferVolumes } from './configs';
import { poolBins } from './measure';
import {
  BASELINES,
  CALIBRATION_KEYS,
  CalibrationOodSpec,
  CalibrationOodSummary,
  CalibrationOodUnit,
  CalibrationOodUnitResult,
  DatasetResult,
  DatasetSummary,
  Num,
  OOD_METHODS,
  OodMethod,
  OodResult,
  OodRun,
  OodTable,
  REGIMES,
  Regime,
  TrainResult,
} from './results';

/** A number JSON carried as null back to NaN. */
export const num = (v: Num | undefined): number => (typeof v === 'number' ? v : NaN);

/** The per-seed values of an aggregate, NaN where it had none. */
export const perSeed = (a: Aggregate | undefined, seeds: number): number[] =>
  a ? a.values.map((v) => num(v)) : Array.from({ length: seeds }, () => NaN);

/** One OOD run's AUROC of `set` and `method` (NaN when absent). */
export const auroc = (o: OodRun | undefined, set: string, method: OodMethod): number =>
  o?.sets[set]?.[method]?.auroc ?? NaN;

/**
 * Per seed, AUROC(spectral) − AUROC(`baseline`) averaged over `models` (OOD runs' model names) and `sets`: the
 * spectral score's paired effect against a baseline.
 */
export function aurocGap(
  ood: readonly OodRun[],
  models: readonly string[],
  sets: readonly string[],
  baseline: OodMethod,
  seed: number,
): number {
  return finiteMean(
    models.map((name) => {
      const o = ood.find((x) => x.seed === seed && x.model === name);
      return finiteMean(sets.map((set) => auroc(o, set, 'spectral') - auroc(o, set, baseline)));
    }),
  );
}

/** The dedicated models' OOD run names present in `ood`, in preset order. */
export const dedicatedModels = (spec: CalibrationOodSpec, ood: readonly OodRun[]): string[] =>
  spec.presets.map((p) => `dedicated:${p}`).filter((name) => ood.some((o) => o.model === name));

/** The summary over every unit's result (in plan order). */
export function summarizeCalibrationOod(
  spec: CalibrationOodSpec,
  outcomes: readonly UnitOutcome<CalibrationOodUnit, CalibrationOodUnitResult>[],
): CalibrationOodSummary {
  const seeds = spec.seeds;
  const runs = outcomes.map((o) => o.result).filter((r): r is TrainResult => r.kind === 'train');
  const oods = outcomes.map((o) => o.result).filter((r): r is OodResult => r.kind === 'ood');
  const ood = oods.map((r) => r.run);
  const oodSets = oods.find((r) => r.run.model === 'joint')?.setNames ?? oods[0]?.setNames ?? [];
  const model = (regime: Regime, dataset: string, seed: number) =>
    runs.find((r) => r.regime === regime && r.seed === seed && r.trainedOn.includes(dataset));
  const result = (regime: Regime, dataset: string, seed: number): DatasetResult | undefined =>
    model(regime, dataset, seed)?.results.find((x) => x.dataset === dataset);
  const datasetsOf = (regime: Regime) =>
    spec.presets.filter((d) => runs.some((r) => r.regime === regime && r.trainedOn.includes(d)));

  const performance: CalibrationOodSummary['performance'] = {};
  const reliability: CalibrationOodSummary['reliability'] = {};
  const margins: CalibrationOodSummary['margins'] = {};
  for (const regime of REGIMES) {
    const ds = datasetsOf(regime);
    if (ds.length === 0) continue;
    performance[regime] = {};
    margins[regime] = {};
    for (const d of ds) {
      const over = (f: (x: DatasetResult) => number) =>
        aggregate(
          seeds.map((s) => {
            const x = result(regime, d, s);
            return x ? f(x) : NaN;
          }),
        );
      const row: DatasetSummary = {
        dice: over((x) => x.dice),
        hd95: over((x) => num(x.hd95)),
        trivialDice: over((x) => x.trivialDice),
        temperature: aggregate(seeds.map((s) => model(regime, d, s)?.temperature ?? NaN)),
      };
      for (const k of CALIBRATION_KEYS) {
        row[k] = over((x) => num(x.calibration[k].before));
        row[`${k}After`] = over((x) => num(x.calibration[k].after));
      }
      performance[regime][d] = row;
      margins[regime][d] = over((x) => x.dice - x.trivialDice);
    }
    const results = runs.filter((r) => r.regime === regime).flatMap((r) => r.results);
    reliability[regime] = {
      before: poolBins(results.map((x) => x.bins.before)),
      after: poolBins(results.map((x) => x.bins.after)),
      bandBefore: poolBins(results.map((x) => x.bins.bandBefore)),
      bandAfter: poolBins(results.map((x) => x.bins.bandAfter)),
    };
  }

  // Per seed, the mean over `models` of one number of each run.
  const overModels = (models: readonly string[], s: number, f: (o: OodRun) => number) =>
    finiteMean(models.map((name) => ood.find((o) => o.seed === s && o.model === name)).map((o) => (o ? f(o) : NaN)));
  const metric = (set: string, method: OodMethod, key: 'auroc' | 'fpr95') => (o: OodRun) =>
    o.sets[set]?.[method]?.[key] ?? NaN;
  const oodTable = (models: readonly string[]): OodTable =>
    Object.fromEntries(
      oodSets.map((set) => [
        set,
        Object.fromEntries(
          OOD_METHODS.map((m) => [
            m,
            {
              auroc: aggregate(seeds.map((s) => overModels(models, s, metric(set, m, 'auroc')))),
              fpr95: aggregate(seeds.map((s) => overModels(models, s, metric(set, m, 'fpr95')))),
            },
          ]),
        ),
      ]),
    );
  const differences = (models: readonly string[]) =>
    Object.fromEntries(
      oodSets.map((set) => [
        set,
        Object.fromEntries(BASELINES.map((b) => [b, aggregate(seeds.map((s) => aurocGap(ood, models, [set], b, s)))])),
      ]),
    );
  const dedicated = dedicatedModels(spec, ood);
  const showcase = oods.find((r) => r.roc !== null);
  return {
    models: runs.map(({ kind: _k, results: _r, volumes: _v, ...m }) => m),
    transfer: { volumes: transferVolumes(spec), epochs: transferEpochs(spec) },
    performance,
    reliability,
    margins,
    ood,
    oodSets,
    oodJoint: oodTable(['joint']),
    oodDifferences: differences(['joint']),
    oodDedicated: oodTable(dedicated),
    oodDifferencesDedicated: differences(dedicated),
    oodDedicatedByPreset: Object.fromEntries(
      dedicated.map((name) => [name.slice('dedicated:'.length), oodTable([name])]),
    ),
    separation: aggregate(
      seeds.map((s) => num(ood.find((o) => o.seed === s && o.model === 'joint')?.separation ?? null)),
    ),
    chance: 1 / spec.presets.length,
    roc: showcase?.roc ?? {},
    pca: showcase?.pca ?? { explained: [], points: [] },
  };
}
