// The loss-generalization grid: per seed, per arm (shortcut, then the iid control), per loss — one unit
// each, all independent (a seed's data is regenerated from its seed wherever the unit runs).
import type { LossGeneralizationUnit } from './results';
import { Arm, StudySpec, runId } from './spec';

/** Every unit, in the order the in-process runner trains them (seed, arm, loss). */
export function lossGeneralizationPlan(study: StudySpec): LossGeneralizationUnit[] {
  const arms: Arm[] = study.control.enabled ? ['shortcut', 'control'] : ['shortcut'];
  return study.seeds.flatMap((seed) =>
    arms.flatMap((arm) => study.losses.map((l) => ({ id: runId(l.name, seed, arm), loss: l.name, seed, arm }))),
  );
}
