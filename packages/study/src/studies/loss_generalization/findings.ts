// From per-seed results to what a study found: the iid control's pass/fail, paired per-seed
// differences between losses, and each claim of the loss-generalization study with its measured
// effects, 95% CIs and verdicts (the rule is verdictOf in verdict.ts).
import { meanCI, pairedDifference } from '@nodulab/eval';
import { Aggregate, aggregate, aggregateFields } from '../../kit/aggregate';
import type { FactorRole } from './counterfactual';
import type { MetricName, RunResult } from './run';
import type { StudySpec } from './spec';
import { Direction, Verdict, combineVerdicts, verdictOf } from '../../claims/verdict';

/** One control run: (loss, seed) trained and tested on the iid control distribution. */
export interface ControlRun {
  loss: string;
  seed: number;
  dataSeed: number;
  dir: string;
  trainSeconds: number;
  metrics: Record<MetricName, number>;
}

/** The iid control arm. */
export interface ControlResult {
  enabled: boolean;
  /** Whether every loss's mean control balanced accuracy reached the threshold; null when not run. */
  passed: boolean | null;
  minBalancedAccuracy: number;
  /** Losses whose mean control balanced accuracy is below the threshold. */
  failing: string[];
  runs: ControlRun[];
  /** Per loss, each metric's mean and 95% CI over seeds. */
  summary: Record<string, Record<string, Aggregate>>;
}

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

/** The per-seed difference a − b of one measure between two losses. */
export interface PairedDifference {
  a: string;
  b: string;
  section: 'performance' | 'counterfactual' | 'probe';
  /** Test set, counterfactual factor or probe target. */
  target: string;
  metric: string;
  /** Mean and 95% CI of the differences; `values` are the per-seed differences. */
  diff: Aggregate;
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
function probedFactors(study: StudySpec, roles: Record<string, FactorRole>, only?: FactorRole): string[] {
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
 * level 1 − 0.05/k of the per-seed differences (null with fewer than two seeds, giving "inconclusive").
 */
export function familyVerdict(
  diff: Aggregate,
  k: number,
  direction: Direction,
  margin: number,
): { level: number; adjusted: { lower: number; upper: number } | null; verdict: Verdict } {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`familyVerdict: k must be an integer >= 1, got ${k}`);
  const level = 1 - 0.05 / k;
  const values = diff.values.filter((v): v is number => v !== null && Number.isFinite(v));
  const m = values.length >= 2 ? meanCI(values, level) : null;
  const adjusted =
    m && Number.isFinite(m.lower) && Number.isFinite(m.upper) ? { lower: m.lower, upper: m.upper } : null;
  return { level, adjusted, verdict: verdictOf(adjusted, direction, margin) };
}

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

/** One measured effect of a claim. */
export interface Finding {
  /** The claim's id: "control", "premise", "features" or "shift". */
  id: string;
  claim: string;
  /** What was measured, e.g. "ce − simclr: balanced accuracy on rho0.0". */
  measure: string;
  /** Mean effect over seeds (null when not measured). */
  effect: number | null;
  /** 95% CI [lower, upper] over seeds; null with one seed. */
  ci: [number, number] | null;
  /**
   * The CI the verdict reads: for a claim measured k ways, the Bonferroni-adjusted (1 − 0.05/k) CI of
   * this effect, so that "any effect excludes 0" keeps a 5% family-wise error; the 95% CI when k = 1.
   */
  ciAdjusted?: [number, number] | null;
  /** The level of ciAdjusted, e.g. 0.9917 for k = 6. */
  ciAdjustedLevel?: number;
  /** reproduced / not reproduced / inconclusive; the control check gives passed / failed. */
  verdict: Verdict | 'passed' | 'failed';
  note?: string;
}

/** A claim with its verdict combined over its measures (combineVerdicts). */
export interface StudyClaim {
  id: string;
  claim: string;
  verdict: Verdict | 'passed' | 'failed';
  note?: string;
}

const CLAIMS = {
  control: 'Control: without the shortcut, every loss learns the core feature',
  premise: 'Premise: the models use the shortcut (accuracy drops when it no longer agrees with the label)',
  features: 'The loss changes which features are used',
  shift: 'This changes accuracy under shift',
};

const METRIC_WORDS: Record<string, string> = {
  balancedAccuracy: 'balanced accuracy',
  auroc: 'AUROC',
  flipRate: 'flip rate',
  meanDeltaP: 'mean Δp',
  r2: 'probe R²',
};

const ciOf = (a: Aggregate | undefined): [number, number] | null =>
  a && a.lower !== null && a.upper !== null ? [a.lower, a.upper] : null;

/**
 * The Findings of a study:
 * - control: passed when every loss's mean control balanced accuracy reaches the threshold;
 * - premise, per loss: in-distribution − first shift balanced accuracy, paired over seeds, claimed > 0;
 * - features, per pair of losses: shortcut flip rate and core-factor probe R² differences, claimed ≠ 0;
 * - shift, per pair of losses: balanced accuracy differences on each shift, claimed ≠ 0.
 * A claim measured k ways is reproduced when any effect's Bonferroni-adjusted (1 − 0.05/k) CI excludes 0,
 * which keeps the claim's family-wise error at 5%: each effect's verdict is verdictOf(adjusted CI,
 * direction, study.findings.negligible); the report shows the plain 95% CI too. When the control
 * failed, the features and shift verdicts say so, and "not reproduced" becomes "inconclusive": the
 * data, not the loss, may have kept every model from the core feature.
 */
export function findings(
  study: StudySpec,
  runs: readonly RunResult[],
  control: ControlResult,
  paired: readonly PairedDifference[],
  roles: Record<string, FactorRole>,
): { findings: Finding[]; claims: StudyClaim[] } {
  const margin = study.findings.negligible;
  const out: Finding[] = [];
  const controlFailed = control.enabled && control.passed === false;
  const controlNote = `the iid control failed (${control.failing.join(', ')} below ${control.minBalancedAccuracy} balanced accuracy without the shortcut): the core feature may not be learnable at this budget, so this cannot show that the loss chose the shortcut`;
  if (control.enabled) {
    const means = study.losses.map((l) => ({ l: l.name, a: control.summary[l.name]?.balancedAccuracy }));
    const worst = means.reduce((w, x) => ((x.a?.mean ?? -Infinity) < (w.a?.mean ?? -Infinity) ? x : w), means[0]);
    out.push({
      id: 'control',
      claim: CLAIMS.control,
      measure: `lowest mean control balanced accuracy (${worst.l}), threshold ${control.minBalancedAccuracy}`,
      effect: worst.a?.mean ?? null,
      ci: ciOf(worst.a),
      verdict: control.passed ? 'passed' : 'failed',
    });
  }
  const inDist = study.findings.inDistribution;
  const shift0 = study.findings.shifts[0];
  if (shift0 !== undefined)
    for (const { name } of study.losses) {
      const mine = study.seeds.map((s) => runs.find((r) => r.loss === name && r.seed === s));
      const d = pairedAggregate(
        mine.map((r) => r?.testSets[inDist]?.balancedAccuracy),
        mine.map((r) => r?.testSets[shift0]?.balancedAccuracy),
      );
      out.push({
        id: 'premise',
        claim: CLAIMS.premise,
        measure: `${name}: balanced accuracy ${inDist} − ${shift0}`,
        effect: d.mean,
        ci: ciOf(d),
        verdict: verdictOf(d, 'greater', margin),
      });
    }
  const claimed = (id: 'features' | 'shift', p: PairedDifference, direction: Direction, k: number): void => {
    const { level, adjusted, verdict: v } = familyVerdict(p.diff, k, direction, margin);
    let verdict = v;
    if (controlFailed && verdict === 'not reproduced') verdict = 'inconclusive';
    out.push({
      id,
      claim: CLAIMS[id],
      measure: `${p.a} − ${p.b}: ${METRIC_WORDS[p.metric] ?? p.metric} ${p.section === 'performance' ? 'on ' : 'of '}${p.target}`,
      effect: p.diff.mean,
      ci: ciOf(p.diff),
      ciAdjusted: adjusted ? [adjusted.lower, adjusted.upper] : null,
      ciAdjustedLevel: level,
      verdict,
      ...(controlFailed ? { note: controlNote } : {}),
    });
  };
  const shortcutGroups = study.analysis.factors.filter((g) => roles[g.name] === 'shortcut').map((g) => g.name);
  const coreProbes = probedFactors(study, roles, 'core');
  const featureEffects = paired.filter(
    (p) =>
      (p.section === 'counterfactual' && p.metric === 'flipRate' && shortcutGroups.includes(p.target)) ||
      (p.section === 'probe' && coreProbes.includes(p.target)),
  );
  const shiftEffects = paired.filter(
    (p) => p.section === 'performance' && p.metric === 'balancedAccuracy' && study.findings.shifts.includes(p.target),
  );
  for (const p of featureEffects) claimed('features', p, 'either', featureEffects.length);
  for (const p of shiftEffects) claimed('shift', p, 'either', shiftEffects.length);
  const claims: StudyClaim[] = (['control', 'premise', 'features', 'shift'] as const)
    .filter((id) => out.some((f) => f.id === id))
    .map((id) => {
      const mine = out.filter((f) => f.id === id);
      const verdict = id === 'control' ? mine[0].verdict : combineVerdicts(mine.map((f) => f.verdict as Verdict));
      return {
        id,
        claim: CLAIMS[id],
        verdict,
        ...(controlFailed && (id === 'features' || id === 'shift') ? { note: controlNote } : {}),
      };
    });
  return { findings: out, claims };
}
