// The calibration-ood study's numbers over seeds: Dice, HD95 and calibration per regime and dataset, pooled
// reliability diagrams, OOD AUROC / FPR95 per set and method (joint model; dedicated models, their mean and each)
// with the spectral score's paired differences to each baseline, how well the signatures separate the datasets;
// the control (every model's Dice beats the trivial all-background prediction) and each claim's paired effects
// with verdicts.
import { Aggregate, aggregate, finiteMean } from '../../kit/aggregate';
import { Claim, judgeClaim } from '../../claims/claims';
import type { ReliabilityBin } from '@nodulab/eval';
import { poolBins } from './measure';
import type { ModelRun } from './run';
import type { OodRun } from './ood_run';
import { CalibrationOodSpec, OOD_METHODS, OodMethod, REGIMES, Regime } from './spec';

/** The numbers of one regime on one dataset, each over seeds. */
export type DatasetSummary = Record<string, Aggregate>;

/** The control: each regime's Dice on each of its datasets minus the trivial all-background Dice. */
export interface CalibrationOodControl {
  /** regime -> dataset -> Dice − trivial Dice over seeds. */
  margins: Record<string, Record<string, Aggregate>>;
  passed: boolean;
  failing: string[];
  note: string;
}

export interface CalibrationOodSummary {
  /** regime -> dataset -> metric -> over seeds (dice, hd95, trivialDice, temperature, ece, eceAfter, ...). */
  performance: Record<string, Record<string, DatasetSummary>>;
  /** regime -> pooled reliability bins over datasets and seeds. */
  reliability: Record<string, Record<'before' | 'after' | 'bandBefore' | 'bandAfter', ReliabilityBin[]>>;
  /** Joint model: set -> method -> {auroc, fpr95} over seeds. */
  ood: OodTable;
  /** Joint model: set -> baseline -> AUROC(spectral) − AUROC(baseline), paired over seeds. */
  oodDifferences: Record<string, Record<string, Aggregate>>;
  /** Dedicated models, each on its own preset's OOD sets: per seed the mean over the presets, over seeds. */
  oodDedicated: OodTable;
  oodDifferencesDedicated: Record<string, Record<string, Aggregate>>;
  /** preset -> its dedicated model's set -> method -> {auroc, fpr95} over seeds. */
  oodDedicatedByPreset: Record<string, OodTable>;
  /** Leave-one-out 1-NN accuracy of the dataset from the signatures, and its chance level. */
  separation: Aggregate;
  chance: number;
  control: CalibrationOodControl;
  claims: Claim[];
}

/** set -> method -> AUROC and FPR95 over seeds. */
export type OodTable = Record<string, Record<string, { auroc: Aggregate; fpr95: Aggregate }>>;

/** The calibration numbers of each regime and dataset (each also as `<key>After`, after temperature scaling). */
export const CALIBRATION_KEYS = ['ece', 'mce', 'nll', 'brier', 'eceBand', 'mceBand'] as const;

/** The uncertainty baselines the spectral score is compared with. */
export const BASELINES = OOD_METHODS.filter((m) => m !== 'spectral') as Exclude<OodMethod, 'spectral'>[];

/** Aggregates the runs and OOD results and judges the claims. */
export function summarizeCalibrationOod(
  spec: CalibrationOodSpec,
  runs: ModelRun[],
  ood: OodRun[],
  oodSets: string[],
): CalibrationOodSummary {
  const seeds = spec.seeds;
  const result = (regime: Regime, dataset: string, seed: number) =>
    runs
      .find((r) => r.regime === regime && r.seed === seed && r.trainedOn.includes(dataset))
      ?.results.find((x) => x.dataset === dataset);
  const model = (regime: Regime, dataset: string, seed: number) =>
    runs.find((r) => r.regime === regime && r.seed === seed && r.trainedOn.includes(dataset));
  const datasetsOf = (regime: Regime) =>
    spec.presets.filter((d) => runs.some((r) => r.regime === regime && r.trainedOn.includes(d)));

  const performance: CalibrationOodSummary['performance'] = {};
  const reliability: CalibrationOodSummary['reliability'] = {};
  for (const regime of REGIMES) {
    const ds = datasetsOf(regime);
    if (ds.length === 0) continue;
    performance[regime] = {};
    for (const d of ds) {
      const over = (f: (x: NonNullable<ReturnType<typeof result>>) => number) =>
        aggregate(
          seeds.map((s) => {
            const x = result(regime, d, s);
            return x ? f(x) : NaN;
          }),
        );
      const row: DatasetSummary = {
        dice: over((x) => x.dice),
        hd95: over((x) => x.hd95),
        trivialDice: over((x) => x.trivialDice),
        temperature: aggregate(seeds.map((s) => model(regime, d, s)?.temperature ?? NaN)),
      };
      for (const k of CALIBRATION_KEYS) {
        row[k] = over((x) => x.calibration[k].before);
        row[`${k}After`] = over((x) => x.calibration[k].after);
      }
      performance[regime][d] = row;
    }
    const results = runs.filter((r) => r.regime === regime).flatMap((r) => r.results);
    reliability[regime] = {
      before: poolBins(results.map((x) => x.bins.before)),
      after: poolBins(results.map((x) => x.bins.after)),
      bandBefore: poolBins(results.map((x) => x.bins.bandBefore)),
      bandAfter: poolBins(results.map((x) => x.bins.bandAfter)),
    };
  }

  // Per seed, the mean over `models` (OOD runs' model names) of one number of each run.
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
  // Per seed, AUROC(spectral) − AUROC(baseline) averaged over `models` and `sets`.
  const aurocGap = (models: readonly string[], sets: readonly string[], b: OodMethod, s: number) =>
    overModels(models, s, (o) =>
      finiteMean(sets.map((set) => metric(set, 'spectral', 'auroc')(o) - metric(set, b, 'auroc')(o))),
    );
  const differences = (models: readonly string[]) =>
    Object.fromEntries(
      oodSets.map((set) => [
        set,
        Object.fromEntries(BASELINES.map((b) => [b, aggregate(seeds.map((s) => aurocGap(models, [set], b, s)))])),
      ]),
    );
  const jointModel = ['joint'];
  const dedicatedModels = spec.presets.map((p) => `dedicated:${p}`).filter((name) => ood.some((o) => o.model === name));
  const oodRun = (s: number) => ood.find((o) => o.seed === s && o.model === 'joint');
  const oodSummary = oodTable(jointModel);
  const oodDifferences = differences(jointModel);
  const oodDedicated = oodTable(dedicatedModels);
  const oodDifferencesDedicated = differences(dedicatedModels);
  const oodDedicatedByPreset = Object.fromEntries(
    dedicatedModels.map((name) => [name.slice('dedicated:'.length), oodTable([name])]),
  );
  const separation = aggregate(seeds.map((s) => oodRun(s)?.separation ?? NaN));
  const chance = 1 / spec.presets.length;

  // The control: every model's Dice on each of its datasets beats the all-background prediction (CI above 0).
  const margins: CalibrationOodControl['margins'] = {};
  const failing: string[] = [];
  let noCi = false;
  for (const regime of Object.keys(performance) as Regime[])
    for (const d of Object.keys(performance[regime])) {
      const a = aggregate(
        seeds.map((s) => {
          const x = result(regime, d, s);
          return x ? x.dice - x.trivialDice : NaN;
        }),
      );
      (margins[regime] ??= {})[d] = a;
      if (a.lower === null) noCi = true;
      if (a.lower === null ? !((a.mean ?? -1) > 0) : !(a.lower > 0)) failing.push(`${regime} on ${d}`);
    }
  const passed = failing.length === 0 && !noCi;
  const note =
    failing.length > 0
      ? `FAILED: the Dice of ${failing.join(', ')} is not shown to beat predicting background everywhere (95% CI of Dice − trivial Dice not above 0); the comparisons below rest on models that did not learn to segment`
      : noCi
        ? 'FAILED to show: one seed gives no CI, so it is not shown that every model beats the all-background prediction'
        : 'every model beats predicting background everywhere on each of its datasets (95% CI of Dice − trivial Dice above 0)';

  // Per seed, the mean over datasets of a paired difference between two regimes.
  const meanDiff = (a: Regime, b: Regime, ds: string[], f: (x: NonNullable<ReturnType<typeof result>>) => number) =>
    seeds.map((s) =>
      finiteMean(
        ds.map((d) => {
          const x = result(a, d, s);
          const y = result(b, d, s);
          return x && y ? f(x) - f(y) : NaN;
        }),
      ),
    );
  const targets = datasetsOf('transfer');
  const claims: Claim[] = [
    judgeClaim(
      'A jointly trained model segments more accurately than dedicated models',
      'Dice, mean over datasets',
      'greater',
      [{ comparison: 'joint − dedicated', values: meanDiff('joint', 'dedicated', spec.presets, (x) => x.dice) }],
    ),
    judgeClaim(
      'A jointly trained model is better calibrated than dedicated models',
      'ECE before temperature scaling (whole volume; band around the structure), mean over datasets',
      'less',
      [
        {
          comparison: 'joint − dedicated, whole volume',
          values: meanDiff('joint', 'dedicated', spec.presets, (x) => x.calibration.ece.before),
        },
        {
          comparison: 'joint − dedicated, band',
          values: meanDiff('joint', 'dedicated', spec.presets, (x) => x.calibration.eceBand.before),
        },
      ],
    ),
    judgeClaim(
      'A jointly trained model segments more accurately than transfer learning',
      `Dice on the fine-tuning targets (${targets.join(', ')}), mean over them`,
      'greater',
      targets.length
        ? [{ comparison: 'joint − transfer', values: meanDiff('joint', 'transfer', targets, (x) => x.dice) }]
        : [],
    ),
    judgeClaim(
      "The spectral signature of a layer's feature map identifies the dataset",
      `leave-one-out 1-NN accuracy of the dataset from ${spec.layer} signatures (joint model, test volumes) − chance ${chance.toFixed(3)}`,
      'greater',
      [{ comparison: 'accuracy − chance', values: seeds.map((s) => (oodRun(s)?.separation ?? NaN) - chance) }],
    ),
    judgeClaim(
      'Spectral OOD detection beats the uncertainty baselines (joint model)',
      `AUROC(spectral) − AUROC(baseline), mean over the ${oodSets.length} OOD sets; every baseline must be beaten`,
      'greater',
      BASELINES.map((b) => ({
        comparison: `spectral − ${b}`,
        values: seeds.map((s) => aurocGap(jointModel, oodSets, b, s)),
      })),
      'all',
    ),
  ];
  if (dedicatedModels.length > 0)
    claims.push(
      judgeClaim(
        'Spectral OOD detection beats the uncertainty baselines (dedicated models)',
        `AUROC(spectral) − AUROC(baseline), mean over the ${dedicatedModels.length} dedicated models (each on its own ` +
          `preset's test volumes and OOD sets) and the ${oodSets.length} OOD sets; every baseline must be beaten`,
        'greater',
        BASELINES.map((b) => ({
          comparison: `spectral − ${b}`,
          values: seeds.map((s) => aurocGap(dedicatedModels, oodSets, b, s)),
        })),
        'all',
      ),
    );
  return {
    performance,
    reliability,
    ood: oodSummary,
    oodDifferences,
    oodDedicated,
    oodDifferencesDedicated,
    oodDedicatedByPreset,
    separation,
    chance,
    control: { margins, passed, failing, note },
    claims,
  };
}
