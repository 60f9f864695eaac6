// runStudy(study, spec, { outDir }): the in-process runner every study uses. Runs the plan's units in
// order, each into runs/<unit>/ of a staging folder, then summarizes, judges the claims and writes the
// files; the folder appears at outDir only when the study completes.
import * as fs from 'fs';
import * as path from 'path';
import { setNumThreads } from '@nodulab/tensor';
import { inStagedFolder } from '../kit/staged';
import { finishStudy } from './finish';
import { checkEmptyOut, checkPlan, unitDir } from './plan';
import type { FinishedUnit, Study, StudyEvent, StudyOutput, StudyUnit, UnitOutcome } from './study';

/** Options of {@link runStudy}. */
export interface RunStudyOptions {
  /** The study folder; must not exist or be empty. Written as <outDir>.partial, renamed when complete. */
  outDir: string;
  onEvent?: (e: StudyEvent) => void;
  /** Stops after the current training step; the study then rejects and leaves nothing. */
  signal?: AbortSignal;
}

/**
 * Runs `spec` (resolved by study.resolve) of `study` into options.outDir. Same spec and thread count give
 * the same metrics.json and per-sample files. Rejects when the folder is not empty (before writing) or
 * when stopped.
 */
export async function runStudy<S, U extends StudyUnit, R, Res>(
  study: Study<S, U, R, Res>,
  spec: S,
  options: RunStudyOptions,
): Promise<StudyOutput<S, Res>> {
  const target = options.outDir;
  checkEmptyOut(study.name, target);
  const plan = study.plan(spec);
  checkPlan(study.name, plan);
  const emit = options.onEvent ?? (() => undefined);
  return inStagedFolder(target, async (staging) => {
    const start = Date.now();
    const cache = new Map<string, unknown>();
    const done = new Map<string, FinishedUnit<R>>();
    const outcomes: UnitOutcome<U, R>[] = [];
    const units: { id: string; seconds: number }[] = [];
    for (const [k, unit] of plan.entries()) {
      if (options.signal?.aborted)
        throw new Error(`study ${study.name} stopped before unit ${unit.id}; nothing was kept`);
      const index = k + 1;
      const total = plan.length;
      emit({ kind: 'unit-start', index, total, unit: unit.id });
      const t0 = Date.now();
      const rel = unitDir(unit.id);
      const dir = path.join(staging, rel);
      fs.mkdirSync(dir, { recursive: true });
      setNumThreads(study.threads(spec));
      const result = await study.runUnit(spec, unit, {
        dir,
        needs: new Map((unit.needs ?? []).map((n: string) => [n, done.get(n)!])),
        signal: options.signal,
        phase: (message) => emit({ kind: 'phase', message }),
        progress: (progress) => emit({ kind: 'progress', index, total, unit: unit.id, progress }),
        cache,
      });
      done.set(unit.id, { dir, result });
      outcomes.push({ unit, result, dir: rel });
      const seconds = (Date.now() - t0) / 1000;
      units.push({ id: unit.id, seconds });
      emit({ kind: 'unit-end', index, total, unit: unit.id, seconds });
    }
    const timing = { createdAt: new Date(start).toISOString(), seconds: (Date.now() - start) / 1000, units };
    return finishStudy(study, spec, staging, outcomes, timing);
  });
}
