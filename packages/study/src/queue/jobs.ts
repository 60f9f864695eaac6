// One BullMQ job per unit of a study's plan: its id (the hash of what determines the unit's bytes, so a unit
// is queued and run once), where a worker leaves the unit's folder and result inside its results root, the
// result with its manifest, and the check that a job's payload asks for a unit its id names.
import * as path from 'path';
import { configHash } from '@nodulab/platform';
import type { AnyStudy, StudyUnit, UnitProgress } from '../framework';
import { studyNamed } from '../registry';
import { PayloadError, StudyJobData, checkJobId } from './payload';

export type { StudyJobData } from './payload';

/** The BullMQ queue every study unit is put on. */
export const QUEUE_NAME = 'nodulab-study';

/** Attempts of a job before it is reported as failed. */
export const JOB_ATTEMPTS = 3;

/** What a finished unit's folder holds: for which study, unit and job, and the SHA-256 of every file. */
export interface UnitManifest {
  format: string;
  study: string;
  unit: string;
  /** The job id: "unit-" + the hash of what determines the unit's bytes. */
  job: string;
  /** The unit folder as the worker wrote it; paths in its summary.json files start with it. */
  dir: string;
  /** Relative path ('/'-separated) -> "sha256:" + hex. */
  files: Record<string, string>;
}

/** A job's result file: the unit's result, who ran it with how many kernel threads, and its manifest. */
export interface StudyJobResult {
  result: unknown;
  threads: number;
  worker: string;
  seconds: number;
  manifest: UnitManifest;
  /** "hmac-sha256:" + hex over the rest, when the worker has a queue key. */
  signature?: string;
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

/** The unit folder a worker leaves in its results root (the id is checked: it cannot leave the root). */
export const jobRunDir = (results: string, jobId: string): string => path.join(results, checkJobId(jobId));

/** The result file a worker writes beside the unit folder, last, when the unit is complete. */
export const jobResultFile = (results: string, jobId: string): string =>
  path.join(results, `${checkJobId(jobId)}.json`);

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
 * to (studyJobId), so that a job cannot name another unit's folder. Throws a PayloadError naming what is wrong.
 */
export function jobUnit(data: Pick<StudyJobData, 'study' | 'spec' | 'unit'>, jobId: string): JobUnit {
  checkJobId(jobId);
  let study: AnyStudy;
  let spec: unknown;
  try {
    study = studyNamed(String(data.study));
    spec = study.resolve(data.spec);
  } catch (e) {
    throw new PayloadError(`job ${jobId}: ${(e as Error).message}`);
  }
  const plan = study.plan(spec);
  const unit = plan.find((u: StudyUnit) => u.id === data.unit);
  if (!unit) throw new PayloadError(`job ${jobId}: study ${study.name} has no unit '${String(data.unit)}'`);
  const expected = studyJobId(study, spec, unit);
  if (jobId !== expected)
    throw new PayloadError(`job id '${jobId}' is not the id of ${study.name} unit ${unit.id} (${expected}); refused`);
  return { study, spec, plan, unit };
}
