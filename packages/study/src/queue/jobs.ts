// One BullMQ job per run of a study's grid: its data, its id (the hash of what determines the run's
// bytes, so a run is queued and trained once), and where a worker leaves its run folder and result.
import * as fs from 'fs';
import * as path from 'path';
import { configHash } from '@nodulab/platform';
import { GridRun, RunOutcome } from '../studies/loss_generalization/run';
import { StudySpec, runConfigFor, runId } from '../studies/loss_generalization/spec';

/** The BullMQ queue every study run is put on. */
export const QUEUE_NAME = 'nodulab-study';

/** Attempts of a job before it is reported as failed. */
export const JOB_ATTEMPTS = 3;

/** What a job carries: the resolved study, which run of its grid, and the results folder (absolute). */
export interface StudyJobData {
  study: StudySpec;
  run: GridRun;
  /** Shared folder the worker writes <job id>/ (the run folder) and <job id>.json (its result) into. */
  results: string;
}

/** A job's result: the run's outcome, and who ran it with how many kernel threads. */
export interface StudyJobResult {
  outcome: RunOutcome;
  threads: number;
  worker: string;
  seconds: number;
}

/** What a worker reports while a job trains (BullMQ progress events). */
export interface StudyJobProgress {
  stage: string;
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  loss: number;
  worker: string;
}

/**
 * The job id of run `g` of `study`: "run-" + the SHA-256 of the run's resolved config (which holds
 * its loss, seed, data, thread count) and of the test sets, analysis and control it is measured with.
 */
export function studyJobId(study: StudySpec, g: GridRun): string {
  const loss = study.losses.find((l) => l.name === g.loss);
  if (!loss) throw new Error(`study ${study.name} has no loss '${g.loss}'`);
  const hash = configHash({
    config: runConfigFor(study, loss, g.seed, g.arm),
    arm: g.arm,
    testSets: study.testSets,
    analysis: study.analysis,
    control: study.control,
    volume: study.volume,
  });
  return `run-${hash.slice('sha256:'.length)}`;
}

/** The run folder a worker leaves in `results`. */
export const jobRunDir = (results: string, jobId: string): string => path.join(results, jobId);

/** The result file a worker writes beside the run folder, last, when the run is complete. */
export const jobResultFile = (results: string, jobId: string): string => path.join(results, `${jobId}.json`);

/** The job's result when its run is complete in `results`, else null. */
export function readJobResult(results: string, jobId: string): StudyJobResult | null {
  const file = jobResultFile(results, jobId);
  if (!fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as StudyJobResult;
}

/** "<loss> seed <s>[ control]" for messages. */
export const describeRun = (g: GridRun): string => runId(g.loss, g.seed, g.arm);
