// Checks a study's plan before anything runs: unit ids that are safe folder names and unique, and every
// unit after the units it needs.
import type { StudyUnit } from './study';

/** A unit id: a folder name of letters, digits, '.', '_' and '-', not starting with '.'. */
export const UNIT_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** Throws naming the first problem of `plan` (an error of the study's code, not of the user's spec). */
export function checkPlan(study: string, plan: readonly StudyUnit[]): void {
  if (plan.length === 0) throw new Error(`study ${study}: the plan has no units`);
  const seen = new Set<string>();
  for (const u of plan) {
    if (!UNIT_ID.test(u.id)) throw new Error(`study ${study}: unit id '${u.id}' is not a safe folder name`);
    if (seen.has(u.id)) throw new Error(`study ${study}: unit id '${u.id}' appears twice`);
    for (const n of u.needs ?? [])
      if (!seen.has(n)) throw new Error(`study ${study}: unit '${u.id}' needs '${n}', which does not come before it`);
    seen.add(u.id);
  }
}

/** The folder of unit `id`, relative to the study folder. */
export const unitDir = (id: string): string => `runs/${id}`;
