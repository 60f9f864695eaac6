// The hard-samples study's numbers over seeds: the classifiers' control (test AUROC and balanced accuracy above
// chance); per supervision setting: the mean-box control, HTL counts per
// sparsity, test IoU per retraining arm and the paired differences between arms (95% CI over seeds), HTL rates per
// factor subgroup (pooled over seeds, Wilson CI) with test IoU per subgroup before and after attending; PIE counts
// and subgroups of the classifiers; and the Findings.
import { type ProportionCI, proportionCI } from '@nodulab/eval';
import { fmtCI } from '../../kit/report/html';
import { Aggregate, aggregate, finiteMean } from '../../kit/aggregate';
import { Verdict, verdictOf } from '../../claims/verdict';
import { FACTOR_BINNINGS } from './factor_bins';
import type { AttendArm, SeedResult, SettingResult } from './run';
import type { ModelOutputs } from './populations';
import type { HardSamplesSpec, Setting } from './spec';
import { subgroupHtlRates } from './subgroups';

/** A difference in mean test IoU smaller than this (absolute) counts as negligible in a verdict (~2% of 0.5). */
export const IOU_NEGLIGIBLE = 0.01;

/** One claim of the study, with its effect over seeds and the verdict. */
export interface HardSamplesFinding {
  /** `<setting>/<claim>` for the localization claims (e.g. "semi/attend-baseline"), the claim alone for PIE. */
  id: string;
  /** The setting the claim was tested in (null: the classifiers' PIE). */
  setting: Setting | null;
  claim: string;
  measure: string;
  effect: Aggregate;
  verdict: Verdict;
  note?: string;
}

/** One factor subgroup: its HTL rate against the population's, and test IoU before/after attending. */
export interface SubgroupRow {
  factor: string;
  group: string;
  n: number;
  htl: number;
  rate: ProportionCI;
  populationRate: number;
  ratio: number;
  /** Test samples in the subgroup and their mean IoU under the baseline and the HTL-weighted arm (localization). */
  testN: number;
  iouBaseline: number | null;
  iouHtl: number | null;
}

/** The control of one setting: its dense localizer against the mean of its training boxes. */
export interface HardSamplesControl {
  dense: Aggregate;
  meanBox: Aggregate;
  difference: Aggregate;
  passed: boolean;
  text: string;
}

/**
 * The classifiers' control: the dense malignancy classifiers' test AUROC and balanced accuracy (mean over a
 * seed's dense models, 95% CI over seeds); passed when both intervals lie above chance (0.5), or with one seed
 * when both means do. PIE and the weak setting's Grad-CAM boxes rest on it.
 */
export interface ClassifierControl {
  auroc: Aggregate;
  balancedAccuracy: Aggregate;
  passed: boolean;
  text: string;
}

/** What one supervision setting reports. */
export interface SettingSummary {
  setting: Setting;
  control: HardSamplesControl;
  /** Mean IoU of the training boxes the localizers learn from with the true boxes (1 when supervised). */
  targetIoU: Aggregate;
  counts: { sparsity: number; count: Aggregate; fraction: Aggregate }[];
  arms: Record<AttendArm, Aggregate>;
  differences: { a: AttendArm; b: AttendArm; difference: Aggregate }[];
  subgroups: SubgroupRow[];
  /** The pruned localizers' test mean IoU minus the dense ones', per sparsity (95% CI over seeds). */
  pruned: PrunedRow[];
}

/**
 * One sparsity's pruned population against the dense one, on the test set: pruned − dense (each the mean over a
 * seed's models), 95% CI over seeds. PIE and localization HTL assume pruned models about as accurate as dense ones;
 * these rows show how far that holds.
 */
export interface PrunedRow {
  sparsity: number;
  /** Classifiers: AUROC and balanced accuracy differences; localizers: mean IoU difference. */
  auroc?: Aggregate;
  balancedAccuracy?: Aggregate;
  iou?: Aggregate;
}

/** Everything the study reports (metrics.json holds all of it but `perSeed`). */
export interface HardSamplesResults {
  spec: HardSamplesSpec;
  seconds: number;
  settings: SettingSummary[];
  /** PIE of the classifiers: their control, counts per sparsity and subgroups. */
  classification: {
    control: ClassifierControl;
    counts: { sparsity: number; count: Aggregate; fraction: Aggregate }[];
    subgroups: SubgroupRow[];
    /** The pruned classifiers against the dense ones on the test set, per sparsity. */
    pruned: PrunedRow[];
  };
  findings: HardSamplesFinding[];
  perSeed: SeedResult[];
}

function countsOf<T>(seeds: T[], pick: (s: T) => SettingResult['locCounts']) {
  const sparsities = pick(seeds[0]).map((c) => c.sparsity);
  return sparsities.map((sparsity, k) => ({
    sparsity,
    count: aggregate(seeds.map((s) => pick(s)[k].count)),
    fraction: aggregate(seeds.map((s) => pick(s)[k].fraction)),
  }));
}

/** Pruned − dense on the test set per sparsity, from each seed's populations (`models`); `metric` reads one model. */
function prunedRows(
  models: ModelOutputs[][],
  metrics: Partial<Record<'auroc' | 'balancedAccuracy' | 'iou', (m: ModelOutputs) => number>>,
): PrunedRow[] {
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
export function prunedClassifierRows(seeds: SeedResult[]): PrunedRow[] {
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
  spec: HardSamplesSpec,
  seeds: SeedResult[],
  flags: number[][],
  arms: SettingResult['armIoUs'][] | null,
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
        arms ? arms.flatMap((a, k) => a[arm].filter((_, i) => testGroups[k][i] === g.group)) : [];
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
 * The subgroup most over-represented among HTL samples (n >= 5): rate − population rate, with the Wilson interval
 * of its rate Bonferroni-adjusted over the k candidate subgroups (level 1 − 0.05/k), since the subgroup is picked
 * after looking at all of them.
 */
function overRepresentation(rows: SubgroupRow[]): { effect: Aggregate; row: SubgroupRow | null; candidates: number } {
  const candidates = rows.filter((r) => r.n >= 5);
  const top = candidates.sort((a, b) => b.rate.lower - b.populationRate - (a.rate.lower - a.populationRate))[0];
  if (!top) return { effect: aggregate([]), row: null, candidates: 0 };
  const p = top.populationRate;
  const adjusted = proportionCI(top.htl, top.n, 1 - 0.05 / candidates.length);
  const effect: Aggregate = {
    n: top.n,
    mean: top.rate.rate - p,
    std: null,
    lower: adjusted.lower - p,
    upper: adjusted.upper - p,
    halfWidth: (adjusted.upper - adjusted.lower) / 2,
    values: [],
  };
  return { effect, row: top, candidates: candidates.length };
}

const SETTING_TEXT: Record<Setting, string> = {
  supervised: 'supervised (every box known)',
  semi: 'semi-supervised (a fraction of boxes known, pseudo-boxes elsewhere)',
  weak: 'weakly supervised (image labels only, Grad-CAM boxes)',
};

/** The control of one setting: the dense localizers against the mean of the setting's training boxes. */
function controlOf(setting: Setting, results: SettingResult[]): HardSamplesControl {
  const dense = aggregate(results.map((s) => s.denseTestIoU));
  const meanBox = aggregate(results.map((s) => finiteMean(s.meanBoxIoUs)));
  const difference = aggregate(results.map((s) => s.denseTestIoU - finiteMean(s.meanBoxIoUs)));
  const passed = difference.lower !== null ? difference.lower > 0 : (difference.mean ?? 0) > 0;
  const what = `${SETTING_TEXT[setting]}: test mean IoU ${fmtCI(dense)} vs ${fmtCI(meanBox)}`;
  return {
    dense,
    meanBox,
    difference,
    passed,
    text: passed
      ? `${SETTING_TEXT[setting]}: the dense localizer beats the trivial one (the mean training box): test mean IoU ` +
        `${fmtCI(dense)} vs ${fmtCI(meanBox)}` +
        (difference.lower === null ? ' (one seed: no CI).' : '.')
      : `FAILED, ${what} (the dense localizer against the mean training box). ` +
        'Its HTL samples and attending results rest on a localizer that has not learned to localize.',
  };
}

/** The classifiers' control from each seed's dense classifiers' test metrics. */
export function classifierControlOf(seeds: SeedResult[]): ClassifierControl {
  const perSeed = (k: 'auroc' | 'balancedAccuracy') =>
    aggregate(
      seeds.map((s) =>
        finiteMean(s.classModels.filter((m) => m.sparsity === 0).map((m) => m.test.metrics?.[k] ?? NaN)),
      ),
    );
  const auroc = perSeed('auroc');
  const balancedAccuracy = perSeed('balancedAccuracy');
  const above = (a: Aggregate) => (a.lower !== null ? a.lower > 0.5 : (a.mean ?? 0) > 0.5);
  const passed = above(auroc) && above(balancedAccuracy);
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

const PAIRS: [AttendArm, AttendArm][] = [
  ['htl', 'baseline'],
  ['htl', 'random'],
  ['htl', 'mining'],
  ['random', 'baseline'],
  ['mining', 'baseline'],
];

/** One setting's aggregates and Findings. */
function summarizeSetting(
  spec: HardSamplesSpec,
  seeds: SeedResult[],
  setting: Setting,
  classifiers: ClassifierControl,
): { summary: SettingSummary; findings: HardSamplesFinding[] } {
  const results = seeds.map((s) => s.settings.find((x) => x.setting === setting)!);
  const arms = {} as Record<AttendArm, Aggregate>;
  for (const arm of ['baseline', 'htl', 'random', 'mining'] as const)
    arms[arm] = aggregate(results.map((s) => finiteMean(s.armIoUs[arm])));
  const diff = (a: AttendArm, b: AttendArm) =>
    aggregate(results.map((s) => finiteMean(s.armIoUs[a]) - finiteMean(s.armIoUs[b])));
  const differences = PAIRS.map(([a, b]) => ({ a, b, difference: diff(a, b) }));
  const control = controlOf(setting, results);
  const rows = subgroupRows(
    spec,
    seeds,
    results.map((s) => s.locHtl),
    results.map((s) => s.armIoUs),
  );
  const over = overRepresentation(rows);
  const d = (a: AttendArm, b: AttendArm) => differences.find((x) => x.a === a && x.b === b)!.difference;
  const failed = [
    ...(control.passed ? [] : ['the control failed']),
    ...(setting === 'weak' && !classifiers.passed ? ['the classifier control failed (its Grad-CAM boxes)'] : []),
  ];
  const note = failed.length ? `${failed.join('; ')} (see the top of the report)` : undefined;
  const finding = (id: string, claim: string, measure: string, effect: Aggregate, margin: number, why?: string) => ({
    id: `${setting}/${id}`,
    setting,
    claim: `${claim} (${setting})`,
    measure,
    effect,
    verdict: verdictOf(effect, 'greater', margin),
    ...(why ? { note: why } : {}),
  });
  const findings: HardSamplesFinding[] = [
    finding(
      'htl-harder',
      'Samples on which pruned and dense localizers diverge are hard to learn',
      'dense models’ mean training IoU with the true boxes: non-HTL − HTL samples',
      aggregate(results.map((s) => s.denseTrainIoU.rest - s.denseTrainIoU.htl)),
      IOU_NEGLIGIBLE,
      note,
    ),
    finding(
      'attend-baseline',
      'Up-weighting HTL samples improves localization (the seed study: about 2–3%)',
      'test mean IoU: HTL up-weighted − baseline',
      d('htl', 'baseline'),
      IOU_NEGLIGIBLE,
      note,
    ),
    finding(
      'attend-random',
      'The gain comes from which samples are up-weighted, not from up-weighting',
      'test mean IoU: HTL up-weighted − as many random samples up-weighted',
      d('htl', 'random'),
      IOU_NEGLIGIBLE,
      note,
    ),
    finding(
      'attend-mining',
      'Attending to HTL samples beats loss-based hard-example mining',
      'test mean IoU: HTL up-weighted − hard-example mining',
      d('htl', 'mining'),
      IOU_NEGLIGIBLE,
      note,
    ),
    finding(
      'subgroups',
      'HTL samples over-represent hidden subgroups',
      over.row
        ? `HTL rate of "${over.row.factor}: ${over.row.group}" − population rate (Wilson CI pooled over seeds, ` +
            `Bonferroni-adjusted over ${over.candidates} subgroups)`
        : 'no subgroup of at least 5 samples',
      over.effect,
      0.02,
      `the most over-represented of ${over.candidates} subgroups of at least 5 samples, chosen after looking; its ` +
        `interval is at level 1 − 0.05/${over.candidates}` +
        (note ? `; ${note}` : ''),
    ),
  ];
  const summary: SettingSummary = {
    setting,
    control,
    targetIoU: aggregate(results.map((s) => finiteMean(s.targetIoUs))),
    counts: countsOf(results, (s) => s.locCounts),
    arms,
    differences,
    subgroups: rows,
    pruned: prunedRows(
      results.map((r) => r.boxModels),
      { iou: (m) => finiteMean(m.test.ious ?? []) },
    ),
  };
  return { summary, findings };
}

/** Aggregates the seeds' results and states the Findings: PIE's, then each setting's. */
export function summarizeHardSamples(spec: HardSamplesSpec, seeds: SeedResult[], seconds: number): HardSamplesResults {
  const pieGrowth = aggregate(seeds.map((s) => s.pieCounts[s.pieCounts.length - 1].fraction - s.pieCounts[0].fraction));
  const control = classifierControlOf(seeds);
  const findings: HardSamplesFinding[] = [
    {
      id: 'pie-sparsity',
      setting: null,
      claim: 'Pruning exposes more PIEs (classification) the more it prunes',
      measure: `PIE fraction at sparsity ${spec.sparsities[spec.sparsities.length - 1]} − at ${spec.sparsities[0]}`,
      effect: pieGrowth,
      verdict: verdictOf(pieGrowth, 'greater', 0.01),
      ...(control.passed ? {} : { note: 'the classifier control failed (see the top of the report)' }),
    },
  ];
  const settings = spec.settings.map((setting) => {
    const r = summarizeSetting(spec, seeds, setting, control);
    findings.push(...r.findings);
    return r.summary;
  });
  return {
    spec,
    seconds,
    settings,
    classification: {
      control,
      counts: countsOf(seeds, (s) => s.pieCounts),
      subgroups: subgroupRows(
        spec,
        seeds,
        seeds.map((s) => s.pieHtl),
        null,
      ),
      pruned: prunedClassifierRows(seeds),
    },
    findings,
    perSeed: seeds,
  };
}
