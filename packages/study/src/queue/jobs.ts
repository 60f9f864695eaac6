// One BullMQ job per unit of a study's plan: its data (the study's name, its resolved spec, the unit's id),
// its id (the hash of what determines the unit's bytes, so a unit is queued and run once), and where a
// worker leaves the unit's folder and result.
import * as fs from 'fs';
import * as path from 'path';
import { configHash } from '@nodulab/platform';
import type { AnyStudy, StudyUnit, UnitProgress } from '../framework';
import { studyNamed } from '../registry';

/** The BullMQ queue every study unit is put on. */
export const QUEUE_NAME = 'nodulab-study';

/** Attempts of a job before it is reported as failed. */
export const JOB_ATTEMPTS = 3;

/** What a job carries: which study, its resolved spec, which unit of its plan, and the results folder (absolute). */
export interface StudyJobData {
  study: string;
  spec: unknown;
  unit: string;
  /** Shared folder the worker writes <job id>/ (the unit folder) and <job id>.json (its result) into. */
  results: string;
}

/** A job's result: the unit's result, and who ran it with how many kernel threads. */
export interface StudyJobResult {
  result: unknown;
  threads: number;
  worker: string;
  seconds: number;
}

/** What a worker reports while a job trains (BullMQ progress events): the unit's progress and who runs it. */
export type StudyJobProgress = UnitProgress & { worker: string };

/**
 * The job id of `unit` of `study` with resolved `spec`: "unit-" + the SHA-256 of the study's name and what
 * determines the unit's bytes (study.unitKey, default the whole spec and the unit).
 */
export function studyJobId(study: AnyStudy, spec: unknown, unit: StudyUnit): string {
  const key = study.unitKey ? study.unitKey(spec, unit) : { spec, unit };
  const hash = configHash({ study: study.name, key });
  return `unit-${hash.slice('sha256:'.length)}`;
}

/** The unit folder a worker leaves in `results`. */
export const jobRunDir = (results: string, jobId: string): string => path.join(results, jobId);

/** The result file a worker writes beside the unit folder, last, when the unit is complete. */
export const jobResultFile = (results: string, jobId: string): string => path.join(results, `${jobId}.json`);

/** The job's result when its unit is complete in `results`, else null. */
export function readJobResult(results: string, jobId: string): StudyJobResult | null {
  const file = jobResultFile(results, jobId);
  if (!fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as StudyJobResult;
}

/** What a job's payload names, once checked: the registered study, its resolved spec, its plan and the unit. */
export interface JobUnit {
  study: AnyStudy;
  spec: unknown;
  plan: StudyUnit[];
  unit: StudyUnit;
}

/**
 * The unit a job asks for. The payload is data, never trusted: the study must be registered, the spec must
 * resolve under its schema, the unit must be in its plan, and the job id must be the one its content hashes
 * to (studyJobId), so that a job cannot name the folder a worker writes. Throws naming what is wrong.
 */
export function jobUnit(data: Pick<StudyJobData, 'study' | 'spec' | 'unit'>, jobId: string): JobUnit {
  const study = studyNamed(String(data.study));
  const spec = study.resolve(data.spec);
  const plan = study.plan(spec);
  const unit = plan.find((u: StudyUnit) => u.id === data.unit);
  if (!unit) throw new Error(`study ${study.name} has no unit '${String(data.unit)}'`);
  const expected = studyJobId(study, spec, unit);
  if (jobId !== expected)
    throw new Error(`job id '${jobId}' is not the id of ${study.name} unit ${unit.id} (${expected}); refused`);
  return { study, spec, plan, unit };
}
