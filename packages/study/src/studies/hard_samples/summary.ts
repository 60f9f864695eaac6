// The hard-samples study's summary over units: the classifiers' control (test AUROC and balanced accuracy above
// chance) with PIE counts per sparsity, pruned − dense rows and subgroups; per supervision setting the mean-box
// control, HTL counts per sparsity, test IoU per retraining arm and the paired per-seed differences between arms,
// how much harder the HTL samples are for the dense localizers, HTL rates per factor subgroup (pooled over seeds,
// Wilson CI) with test IoU per subgroup before and after attending. Every Aggregate keeps its per-seed values,
// which the claims read.
import { Aggregate, aggregate, finiteMean } from '../../kit/aggregate';
import { fmtCI } from '../../kit/report/html';
import type { UnitOutcome } from '../../framework/study';
import { FACTOR_BINNINGS } from './factor_bins';
import type {
  AttendArm,
  ClassifierControl,
  CountRow,
  HardSamplesResults,
  HardSamplesUnit,
  HardSamplesUnitResult,
  LocalizerControl,
  ModelOutputs,
  OverRepresentation,
  PrunedRow,
  SeedView,
  SettingSummary,
  SettingView,
  SpecView,
  SubgroupRow,
} from './results';
import { ARMS } from './results';
import { seedViews } from './seed_view';
import type { Setting } from './spec';
import { subgroupHtlRates } from './subgroups';

function countsOf<T>(seeds: T[], pick: (s: T) => { sparsity: number; count: number; fraction: number }[]): CountRow[] {
  if (seeds.length === 0) return [];
  return pick(seeds[0]).map(({ sparsity }, k) => ({
    sparsity,
    count: aggregate(seeds.map((s) => pick(s)[k].count)),
    fraction: aggregate(seeds.map((s) => pick(s)[k].fraction)),
  }));
}

/** Pruned − dense on the test set per sparsity, from each seed's populations (`models`); `metrics` read one model. */
function prunedRows(
  models: ModelOutputs[][],
  metrics: Partial<Record<'auroc' | 'balancedAccuracy' | 'iou', (m: ModelOutputs) => number>>,
): PrunedRow[] {
  if (models.length === 0) return [];
  const sparsities = [...new Set(models[0].map((m) => m.sparsity))].filter((s) => s > 0).sort((a, b) => a - b);
  const meanAt = (seed: ModelOutputs[], sparsity: number, read: (m: ModelOutputs) => number) =>
    finiteMean(seed.filter((m) => m.sparsity === sparsity).map(read));
  return sparsities.map((sparsity) => {
    const row: PrunedRow = { sparsity };
    for (const [key, read] of Object.entries(metrics) as [keyof typeof metrics, (m: ModelOutputs) => number][])
      row[key] = aggregate(models.map((seed) => meanAt(seed, sparsity, read) - meanAt(seed, 0, read)));
    return row;
  });
}

/** The classifiers' pruned − dense test AUROC and balanced accuracy per sparsity. */
export function prunedClassifierRows(seeds: SeedView[]): PrunedRow[] {
  return prunedRows(
    seeds.map((s) => s.classModels),
    {
      auroc: (m) => m.test.metrics?.auroc ?? NaN,
      balancedAccuracy: (m) => m.test.metrics?.balancedAccuracy ?? NaN,
    },
  );
}

/**
 * HTL rates per factor bin, pooled over seeds; with test IoU per bin under the baseline and HTL arms when `arms`
 * gives each seed's (localization).
 */
function subgroupRows(
  spec: SpecView,
  seeds: SeedView[],
  flags: number[][],
  arms: SettingView['armIoUs'][] | null,
): SubgroupRow[] {
  const rows: SubgroupRow[] = [];
  const htl = flags.flat();
  if (!htl.some((f) => f === 1)) return rows;
  for (const b of FACTOR_BINNINGS) {
    const groups = seeds.flatMap((s) => s.factors.train.map((f) => b.bin(f, spec.volume)));
    const r = subgroupHtlRates(htl, groups);
    const testGroups = seeds.map((s) => s.factors.test.map((f) => b.bin(f, spec.volume)));
    for (const g of r.groups) {
      const pick = (arm: AttendArm) =>
        arms ? arms.flatMap((a, k) => (a[arm] ?? []).filter((_, i) => testGroups[k][i] === g.group)) : [];
      const base = pick('baseline');
      rows.push({
        factor: b.factor,
        group: g.group,
        n: g.n,
        htl: g.htl,
        rate: g.rate,
        populationRate: r.populationRate,
        ratio: g.ratio,
        testN: base.length,
        iouBaseline: base.length ? finiteMean(base) : null,
        iouHtl: base.length ? finiteMean(pick('htl')) : null,
      });
    }
  }
  return rows;
}

/**
 * The subgroup most over-represented among HTL samples (n >= 5 pooled, ranked by its Wilson lower bound above the
 * population rate, after looking at every subgroup), and per seed its HTL rate − that seed's population rate.
 */
function overRepresentation(
  spec: SpecView,
  seeds: SeedView[],
  flags: number[][],
  rows: SubgroupRow[],
): OverRepresentation | null {
  const candidates = rows.filter((r) => r.n >= 5);
  const top = [...candidates].sort((a, b) => b.rate.lower - b.populationRate - (a.rate.lower - a.populationRate))[0];
  if (!top) return null;
  const binning = FACTOR_BINNINGS.find((b) => b.factor === top.factor)!;
  const perSeed = seeds.map((s, k) => {
    const f = flags[k];
    const inGroup = s.factors.train.map((x) => binning.bin(x, spec.volume) === top.group);
    const members = f.filter((_, i) => inGroup[i]);
    return members.length ? finiteMean(members) - finiteMean(f) : NaN;
  });
  return { factor: top.factor, group: top.group, candidates: candidates.length, perSeed: aggregate(perSeed) };
}

const SETTING_TEXT: Record<Setting, string> = {
  supervised: 'supervised (every box known)',
  semi: 'semi-supervised (a fraction of boxes known, pseudo-boxes elsewhere)',
  weak: 'weakly supervised (image labels only, Grad-CAM boxes)',
};

/** Passed when the 95% CI lies above `bar`, or with one seed when the mean does. */
const above = (a: Aggregate, bar: number) => (a.lower !== null ? a.lower > bar : (a.mean ?? bar) > bar);

/** The control of one setting: the dense localizers against the mean of the setting's training boxes. */
function controlOf(setting: Setting, views: SettingView[]): LocalizerControl {
  const dense = aggregate(views.map((s) => s.denseTestIoU));
  const meanBox = aggregate(views.map((s) => finiteMean(s.meanBoxIoUs)));
  const difference = aggregate(views.map((s) => s.denseTestIoU - finiteMean(s.meanBoxIoUs)));
  const passed = above(difference, 0);
  const what = `test mean IoU ${fmtCI(dense)} vs ${fmtCI(meanBox)}`;
  return {
    dense,
    meanBox,
    difference,
    passed,
    text: passed
      ? `${SETTING_TEXT[setting]}: the dense localizer beats the trivial one (the mean training box): ${what}` +
        (difference.lower === null ? ' (one seed: no CI).' : '.')
      : `FAILED, ${SETTING_TEXT[setting]}: ${what} (the dense localizer against the mean training box). ` +
        'Its HTL samples and attending results rest on a localizer that has not learned to localize.',
  };
}

/** The classifiers' control from each seed's dense classifiers' test metrics. */
export function classifierControlOf(seeds: SeedView[]): ClassifierControl {
  const perSeed = (k: 'auroc' | 'balancedAccuracy') =>
    aggregate(
      seeds.map((s) =>
        finiteMean(s.classModels.filter((m) => m.sparsity === 0).map((m) => m.test.metrics?.[k] ?? NaN)),
      ),
    );
  const auroc = perSeed('auroc');
  const balancedAccuracy = perSeed('balancedAccuracy');
  const passed = above(auroc, 0.5) && above(balancedAccuracy, 0.5);
  const what = `test AUROC ${fmtCI(auroc)}, balanced accuracy ${fmtCI(balancedAccuracy)}`;
  return {
    auroc,
    balancedAccuracy,
    passed,
    text: passed
      ? `the dense malignancy classifiers beat chance (0.5): ${what}` +
        (auroc.lower === null ? ' (one seed: no CI).' : '.')
      : `FAILED, the dense malignancy classifiers are not clearly above chance (0.5): ${what}. PIE and the weakly ` +
        'supervised setting’s Grad-CAM boxes rest on classifiers that have not learned malignancy.',
  };
}

/** The paired differences between arms the report shows (the claims read the first three). */
export const PAIRS: [AttendArm, AttendArm][] = [
  ['htl', 'baseline'],
  ['htl', 'random'],
  ['htl', 'mining'],
  ['random', 'baseline'],
  ['mining', 'baseline'],
];

/** One setting's aggregates over seeds. */
function summarizeSetting(spec: SpecView, seeds: SeedView[], setting: Setting): SettingSummary {
  const views = seeds.map((s) => s.settings.find((x) => x.setting === setting)!);
  const arms = {} as Record<AttendArm, Aggregate>;
  for (const arm of ARMS) arms[arm] = aggregate(views.map((s) => finiteMean(s.armIoUs[arm] ?? [])));
  const diff = (a: AttendArm, b: AttendArm) =>
    aggregate(views.map((s) => finiteMean(s.armIoUs[a] ?? []) - finiteMean(s.armIoUs[b] ?? [])));
  const flags = views.map((s) => s.locHtl);
  const subgroups = subgroupRows(
    spec,
    seeds,
    flags,
    views.map((s) => s.armIoUs),
  );
  return {
    setting,
    control: controlOf(setting, views),
    targetIoU: aggregate(views.map((s) => finiteMean(s.targetIoUs))),
    counts: countsOf(views, (s) => s.locCounts),
    arms,
    differences: PAIRS.map(([a, b]) => ({ a, b, difference: diff(a, b) })),
    htlHarder: aggregate(views.map((s) => s.denseTrainIoU.rest - s.denseTrainIoU.htl)),
    subgroups,
    overRepresented: overRepresentation(spec, seeds, flags, subgroups),
    pruned: prunedRows(
      views.map((r) => r.boxModels),
      { iou: (m) => finiteMean(m.test.ious ?? []) },
    ),
  };
}

/** The summary of assembled seed views (see {@link seedViews}). */
export function summarizeSeeds(spec: SpecView, seeds: SeedView[]): HardSamplesResults {
  const flags = seeds.map((s) => s.pieHtl);
  const subgroups = subgroupRows(spec, seeds, flags, null);
  return {
    seeds: seeds.map((s) => s.seed),
    classification: {
      control: classifierControlOf(seeds),
      counts: countsOf(seeds, (s) => s.pieCounts),
      pieGrowth: aggregate(seeds.map((s) => s.pieCounts[s.pieCounts.length - 1].fraction - s.pieCounts[0].fraction)),
      subgroups,
      overRepresented: overRepresentation(spec, seeds, flags, subgroups),
      pruned: prunedClassifierRows(seeds),
    },
    settings: spec.settings.map((setting) => summarizeSetting(spec, seeds, setting)),
  };
}

/** The summary over every unit's outcome (in plan order). */
export function summarizeHardSamples(
  spec: SpecView,
  outcomes: readonly UnitOutcome<HardSamplesUnit, HardSamplesUnitResult>[],
): HardSamplesResults {
  return summarizeSeeds(spec, seedViews(spec, outcomes));
}
