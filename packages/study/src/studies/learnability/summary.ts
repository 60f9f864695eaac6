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
  RaceTask,
  RaceUnit,
  ValidationCurve,
} from './results';
import { raceCoreIsUnit, raceCoreModelId } from './plan';

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
    .map(({ kind: _k, predictions: _p, testN: _n, validation: _v, ...run }) => run);
  const race: EpochCurve[] = [];
  const curve = (task: RaceTask, seed: number, unit: string, c: ValidationCurve): void => {
    const { stepsPerEpoch, auroc, balancedAccuracy } = c;
    race.push({
      task,
      seed,
      unit,
      stepsPerEpoch,
      auroc,
      balancedAccuracy,
      epochToLevel: firstEpochAt(auroc, spec.race.auroc),
    });
  };
  for (const seed of spec.seeds) {
    const side = (task: RaceTask) =>
      outcomes.find(
        (o): o is UnitOutcome<RaceUnit, RaceResult> =>
          o.unit.kind === 'race' && o.unit.task === task && o.unit.seed === seed,
      );
    const shortcut = side('shortcut');
    if (shortcut) curve('shortcut', seed, shortcut.unit.id, shortcut.result);
    const core = raceCoreIsUnit(spec) ? side('core') : outcomes.find((o) => o.unit.id === raceCoreModelId(spec, seed));
    if (core) curve('core', seed, core.unit.id, core.result.kind === 'model' ? core.result.validation : core.result);
  }
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
