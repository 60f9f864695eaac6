// Checks before a study runs: unit ids that are safe folder names and unique, every unit after the units it
// needs, and an empty study folder.
import * as fs from 'fs';
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

/** Throws when the study folder `dir` exists and is not empty: a study never writes over another. */
export function checkEmptyOut(study: string, dir: string): void {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0)
    throw new Error(`study ${study}: ${dir} is not empty; choose another --out`);
}
