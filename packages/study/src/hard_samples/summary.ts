// The hard-samples study's numbers over seeds: the mean-box control, HTL counts per sparsity, test IoU per
// retraining arm and the paired differences between arms (95% CI over seeds), HTL rates per factor subgroup
// (pooled over seeds, Wilson CI) with test IoU per subgroup before and after attending, and the Findings.
import { type ProportionCI, proportionCI } from '@nodulab/eval';
import { fmtCI } from '../report/html';
import { Aggregate, aggregate, finiteMean } from '../aggregate';
import { Verdict, verdictOf } from '../verdict';
import { FACTOR_BINNINGS } from './factor_bins';
import type { AttendArm, SeedResult } from './run';
import type { HardSamplesSpec } from './spec';
import { subgroupHtlRates } from './subgroups';

/** A difference in mean test IoU smaller than this (absolute) counts as negligible in a verdict (~2% of 0.5). */
export const IOU_NEGLIGIBLE = 0.01;

/** One claim of the study, with its effect over seeds and the verdict. */
export interface HardSamplesFinding {
  id: string;
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

/** Everything the study reports (metrics.json holds all of it but `perSeed`). */
export interface HardSamplesResults {
  spec: HardSamplesSpec;
  seconds: number;
  control: { dense: Aggregate; meanBox: Aggregate; difference: Aggregate; passed: boolean; text: string };
  counts: {
    localization: { sparsity: number; count: Aggregate; fraction: Aggregate }[];
    classification: { sparsity: number; count: Aggregate; fraction: Aggregate }[];
  };
  arms: Record<AttendArm, Aggregate>;
  differences: { a: AttendArm; b: AttendArm; difference: Aggregate }[];
  subgroups: { localization: SubgroupRow[]; classification: SubgroupRow[] };
  findings: HardSamplesFinding[];
  perSeed: SeedResult[];
}

function countsOf(seeds: SeedResult[], pick: (s: SeedResult) => SeedResult['locCounts']) {
  const sparsities = pick(seeds[0]).map((c) => c.sparsity);
  return sparsities.map((sparsity, k) => ({
    sparsity,
    count: aggregate(seeds.map((s) => pick(s)[k].count)),
    fraction: aggregate(seeds.map((s) => pick(s)[k].fraction)),
  }));
}

/** HTL rates per factor bin, pooled over seeds; with test IoU per bin when `arms` is given. */
function subgroupRows(spec: HardSamplesSpec, seeds: SeedResult[], flags: (s: SeedResult) => number[], iou: boolean) {
  const rows: SubgroupRow[] = [];
  const htl = seeds.flatMap(flags);
  if (!htl.some((f) => f === 1)) return rows;
  for (const b of FACTOR_BINNINGS) {
    const groups = seeds.flatMap((s) => s.factors.train.map((f) => b.bin(f, spec.volume)));
    const r = subgroupHtlRates(htl, groups);
    const testGroups = seeds.map((s) => s.factors.test.map((f) => b.bin(f, spec.volume)));
    for (const g of r.groups) {
      const pick = (arm: AttendArm) =>
        seeds.flatMap((s, k) => s.armIoUs[arm].filter((_, i) => testGroups[k][i] === g.group));
      const base = iou ? pick('baseline') : [];
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

/** Aggregates the seeds' results and states the Findings. */
export function summarizeHardSamples(spec: HardSamplesSpec, seeds: SeedResult[], seconds: number): HardSamplesResults {
  const arms = {} as Record<AttendArm, Aggregate>;
  const armMean = (arm: AttendArm) => seeds.map((s) => finiteMean(s.armIoUs[arm]));
  for (const arm of ['baseline', 'htl', 'random', 'mining'] as const) arms[arm] = aggregate(armMean(arm));
  const diff = (a: AttendArm, b: AttendArm) =>
    aggregate(seeds.map((s) => finiteMean(s.armIoUs[a]) - finiteMean(s.armIoUs[b])));
  const pairs: [AttendArm, AttendArm][] = [
    ['htl', 'baseline'],
    ['htl', 'random'],
    ['htl', 'mining'],
    ['random', 'baseline'],
    ['mining', 'baseline'],
  ];
  const differences = pairs.map(([a, b]) => ({ a, b, difference: diff(a, b) }));
  const dense = aggregate(seeds.map((s) => s.denseTestIoU));
  const meanBox = aggregate(seeds.map((s) => finiteMean(s.meanBoxIoUs)));
  const cdiff = aggregate(seeds.map((s) => s.denseTestIoU - finiteMean(s.meanBoxIoUs)));
  const passed = cdiff.lower !== null ? cdiff.lower > 0 : (cdiff.mean ?? 0) > 0;
  const control = {
    dense,
    meanBox,
    difference: cdiff,
    passed,
    text: passed
      ? `The dense localizer beats the trivial one (the mean training box): test mean IoU ${fmtCI(dense)} vs ${fmtCI(meanBox)}` +
        (cdiff.lower === null ? ' (one seed: no CI).' : '.')
      : `FAILED: the dense localizer does not beat the trivial one (the mean training box): test mean IoU ${fmtCI(dense)} vs ${fmtCI(meanBox)}. ` +
        'Its HTL samples and attending results rest on a localizer that has not learned to localize.',
  };
  const locRows = subgroupRows(spec, seeds, (s) => s.locHtl, true);
  const clsRows = subgroupRows(spec, seeds, (s) => s.pieHtl, false);
  const over = overRepresentation(locRows);
  const pieCounts = countsOf(seeds, (s) => s.pieCounts);
  const pieGrowth = aggregate(seeds.map((s) => s.pieCounts[s.pieCounts.length - 1].fraction - s.pieCounts[0].fraction));
  const d = (a: AttendArm, b: AttendArm) => differences.find((x) => x.a === a && x.b === b)!.difference;
  const finding = (
    id: string,
    claim: string,
    measure: string,
    effect: Aggregate,
    margin: number,
    note?: string,
  ): HardSamplesFinding => ({
    id,
    claim,
    measure,
    effect,
    verdict: verdictOf(effect, 'greater', margin),
    ...(note ? { note } : {}),
  });
  const controlNote = passed ? undefined : 'the control failed (see the top of the report)';
  const findings: HardSamplesFinding[] = [
    finding(
      'htl-harder',
      'Samples on which pruned and dense localizers diverge are hard to learn',
      'dense models’ mean training IoU: non-HTL − HTL samples',
      aggregate(seeds.map((s) => s.denseTrainIoU.rest - s.denseTrainIoU.htl)),
      IOU_NEGLIGIBLE,
      controlNote,
    ),
    finding(
      'pie-sparsity',
      'Pruning exposes more PIEs (classification) the more it prunes',
      `PIE fraction at sparsity ${spec.sparsities[spec.sparsities.length - 1]} − at ${spec.sparsities[0]}`,
      pieGrowth,
      0.01,
    ),
    finding(
      'attend-baseline',
      'Up-weighting HTL samples improves localization (the seed study: about 2–3%)',
      'test mean IoU: HTL up-weighted − baseline',
      d('htl', 'baseline'),
      IOU_NEGLIGIBLE,
      controlNote,
    ),
    finding(
      'attend-random',
      'The gain comes from which samples are up-weighted, not from up-weighting',
      'test mean IoU: HTL up-weighted − as many random samples up-weighted',
      d('htl', 'random'),
      IOU_NEGLIGIBLE,
      controlNote,
    ),
    finding(
      'attend-mining',
      'Attending to HTL samples beats loss-based hard-example mining',
      'test mean IoU: HTL up-weighted − hard-example mining',
      d('htl', 'mining'),
      IOU_NEGLIGIBLE,
      controlNote,
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
        `interval is at level 1 − 0.05/${over.candidates}`,
    ),
  ];
  return {
    spec,
    seconds,
    control,
    counts: { localization: countsOf(seeds, (s) => s.locCounts), classification: pieCounts },
    arms,
    differences,
    subgroups: { localization: locRows, classification: clsRows },
    findings,
    perSeed: seeds,
  };
}
