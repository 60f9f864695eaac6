// The learnability plan: one unit per model (every unit independent: each draws its seed's data itself),
// seed by seed, separation by separation, so the units sharing one data draw run one after another. The race's
// core side is the sweep's CE model at the race's separation and full budget (the same data, seed and run
// config); only a sweep without CE trains it as a unit of its own.
import type { LearnabilitySpec, LearnabilityUnit, ModelUnit, RaceTask, RaceUnit } from './results';

/** runs/<id>/ of a model: e.g. `simclr-sep1.5-b0.5-s0`. */
export const modelUnitId = (loss: string, separation: number, budget: number, seed: number): string =>
  `${loss}-sep${separation}-b${budget}-s${seed}`;

/** runs/<id>/ of one side of the race: `race-shortcut-s0`, `race-core-s0`. */
export const raceUnitId = (task: RaceTask, seed: number): string => `race-${task}-s${seed}`;

/**
 * The models of one seed: every loss at each separation at the full budget, and at `separation` at each
 * budget and at the full budget (the targets read it); each (loss, separation, budget) once.
 */
function modelUnits(spec: LearnabilitySpec, seed: number): ModelUnit[] {
  const seps = [...spec.separations, ...(spec.separations.includes(spec.separation) ? [] : [spec.separation])];
  const units: ModelUnit[] = [];
  for (const separation of seps) {
    const budgets = new Set<number>();
    if (spec.separations.includes(separation)) budgets.add(1);
    if (separation === spec.separation) for (const b of [...spec.budgets, 1]) budgets.add(b);
    for (const loss of spec.losses)
      for (const budget of [...budgets].sort((a, b) => a - b))
        units.push({ id: modelUnitId(loss, separation, budget, seed), kind: 'model', loss, seed, separation, budget });
  }
  return units;
}

/** Whether the race's core side is a unit of its own (else the sweep's CE model at `separation`, full budget). */
export const raceCoreIsUnit = (spec: Pick<LearnabilitySpec, 'losses'>): boolean => !spec.losses.includes('ce');

/** The model whose run is the race's core side of `seed` when CE is swept. */
export const raceCoreModelId = (spec: Pick<LearnabilitySpec, 'separation'>, seed: number): string =>
  modelUnitId('ce', spec.separation, 1, seed);

/** The grid: per seed its models, then its race (the shortcut side, and the core side unless CE is swept). */
export function learnabilityPlan(spec: LearnabilitySpec): LearnabilityUnit[] {
  const tasks: RaceTask[] = raceCoreIsUnit(spec) ? ['shortcut', 'core'] : ['shortcut'];
  return spec.seeds.flatMap((seed): LearnabilityUnit[] => [
    ...modelUnits(spec, seed),
    ...tasks.map((task): RaceUnit => ({ id: raceUnitId(task, seed), kind: 'race', task, seed })),
  ]);
}

/**
 * What determines a unit's bytes: a model reads its loss, seed, separation, budget, data sizes, run config and
 * threads; a race side the same for CE, with the shortcut (shortcut side) or the separation (core side).
 * Other losses, separations, budgets and the targets do not change it.
 */
export function learnabilityUnitKey(spec: LearnabilitySpec, unit: LearnabilityUnit): unknown {
  const common = { volume: spec.volume, n: spec.n, valN: spec.valN, config: spec.config, threads: spec.threads };
  if (unit.kind === 'model') return { ...common, unit, testN: spec.testN };
  return {
    ...common,
    unit,
    ...(unit.task === 'shortcut' ? { shortcut: spec.shortcut } : { separation: spec.separation }),
  };
}
