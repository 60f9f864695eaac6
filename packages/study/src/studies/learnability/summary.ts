// The learnability summary over every unit: the runs, balanced accuracy per loss against separation and
// against budget (mean and 95% CI over seeds), and the race's first epoch at the AUROC level per side.
import type { UnitOutcome } from '../../framework/study';
import { Aggregate, aggregate } from '../../kit/aggregate';
import type {
  EpochCurve,
  LearnabilityResults,
  LearnabilityRun,
  LearnabilitySpec,
  LearnabilityUnit,
  LearnabilityUnitResult,
  ModelResult,
  RaceResult,
} from './results';

/** The first epoch (1-based) whose validation AUROC reaches `level`; null if none does. */
export function firstEpochAt(auroc: readonly (number | null)[], level: number): number | null {
  const k = auroc.findIndex((a) => a !== null && a >= level);
  return k < 0 ? null : k + 1;
}

const num = (v: number | null): number => v ?? NaN;

/** loss -> key -> balanced accuracy over the runs `select` picks, in seed order. */
function byKey(
  spec: LearnabilitySpec,
  runs: readonly LearnabilityRun[],
  keys: readonly number[],
  select: (r: LearnabilityRun, key: number) => boolean,
): Record<string, Record<string, Aggregate>> {
  const out: Record<string, Record<string, Aggregate>> = {};
  for (const loss of spec.losses) {
    out[loss] = {};
    for (const k of keys)
      out[loss][String(k)] = aggregate(
        spec.seeds.map((seed) =>
          num(runs.find((r) => r.loss === loss && r.seed === seed && select(r, k))?.balancedAccuracy ?? null),
        ),
      );
  }
  return out;
}

/** The summary of the units' results (in plan order). */
export function summarizeLearnability(
  spec: LearnabilitySpec,
  outcomes: readonly UnitOutcome<LearnabilityUnit, LearnabilityUnitResult>[],
): LearnabilityResults {
  const runs: LearnabilityRun[] = outcomes
    .map((o) => o.result)
    .filter((r): r is ModelResult => r.kind === 'model')
    .map(({ kind: _k, predictions: _p, testN: _n, ...run }) => run);
  const race: EpochCurve[] = outcomes
    .map((o) => o.result)
    .filter((r): r is RaceResult => r.kind === 'race')
    .map(({ kind: _k, ...c }) => ({ ...c, epochToLevel: firstEpochAt(c.auroc, spec.race.auroc) }));
  const epochs = (task: 'shortcut' | 'core') =>
    aggregate(
      spec.seeds.map((seed) => num(race.find((c) => c.task === task && c.seed === seed)?.epochToLevel ?? null)),
    );
  return {
    runs,
    race,
    bySeparation: byKey(spec, runs, spec.separations, (r, s) => r.separation === s && r.budget === 1),
    byBudget: byKey(spec, runs, spec.budgets, (r, b) => r.separation === spec.separation && r.budget === b),
    epochsToLevel: { shortcut: epochs('shortcut'), core: epochs('core') },
  };
}
