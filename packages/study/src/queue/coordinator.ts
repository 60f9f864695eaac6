// `nodulab study --queue`'s engine: puts each run of a study's grid on the queue as one job (or
// attaches to the job already there), follows the grid until every job is done or failed, then
// copies the run folders from the results folder into the study folder and writes the same
// metrics.json and report.html as an in-process run. Stopping leaves the jobs queued.
import * as fs from 'fs';
import * as path from 'path';
import { Queue, QueueEvents } from 'bullmq';
import type { Study, StudyOutput, StudyUnit, UnitOutcome } from '../framework';
import { finishStudy } from '../framework/finish';
import { checkEmptyOut, checkPlan, unitDir } from '../framework/plan';
import { inStagedFolder, relocateRunFolders } from '../kit/staged';
import { checkRedis, displayUrl, parseRedisUrl, withTimeout } from './connection';
import {
  JOB_ATTEMPTS,
  QUEUE_NAME,
  StudyJobData,
  StudyJobProgress,
  StudyJobResult,
  jobRunDir,
  readJobResult,
  studyJobId,
} from './jobs';

/** How the grid stands: jobs of this study waiting, active, done and failed (after every attempt). */
export interface GridCounts {
  waiting: number;
  active: number;
  done: number;
  failed: number;
  total: number;
}

/** What the coordinator tells its user. */
export type QueueStudyEvent =
  | { kind: 'queued'; added: number; attached: number; retried: number; complete: number; total: number }
  | { kind: 'grid'; counts: GridCounts }
  | { kind: 'progress'; run: string; progress: StudyJobProgress }
  | { kind: 'run-end'; run: string; worker: string; seconds: number; threads: number }
  | { kind: 'run-failed'; run: string; error: string }
  /** The job was lost by Redis, or completed into a results folder that is gone: queued again. */
  | { kind: 'requeued'; run: string }
  | { kind: 'redis-error'; message: string }
  | { kind: 'redis-ok' };

/** Options of {@link runStudyOnQueue}. */
export interface QueueStudyOptions {
  /** redis://host:port of the queue. */
  url: string;
  /** The study folder (must not exist or be empty), written as <outDir>.partial then renamed. */
  outDir: string;
  /** The shared results folder workers write run folders into (made absolute). */
  results: string;
  onEvent?: (e: QueueStudyEvent) => void;
  /** Stops following the grid (the jobs stay queued); the call then rejects with a {@link QueueDetached}. */
  signal?: AbortSignal;
  /** How often the grid is polled, ms (default 500). */
  pollMs?: number;
  /** How long Redis may stay unreachable before the call gives up, ms (default 120000). */
  redisTimeoutMs?: number;
}

/** Thrown when the user stops following a queued study: its jobs stay queued. */
export class QueueDetached extends Error {
  constructor(readonly pending: number) {
    super(`stopped following the study; ${pending} job(s) stay queued`);
  }
}

/** Thrown when runs failed after every attempt; the rest of the grid completed. */
export class QueueRunsFailed extends Error {
  constructor(readonly failures: { run: string; jobId: string; error: string }[]) {
    super(
      `${failures.length} run(s) failed after ${JOB_ATTEMPTS} attempts:\n` +
        failures.map((f) => `  ${f.run} (job ${f.jobId}): ${f.error}`).join('\n'),
    );
  }
}

interface Tracked<U extends StudyUnit> {
  u: U;
  label: string;
  /** Queued (or attached to its job); a unit waits unqueued until the units it needs are done. */
  queued: boolean;
  id: string;
  /** The results folder the job writes to (that of the job already queued, when attached). */
  results: string;
  state: 'waiting' | 'active' | 'done' | 'failed';
  result?: StudyJobResult;
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `spec` of `study` on the queue at options.url: one job per unit of its plan (job id = hash of what
 * determines the unit's bytes, see studyJobId), run by `nodulab worker` processes; a unit is queued once
 * the units it needs are done. Resolves with the same output as runStudy once every unit is done; rejects
 * with QueueRunsFailed (after the rest completed), QueueDetached (stopped), or an error naming Redis when it
 * is unreachable.
 */
export async function runStudyOnQueue<S, U extends StudyUnit, R, Res>(
  study: Study<S, U, R, Res>,
  spec: S,
  options: QueueStudyOptions,
): Promise<StudyOutput<S, Res>> {
  const target = options.outDir;
  checkEmptyOut(study.name, target);
  const emit = options.onEvent ?? (() => undefined);
  const results = path.resolve(options.results);
  const start = Date.now();
  await checkRedis(options.url);
  const connection = parseRedisUrl(options.url);
  const queue = new Queue<StudyJobData, StudyJobResult>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection: { ...connection, maxRetriesPerRequest: null } });
  let lastRedisError = '';
  const onRedisError = (e: Error): void => {
    const message = `Redis at ${displayUrl(options.url)}: ${e.message}`;
    if (message !== lastRedisError) emit({ kind: 'redis-error', message });
    lastRedisError = message;
  };
  queue.on('error', onRedisError);
  events.on('error', onRedisError);
  const plan = study.plan(spec);
  checkPlan(study.name, plan);
  const tracked: Tracked<U>[] = plan.map((u) => ({
    u,
    label: u.id,
    queued: false,
    id: studyJobId(study, spec, u),
    results,
    state: 'waiting',
  }));
  const byUnit = new Map(tracked.map((t) => [t.u.id, t]));
  const byId = new Map(tracked.map((t) => [t.id, t]));
  events.on('progress', ({ jobId, data }) => {
    const t = byId.get(jobId);
    if (t && typeof data === 'object') emit({ kind: 'progress', run: t.label, progress: data as never });
  });
  const redisCall = <T>(p: Promise<T>): Promise<T> =>
    withTimeout(p, 10_000, `Redis at ${displayUrl(options.url)} did not answer within 10 s`);

  const add = (t: Tracked<U>) =>
    queue.add(
      'unit',
      { study: study.name, spec, unit: t.u.id, results },
      {
        jobId: t.id,
        attempts: JOB_ATTEMPTS,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
    );
  const finish = (t: Tracked<U>, r: StudyJobResult): void => {
    t.state = 'done';
    t.result = r;
    emit({ kind: 'run-end', run: t.label, worker: r.worker, seconds: r.seconds, threads: r.threads });
  };

  try {
    // Queue each run, or attach to its job; a run whose result is already in the results folder is done.
    let added = 0;
    let attached = 0;
    let retried = 0;
    let complete = 0;
    const ready = (t: Tracked<U>): boolean => (t.u.needs ?? []).every((n: string) => byUnit.get(n)!.state === 'done');
    for (const t of tracked) {
      const job = await redisCall(queue.getJob(t.id));
      if (job) t.results = job.data.results;
      const r = readJobResult(t.results, t.id);
      t.queued = true;
      if (r) {
        t.state = 'done';
        t.result = r;
        complete++;
      } else if (!ready(t)) t.queued = false;
      else if (!job) {
        await redisCall(add(t));
        added++;
      } else if ((await redisCall(job.getState())) === 'failed') {
        // Re-running the study is the user's request to try its failed runs again.
        await redisCall(job.retry('failed'));
        retried++;
      } else attached++;
    }
    emit({ kind: 'queued', added, attached, retried, complete, total: tracked.length });

    let lastCounts = '';
    let unreachableSince = 0;
    const redisTimeoutMs = options.redisTimeoutMs ?? 120_000;
    for (;;) {
      if (options.signal?.aborted) throw new QueueDetached(tracked.filter((t) => t.state !== 'done').length);
      try {
        for (const t of tracked) {
          if (t.state === 'done' || t.state === 'failed') continue;
          if (!t.queued) {
            const failedNeed = (t.u.needs ?? []).find((n: string) => byUnit.get(n)!.state === 'failed');
            if (failedNeed !== undefined) {
              t.state = 'failed';
              t.error = `needs ${failedNeed}, which failed`;
              emit({ kind: 'run-failed', run: t.label, error: t.error });
            } else if (ready(t)) {
              if (!(await redisCall(queue.getJob(t.id)))) await redisCall(add(t));
              t.queued = true;
            }
            continue;
          }
          const r = readJobResult(t.results, t.id);
          if (r) {
            finish(t, r);
            continue;
          }
          const state = await redisCall(queue.getJobState(t.id));
          if (state === 'unknown') {
            // Redis lost the job (restarted without persistence): queue it again; its result is not in yet.
            await redisCall(add(t));
            emit({ kind: 'requeued', run: t.label });
            t.state = 'waiting';
          } else if (state === 'failed') {
            const job = await redisCall(queue.getJob(t.id));
            t.state = 'failed';
            t.error = job?.failedReason ?? 'unknown error';
            emit({ kind: 'run-failed', run: t.label, error: t.error });
          } else if (state === 'completed') {
            // The result file is written before the job completes: read it once more, else the job's
            // results folder is gone or not shared with this machine: run it again into ours.
            const again = readJobResult(t.results, t.id);
            if (again) finish(t, again);
            else {
              await redisCall(queue.remove(t.id));
              t.results = results;
              await redisCall(add(t));
              emit({ kind: 'requeued', run: t.label });
              t.state = 'waiting';
            }
          } else t.state = state === 'active' ? 'active' : 'waiting';
        }
        if (unreachableSince) emit({ kind: 'redis-ok' });
        unreachableSince = 0;
        lastRedisError = '';
      } catch (e) {
        if (!unreachableSince) unreachableSince = Date.now();
        onRedisError(e as Error);
        if (Date.now() - unreachableSince > redisTimeoutMs)
          throw new Error(
            `Redis at ${displayUrl(options.url)} unreachable for ${Math.round(redisTimeoutMs / 1000)} s: ${(e as Error).message}; ` +
              `the jobs stay queued, finished runs stay in ${results}: run the same command again to attach`,
          );
      }
      const counts: GridCounts = { waiting: 0, active: 0, done: 0, failed: 0, total: tracked.length };
      for (const t of tracked) counts[t.state]++;
      const key = JSON.stringify(counts);
      if (key !== lastCounts) emit({ kind: 'grid', counts });
      lastCounts = key;
      if (counts.done + counts.failed === counts.total) break;
      await sleep(options.pollMs ?? 500);
    }
    const failed = tracked.filter((t) => t.state === 'failed');
    if (failed.length)
      throw new QueueRunsFailed(failed.map((t) => ({ run: t.label, jobId: t.id, error: t.error ?? '' })));
    return await inStagedFolder(target, async (staging) => {
      const outcomes: UnitOutcome<U, R>[] = [];
      for (const t of tracked) {
        const from = jobRunDir(t.results, t.id);
        const rel = unitDir(t.u.id);
        const to = path.join(staging, rel);
        if (!fs.existsSync(from)) throw new Error(`${t.label}: unit folder ${from} is missing`);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.cpSync(from, to, { recursive: true });
        relocateRunFolders(to, from, to);
        outcomes.push({ unit: t.u, result: t.result!.result as R, dir: rel });
      }
      const units = tracked.map((t) => ({ id: t.u.id, seconds: t.result!.seconds, worker: t.result!.worker }));
      const timing = { createdAt: new Date(start).toISOString(), seconds: (Date.now() - start) / 1000, units };
      return finishStudy(study, spec, staging, outcomes, timing);
    });
  } finally {
    await Promise.allSettled([queue.close(), events.close()]);
  }
}
