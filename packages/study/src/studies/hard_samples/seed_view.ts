// One seed's measurements assembled from its units' results: PIE over the classifier units, the box divergence
// and HTL samples over a setting's localizer units (the arm units choose their HTL samples with the same
// function), the arms' test IoUs and the trivial localizer's. Pure: no model is read.
import { finiteMean } from '../../kit/aggregate';
import { htlCounts, selectHtl } from './htl';
import { classificationPie, localizationDivergence } from './pie';
import type {
  AttendArm,
  ArmResult,
  DataResult,
  HardSamplesUnit,
  HardSamplesUnitResult,
  ModelOutputs,
  PopulationResult,
  SeedView,
  SettingView,
  SpecView,
  TargetsResult,
} from './results';
import type { Setting } from './spec';

/** A unit's result as the summary receives it. */
export interface Outcome {
  unit: HardSamplesUnit;
  result: HardSamplesUnitResult;
}

/** The models of population units (in model order), dense ones first within each. */
const modelsOf = (pops: readonly PopulationResult[]): ModelOutputs[] =>
  [...pops].sort((a, b) => a.model - b.model).flatMap((p) => p.models);

/** Dense models, then the pruned ones per sparsity of `sparsities`. */
function populations(models: readonly ModelOutputs[], sparsities: readonly number[]) {
  return {
    dense: models.filter((m) => m.sparsity === 0),
    pruned: sparsities.map((s) => ({ sparsity: s, models: models.filter((m) => m.sparsity === s) })),
  };
}

/**
 * The localization HTL samples of a setting from its localizer units: per training sample, the mean over
 * sparsities of 1 − IoU between the dense and pruned populations' mean boxes (no label needed), the top
 * spec.htlFraction flagged, and the counts per sparsity of samples diverging by more than 0.5.
 */
export function localizationHtl(spec: Pick<SpecView, 'sparsities' | 'htlFraction'>, pops: readonly PopulationResult[]) {
  const { dense, pruned } = populations(modelsOf(pops), spec.sparsities);
  const div = localizationDivergence({
    dense: dense.map((m) => m.train.boxes!),
    pruned: pruned.map((p) => ({ sparsity: p.sparsity, models: p.models.map((m) => m.train.boxes!) })),
  });
  return {
    score: Array.from(div.score),
    htl: Array.from(selectHtl(div.score, { topFraction: spec.htlFraction }, { allowEmpty: true })),
    counts: htlCounts(
      div.perSparsity.map((p) => ({ sparsity: p.sparsity, scores: p.divergence })),
      { threshold: 0.5 },
    ),
  };
}

function settingView(
  spec: SpecView,
  setting: Setting,
  targets: TargetsResult,
  locs: PopulationResult[],
  arms: ArmResult[],
): SettingView {
  const loc = localizationHtl(spec, locs);
  const boxModels = modelsOf(locs);
  const dense = boxModels.filter((m) => m.sparsity === 0);
  const armIoUs = { baseline: dense[0].test.ious! } as Record<AttendArm, number[]>;
  for (const a of arms) armIoUs[a.arm] = a.ious;
  const per = (flag: number) => finiteMean(dense.flatMap((m) => m.train.ious!.filter((_, i) => loc.htl[i] === flag)));
  return {
    setting,
    labeled: targets.labeled,
    targetIoUs: targets.targetIoUs,
    locScore: loc.score,
    locHtl: loc.htl,
    locCounts: loc.counts,
    boxModels: [...dense, ...boxModels.filter((m) => m.sparsity > 0)],
    armIoUs,
    meanBoxIoUs: targets.meanBoxIoUs,
    denseTestIoU: finiteMean(dense.map((m) => finiteMean(m.test.ious!))),
    denseTrainIoU: { htl: loc.htl.some((h) => h === 1) ? per(1) : NaN, rest: per(0) },
  };
}

/** Every seed's view, in spec.seeds order, from the outcomes of the plan. Throws naming a missing unit. */
export function seedViews(spec: SpecView, outcomes: readonly Outcome[]): SeedView[] {
  const results = outcomes.map((o) => o.result);
  return spec.seeds.map((seed) => {
    const mine = results.filter((r) => r.seed === seed);
    const data = mine.find((r): r is DataResult => r.kind === 'data');
    if (!data) throw new Error(`hard-samples: no data unit for seed ${seed}`);
    const classifiers = mine.filter((r): r is PopulationResult => r.kind === 'classifier');
    const classModels = modelsOf(classifiers);
    const { dense, pruned } = populations(classModels, spec.sparsities);
    const pie = classificationPie({
      dense: dense.map((m) => m.train.classes!),
      pruned: pruned.map((p) => ({ sparsity: p.sparsity, models: p.models.map((m) => m.train.classes!) })),
    });
    const settings = spec.settings.map((setting) => {
      const targets = mine.find((r): r is TargetsResult => r.kind === 'targets' && r.setting === setting);
      if (!targets) throw new Error(`hard-samples: no targets unit for seed ${seed}, setting ${setting}`);
      const locs = mine.filter((r): r is PopulationResult => r.kind === 'localizer' && r.setting === setting);
      const arms = mine.filter((r): r is ArmResult => r.kind === 'arm' && r.setting === setting);
      return settingView(spec, setting, targets, locs, arms);
    });
    return {
      seed,
      factors: data.factors,
      classModels: [...dense, ...classModels.filter((m) => m.sparsity > 0)],
      pieScore: Array.from(pie.score),
      pieHtl: Array.from(selectHtl(pie.score, { topFraction: spec.htlFraction }, { allowEmpty: true })),
      pieCounts: pie.perSparsity.map((p) => ({ sparsity: p.sparsity, count: p.count, fraction: p.fraction })),
      settings,
    };
  });
}
