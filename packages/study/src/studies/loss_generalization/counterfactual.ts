// Counterfactual sensitivity: the same test nodule with only one factor (or group) changed, and how
// often the prediction flips. A shortcut factor crosses to the other side of the shortcut boundary;
// a core factor (one whose distribution differs between the classes) moves to the other class's
// distribution; any other factor moves to the far decile of its values.
import { Generator } from '@nodulab/tensor';
import {
  DatasetSpec,
  Distribution,
  FACTOR_INFO,
  FactorName,
  FactorValue,
  InMemoryDataset,
  NoduleGenerator,
  Sample,
  resolveSpec,
  sampleDistribution,
} from '@nodulab/data';
import { yieldToEventLoop } from '@nodulab/platform';
import { stackSamples } from '../../measures/test_data';

/**
 * How a factor is swapped, and the values it is swapped between (draws of the training spec's
 * distributions, sorted for numbers):
 * - `shortcut`: groups are the shortcut's two sides; the nodule's side is found from its value;
 * - `class`: groups are the two classes' distributions; the nodule's group is its label;
 * - `spread`: the factor does not depend on the class; both groups hold the same values.
 */
export interface FactorStats {
  rule: 'shortcut' | 'class' | 'spread';
  groups: [FactorValue[], FactorValue[]];
}

/** Draws per group from which swap values are taken (fixed stream: the same values every study). */
export const SWAP_DRAWS = 4001;

/** `n` draws of `dist` for `factor` from a fixed stream, sorted when numeric. */
function drawValues(dist: Distribution, factor: FactorName, stream: number, n = SWAP_DRAWS): FactorValue[] {
  const gen = new Generator(0x5eed + stream);
  const out = Array.from({ length: n }, () => sampleDistribution(dist, factor, gen));
  return typeof out[0] === 'number' ? (out as number[]).sort((a, b) => a - b) : out;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The swap rule and values of `factor` under a training spec: its shortcut sides when it is a
 * shortcut, its class distributions when they differ (a core feature), else its one distribution.
 */
export function factorStats(trainSpec: DatasetSpec, factor: FactorName): FactorStats {
  const r = resolveSpec(trainSpec, 'train');
  const shortcut = r.shortcuts.find((s) => s.factor === factor);
  if (shortcut)
    return {
      rule: 'shortcut',
      groups: [drawValues(shortcut.distributions[0], factor, 0), drawValues(shortcut.distributions[1], factor, 1)],
    };
  const [d0, d1] = [r.classes[0][factor], r.classes[1][factor]];
  if (!same(d0, d1)) return { rule: 'class', groups: [drawValues(d0, factor, 0), drawValues(d1, factor, 1)] };
  const pooled = drawValues(d0, factor, 0);
  return { rule: 'spread', groups: [pooled, pooled] };
}

/** The q-quantile (0..1, linear interpolation) of numbers. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = isSorted(values) ? values : [...values].sort((a, b) => a - b);
  const pos = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function isSorted(v: readonly number[]): boolean {
  for (let i = 1; i < v.length; i++) if (v[i] < v[i - 1]) return false;
  return true;
}

/**
 * The level of `v` among `values` (0..1): the mid-rank share below it, (#{< v} + #{<= v}) / 2n, so a
 * value every draw equals sits at 0.5 and the median maps to the median.
 */
export function levelOf(values: readonly number[], v: number): number {
  let below = 0;
  let atOrBelow = 0;
  for (const x of values) {
    if (x < v) below++;
    if (x <= v) atOrBelow++;
  }
  return values.length ? (below + atOrBelow) / (2 * values.length) : NaN;
}

/**
 * The shortcut side (0 or 1) a value lies on: below or above the boundary between the sides. The
 * boundary is the middle of the gap between them when they do not overlap (10 mm for diameters
 * [5, 9] against [11, 16]), else the midpoint of their medians.
 */
export function shortcutSide(stats: FactorStats, v: number): 0 | 1 {
  const [g0, g1] = stats.groups as [number[], number[]];
  const boundary = shortcutBoundary(stats);
  const upper: 0 | 1 = quantile(g1, 0.5) >= quantile(g0, 0.5) ? 1 : 0;
  return v > boundary ? upper : ((1 - upper) as 0 | 1);
}

/** The boundary between a numeric shortcut's two sides (see {@link shortcutSide}). */
export function shortcutBoundary(stats: FactorStats): number {
  const [g0, g1] = stats.groups as [number[], number[]];
  const [lo, hi] = quantile(g1, 0.5) >= quantile(g0, 0.5) ? [g0, g1] : [g1, g0];
  const loMax = lo[lo.length - 1];
  const hiMin = hi[0];
  return loMax <= hiMin ? (loMax + hiMin) / 2 : (quantile(lo, 0.5) + quantile(hi, 0.5)) / 2;
}

function mode(values: readonly FactorValue[], exclude?: FactorValue): FactorValue | null {
  const counts = new Map<FactorValue, number>();
  for (const v of values) if (v !== exclude) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: FactorValue | null = null;
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return best;
}

/**
 * The value a nodule of class `label` whose factor is `current` gets in its counterfactual:
 * - shortcut: the value at the same level (quantile) of the other side's distribution than `current`
 *   has on its own side, so every nodule crosses the boundary (large -> small, small -> large);
 * - class (a core feature): the value at the same level of the other class's distribution;
 * - spread: the pooled decile (10% or 90%) farther from `current`: a typical but different value.
 * Categories take the other group's most common value (spread: the most common other value).
 * Integers are rounded, values clamped to the factor's range. Null when the factor does not vary.
 */
export function counterfactualValue(
  factor: FactorName,
  current: FactorValue,
  label: 0 | 1,
  stats: FactorStats,
): FactorValue | null {
  const info = FACTOR_INFO[factor];
  const numeric = info.kind === 'number' || info.kind === 'integer';
  if (stats.groups[0].length === 0 || stats.groups[1].length === 0) return null;
  let v: number;
  if (!numeric) {
    if (stats.rule === 'spread') return mode(stats.groups[0], current);
    const from: 0 | 1 = stats.rule === 'class' ? label : stats.groups[1].includes(current) ? 1 : 0;
    return mode(stats.groups[1 - from], current) ?? mode(stats.groups[1 - from]);
  }
  const cur = current as number;
  if (stats.rule === 'spread') {
    const pooled = stats.groups[0] as number[];
    const lo = quantile(pooled, 0.1);
    const hi = quantile(pooled, 0.9);
    if (!(hi > lo)) return null;
    v = Math.abs(hi - cur) >= Math.abs(cur - lo) ? hi : lo;
  } else {
    const from = stats.rule === 'class' ? label : shortcutSide(stats, cur);
    v = quantile(stats.groups[1 - from] as number[], levelOf(stats.groups[from] as number[], cur));
  }
  if (info.kind === 'integer') v = Math.round(v);
  return Math.min(info.max!, Math.max(info.min!, v));
}

/** In words, what `counterfactualValue` sets `factor` to. */
export function describeCounterfactual(factor: FactorName, stats: FactorStats): string {
  const fmt = (v: number): string => String(+v.toFixed(3));
  const range = (g: FactorValue[]): string =>
    typeof g[0] === 'number'
      ? `${fmt(g[0] as number)}–${fmt(g[g.length - 1] as number)}`
      : [...new Set(g.map(String))].join('/');
  const [g0, g1] = stats.groups;
  if (stats.rule === 'shortcut') {
    const at = typeof g0[0] === 'number' ? ` at ${fmt(shortcutBoundary(stats))}` : '';
    return `${factor}: across the shortcut boundary${at}: a value on one side (${range(g0)} or ${range(g1)}) moves to the same quantile of the other side`;
  }
  if (stats.rule === 'class')
    return `${factor}: the same quantile of the other class's distribution (benign ${range(g0)}, malignant ${range(g1)})`;
  if (typeof g0[0] !== 'number') return `${factor}: the most common other value`;
  const lo = quantile(g0 as number[], 0.1);
  const hi = quantile(g0 as number[], 0.9);
  if (!(hi > lo)) return `${factor}: does not vary, unchanged`;
  return `${factor}: ${fmt(hi)} or ${fmt(lo)} (the 10%/90% decile farther from the nodule's value; the classes do not differ)`;
}

/** What a counterfactual of a group of factors does: crosses a shortcut, swaps a core feature, or neither. */
export type FactorRole = 'shortcut' | 'core' | 'other';

/** The role of a group: shortcut when any factor is a shortcut, else core when any depends on the class. */
export function roleOf(stats: readonly FactorStats[]): FactorRole {
  if (stats.some((s) => s.rule === 'shortcut')) return 'shortcut';
  return stats.some((s) => s.rule === 'class') ? 'core' : 'other';
}

/** How predictions moved between original and counterfactual samples. */
export interface FlipStats {
  n: number;
  /** Share of samples whose predicted class (P(malignant) >= threshold) changed. */
  flipRate: number;
  /** Mean change of P(malignant) toward the other class: (p' - p) for benign, (p - p') for malignant samples. */
  meanDeltaP: number;
  /** Mean |p' - p|. */
  meanAbsDeltaP: number;
  /** Share of samples whose true label (the spec's rule on the new factors) changed. */
  labelChangeRate: number;
}

/**
 * Flip statistics from P(malignant) before (`p`) and after (`pCf`), the original labels and the
 * counterfactual labels.
 */
export function flipStats(
  p: ArrayLike<number>,
  pCf: ArrayLike<number>,
  labels: ArrayLike<number>,
  cfLabels: ArrayLike<number>,
  threshold = 0.5,
): FlipStats {
  const n = p.length;
  if (n === 0 || pCf.length !== n || labels.length !== n || cfLabels.length !== n) {
    throw new Error(
      `flipStats: needs equally long non-empty arrays, got ${n}, ${pCf.length}, ${labels.length}, ${cfLabels.length}`,
    );
  }
  let flips = 0;
  let toward = 0;
  let abs = 0;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    if (p[i] >= threshold !== pCf[i] >= threshold) flips++;
    const delta = pCf[i] - p[i];
    toward += labels[i] === 1 ? -delta : delta;
    abs += Math.abs(delta);
    if (labels[i] !== cfLabels[i]) changed++;
  }
  return { n, flipRate: flips / n, meanDeltaP: toward / n, meanAbsDeltaP: abs / n, labelChangeRate: changed / n };
}

/** A factor (or group of factors changed together) analysed by counterfactuals. */
export interface CounterfactualGroup {
  name: string;
  factors: FactorName[];
}

/** The counterfactual copies of the analysed nodules for one group, and which nodules they are. */
export interface CounterfactualSet {
  name: string;
  role: FactorRole;
  /** In words, the values the group's factors are set to. */
  values: string;
  /** Analysed-sample index of each counterfactual (nodules the swap leaves unchanged are left out). */
  indices: number[];
  set: InMemoryDataset | null;
}

/**
 * The counterfactuals of samples 0..n-1 of `split` of `testSpec` (dataset seed `seed`), one set per
 * group: each nodule regenerated with only the group's factors swapped by the rules of `trainSpec`
 * (see counterfactualValue). `keep` chooses what the sets hold besides volumes, labels and factors.
 */
export async function counterfactualSets(
  trainSpec: DatasetSpec,
  testSpec: DatasetSpec,
  seed: number,
  split: string,
  n: number,
  groups: readonly CounterfactualGroup[],
  keep: { masks?: boolean } = {},
): Promise<CounterfactualSet[]> {
  const gen = new NoduleGenerator(testSpec, seed);
  const originals = Array.from({ length: n }, (_, i) => gen.factors(split, i));
  const out: CounterfactualSet[] = [];
  for (const group of groups) {
    const stats = group.factors.map((f) => factorStats(trainSpec, f));
    const samples: Sample[] = [];
    const indices: number[] = [];
    for (let i = 0; i < n; i++) {
      const { factors: f, label } = originals[i];
      const overrides: Record<string, unknown> = {};
      group.factors.forEach((name, k) => {
        const v = counterfactualValue(name, f[name], label, stats[k]);
        if (v !== null && v !== f[name]) overrides[name] = v;
      });
      if (Object.keys(overrides).length === 0) continue;
      samples.push(gen.counterfactual(split, i, overrides as never));
      indices.push(i);
      if (i % 16 === 15) await yieldToEventLoop();
    }
    out.push({
      name: group.name,
      role: roleOf(stats),
      values: group.factors.map((f, k) => describeCounterfactual(f, stats[k])).join('; '),
      indices,
      set: samples.length
        ? stackSamples(`${split}/cf-${group.name}`, samples, { masks: keep.masks, factors: true })
        : null,
    });
  }
  return out;
}
