// The loss-generalization summary over units: means and CIs per loss, the iid control's outcome, and
// paired per-seed differences between losses of every compared measure.
import { pairedDifference } from '@nodulab/eval';
import { Aggregate, aggregate, aggregateFields } from '../../kit/aggregate';
import type { UnitOutcome } from '../../framework';
import type { FactorRole } from './counterfactual';
import type {
  ControlResult,
  ControlRun,
  LossGeneralizationResults,
  LossGeneralizationUnit,
  MetricName,
  PairedDifference,
  RunOutcome,
  RunResult,
  StudySummary,
} from './results';
import { StudySpec, datasetSeedOf } from './spec';

/** The control arm's summary and verdict. */
export function controlResult(
  study: Pick<StudySpec, 'losses' | 'control'>,
  runs: readonly ControlRun[],
): ControlResult {
  const { enabled, minBalancedAccuracy } = study.control;
  const summary: ControlResult['summary'] = {};
  for (const { name } of study.losses) {
    const mine = runs.filter((r) => r.loss === name);
    if (mine.length) summary[name] = aggregateFields(mine, (r) => r.metrics);
  }
  const failing = enabled
    ? study.losses
        .map((l) => l.name)
        .filter((l) => !((summary[l]?.balancedAccuracy?.mean ?? -Infinity) >= minBalancedAccuracy))
    : [];
  return {
    enabled,
    passed: enabled ? failing.length === 0 : null,
    minBalancedAccuracy,
    failing,
    runs: [...runs],
    summary,
  };
}

/** The paired measures compared between losses: metrics per test set, counterfactual and probe measures by role. */
export const PAIRED_METRICS: MetricName[] = ['balancedAccuracy', 'auroc'];

type Measure = Pick<PairedDifference, 'section' | 'target' | 'metric'> & {
  value: (r: RunResult) => number | undefined;
};

/** The measures compared between losses, for a study whose counterfactual groups have `roles`. */
function pairedMeasures(study: StudySpec, roles: Record<string, FactorRole>): Measure[] {
  const out: Measure[] = [];
  for (const t of study.testSets)
    for (const m of PAIRED_METRICS)
      out.push({ section: 'performance', target: t.name, metric: m, value: (r) => r.testSets[t.name]?.[m] });
  for (const g of study.analysis.factors) {
    const role = roles[g.name];
    if (role !== 'shortcut' && role !== 'core') continue;
    for (const m of role === 'shortcut' ? ['flipRate', 'meanDeltaP'] : ['flipRate'])
      out.push({
        section: 'counterfactual',
        target: g.name,
        metric: m,
        value: (r) => r.counterfactual[g.name]?.[m as 'flipRate'],
      });
  }
  for (const t of probedFactors(study, roles))
    out.push({ section: 'probe', target: t, metric: 'r2', value: (r) => r.probes[t]?.score });
  return out;
}

/** Probe targets that are factors of a shortcut or core counterfactual group, core first. */
export function probedFactors(study: StudySpec, roles: Record<string, FactorRole>, only?: FactorRole): string[] {
  const of = (role: FactorRole): string[] =>
    study.analysis.factors.filter((g) => roles[g.name] === role).flatMap((g) => g.factors as string[]);
  const wanted = only ? of(only) : [...of('core'), ...of('shortcut')];
  return study.analysis.probeTargets.filter((t) => t !== 'label' && wanted.includes(t));
}

/** Per-seed differences x_a(seed) − x_b(seed), over the seeds where both are finite. */
function pairedAggregate(xa: (number | undefined)[], xb: (number | undefined)[]): Aggregate {
  const a: number[] = [];
  const b: number[] = [];
  xa.forEach((v, i) => {
    const w = xb[i];
    if (v !== undefined && w !== undefined && Number.isFinite(v) && Number.isFinite(w)) {
      a.push(v);
      b.push(w);
    }
  });
  if (a.length === 0) return aggregate([]);
  const d = pairedDifference(a, b);
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    n: d.n,
    mean: d.mean,
    std: finite(d.std),
    lower: finite(d.lower),
    upper: finite(d.upper),
    halfWidth: finite(d.halfWidth),
    values: a.map((v, i) => v - b[i]),
  };
}

/**
 * The verdict of one of k effects of a claim, read from its Bonferroni-adjusted CI: the Student-t CI at


/** For every pair of losses (in the study's order, a before b) and every compared measure, the paired a − b. */
export function pairedDifferences(
  study: StudySpec,
  runs: readonly RunResult[],
  roles: Record<string, FactorRole>,
): PairedDifference[] {
  const losses = study.losses.map((l) => l.name);
  const measures = pairedMeasures(study, roles);
  const out: PairedDifference[] = [];
  const perSeed = (loss: string, m: Measure) =>
    study.seeds.map((s) => {
      const r = runs.find((x) => x.loss === loss && x.seed === s);
      return r ? m.value(r) : undefined;
    });
  for (let i = 0; i < losses.length; i++)
    for (let j = i + 1; j < losses.length; j++)
      for (const m of measures)
        out.push({
          a: losses[i],
          b: losses[j],
          section: m.section,
          target: m.target,
          metric: m.metric,
          diff: pairedAggregate(perSeed(losses[i], m), perSeed(losses[j], m)),
        });
  return out;
}

/** Aggregates per-run results over seeds, per loss. */
export function summarize(study: Pick<StudySpec, 'losses'>, runs: readonly RunResult[]): StudySummary {
  const s: StudySummary = { performance: {}, counterfactual: {}, probes: {}, saliency: {} };
  for (const { name } of study.losses) {
    const mine = runs.filter((r) => r.loss === name);
    if (mine.length === 0) continue;
    s.performance[name] = Object.fromEntries(
      Object.keys(mine[0].testSets).map((t) => [t, aggregateFields(mine, (r) => r.testSets[t])]),
    );
    s.counterfactual[name] = Object.fromEntries(
      Object.keys(mine[0].counterfactual).map((f) => [
        f,
        aggregateFields(mine, (r) => {
          const c = r.counterfactual[f];
          return c
            ? {
                flipRate: c.flipRate,
                meanDeltaP: c.meanDeltaP,
                meanAbsDeltaP: c.meanAbsDeltaP,
                labelChangeRate: c.labelChangeRate,
              }
            : undefined;
        }),
      ]),
    );
    s.probes[name] = aggregateFields(mine, (r) =>
      Object.fromEntries(Object.entries(r.probes).map(([k, p]) => [k, p.score])),
    );
    s.saliency[name] = aggregateFields(mine, (r) => ({
      insideShare: r.saliency.insideShare,
      maskFraction: r.saliency.maskFraction,
    }));
  }
  return s;
}

/** The summary over every unit's outcome (any order): runs in (loss, seed) order, aggregates, control and paired
 * differences. */
export function summarizeLossGeneralization(
  study: StudySpec,
  outcomes: readonly UnitOutcome<LossGeneralizationUnit, RunOutcome>[],
): LossGeneralizationResults {
  const runs: RunResult[] = [];
  const controlRuns: ControlRun[] = [];
  let counterfactualValues: Record<string, string> = {};
  let factorRoles: Record<string, FactorRole> = {};
  for (const { result: o } of outcomes) {
    if (o.arm === 'control') controlRuns.push(o.run);
    else {
      runs.push(o.run);
      counterfactualValues = o.counterfactualValues;
      factorRoles = o.factorRoles;
    }
  }
  const order = (r: { loss: string; seed: number }): number =>
    study.losses.findIndex((l) => l.name === r.loss) * study.seeds.length + study.seeds.indexOf(r.seed);
  runs.sort((a, b) => order(a) - order(b));
  controlRuns.sort((a, b) => order(a) - order(b));
  return {
    description: study.description,
    threads: study.threads,
    losses: study.losses.map((l) => l.name),
    seeds: study.seeds,
    dataSeeds: study.seeds.map(datasetSeedOf),
    testSets: study.testSets.map((t) => ({
      name: t.name,
      split: t.split,
      spec: typeof t.spec === 'string' ? t.spec : t.spec.name,
      n: t.n,
    })),
    analysis: { ...study.analysis, counterfactualValues, factorRoles },
    runs,
    summary: summarize(study, runs),
    control: controlResult(study, controlRuns),
    pairedDifferences: pairedDifferences(study, runs, factorRoles),
  };
}
