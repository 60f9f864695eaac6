// The end of every study run, in-process or on the queue: the summary over units, the claims engine's
// findings, and the files — spec.json, metrics.json (no wall-clock values, so the same study gives the
// same bytes), timing.json, report.html and the study's own files.
import * as path from 'path';
import { writeFileAtomic } from '@nodulab/platform';
import { judgeClaims } from '../claims';
import type { Study, StudyOutput, StudyUnit, UnitOutcome } from './study';

/** Keys whose values are wall-clock measurements: never written to metrics.json. */
export const TIMING_KEYS: ReadonlySet<string> = new Set(['createdAt', 'seconds', 'trainSeconds', 'cpuSeconds']);

/** JSON text without wall-clock keys and with non-finite numbers as null. */
export function metricsJson(value: unknown): string {
  return (
    JSON.stringify(
      value,
      (k, v) => (TIMING_KEYS.has(k) ? undefined : typeof v === 'number' && !Number.isFinite(v) ? null : v),
      2,
    ) + '\n'
  );
}

/** Wall-clock facts of a run: when it started, how long it took, each unit's seconds. */
export interface StudyTiming {
  createdAt: string;
  seconds: number;
  units: { id: string; seconds: number; worker?: string }[];
}

/** The names of the files every study writes. */
export const STUDY_FILES = {
  spec: 'spec.json',
  metrics: 'metrics.json',
  timing: 'timing.json',
  report: 'report.html',
} as const;

/**
 * Summarizes the outcomes (in plan order), judges the claims and writes every file into `out`, whose runs/
 * folder already holds the unit folders. Returns what metrics.json holds.
 */
export function finishStudy<S, U extends StudyUnit, R, Res>(
  study: Study<S, U, R, Res>,
  spec: S,
  out: string,
  outcomes: readonly UnitOutcome<U, R>[],
  timing: StudyTiming,
): StudyOutput<S, Res> {
  const results = study.summarize(spec, outcomes);
  const { controls, claims } = study.claims(spec, results);
  const output: StudyOutput<S, Res> = { study: study.name, spec, results, findings: judgeClaims(controls, claims) };
  const write = (name: string, data: string | Uint8Array): void =>
    writeFileAtomic(path.join(out, name), typeof data === 'string' ? Buffer.from(data) : data);
  write(STUDY_FILES.spec, JSON.stringify(spec, null, 2) + '\n');
  write(STUDY_FILES.metrics, metricsJson(output));
  write(STUDY_FILES.timing, JSON.stringify(timing, null, 2) + '\n');
  for (const [name, data] of Object.entries(study.files?.(output, outcomes) ?? {})) {
    if (Object.values(STUDY_FILES).includes(name as never) || name.includes('..') || path.isAbsolute(name))
      throw new Error(`study ${study.name}: file name '${name}' is reserved or escapes the study folder`);
    write(name, data);
  }
  write(STUDY_FILES.report, study.report(output));
  return output;
}
