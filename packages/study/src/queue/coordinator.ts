// `nodulab study --queue`'s engine: puts each run of a study's grid on the queue as one job (or
// attaches to the job already there), follows the grid until every job is done or failed, then
// copies the run folders from its own results folder into the study folder and writes the same
// metrics.json and report.html as an in-process run. Nothing read from Redis names a path or a
// result: each unit's folder is accepted only when its manifest names the unit planned here and every
// file matches its hash (and the signature, with a queue key). Stopping leaves the jobs queued.
import * as path from 'path';
import { Queue, QueueEvents } from 'bullmq';
import type { Study, StudyOutput, StudyUnit, UnitOutcome } from '../framework';
import { finishStudy } from '../framework/finish';
import { checkEmptyOut, checkPlan, unitDir } from '../framework/plan';
import { inStagedFolder, relocateRunFolders } from '../kit/staged';
import { QueueConnection, checkRedis, displayUrl, redisOptions, withTimeout } from './connection';
import {
  JOB_ATTEMPTS,
  QUEUE_NAME,
  StudyJobData,
  StudyJobProgress,
  StudyJobResult,
  jobResultFile,
  jobRunDir,
  studyJobId,
} from './jobs';
import { UnitResultError, copyVerified, readVerifiedResult } from './manifest';
import { realFolder } from './roots';
import { queueKey } from './secrets';

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
  /** The job was lost by Redis, or completed without its result in the results folder: queued again. */
  | { kind: 'requeued'; run: string }
  | { kind: 'redis-error'; message: string }
  | { kind: 'redis-ok' };

/** Options of {@link runStudyOnQueue}: where the queue is, and the coordinator's own folders. */
export interface QueueStudyOptions extends QueueConnection {
  /** The study folder (must not exist or be empty), written as <outDir>.partial then renamed. */
  outDir: string;
  /** The results folder the workers write unit folders into (theirs by their own option; e.g. a shared file system). */
  results: string;
  /** A file holding the key manifests must be signed with; default NODULAB_QUEUE_KEY_FILE, then NODULAB_QUEUE_KEY. */
  keyFile?: string;
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

/**
 * Thrown when runs failed (every attempt, a job refused by its worker, or a unit folder that does not match
 * its manifest); the rest of the grid completed.
 */
export class QueueRunsFailed extends Error {
  constructor(readonly failures: { run: string; jobId: string; error: string }[]) {
    super(
      `${failures.length} run(s) failed (a job is attempted up to ${JOB_ATTEMPTS} times unless refused):\n` +
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
  /** Times queued again after it completed without a result in the results folder. */
  requeued: number;
  state: 'waiting' | 'active' | 'done' | 'failed';
  result?: StudyJobResult;
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether a progress event's data (from Redis) has the shape a worker reports; anything else is dropped. */
function isProgress(d: unknown): d is StudyJobProgress {
  const p = d as Record<string, unknown> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.stage === 'string' &&
    typeof p.worker === 'string' &&
    ['epoch', 'epochs', 'step', 'totalSteps', 'loss'].every((k) => typeof p[k] === 'number')
  );
}

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
  const connection = redisOptions(options);
  const key = queueKey(options.keyFile);
  const start = Date.now();
  await checkRedis(connection, options.url);
  const results = realFolder(options.results, 'results folder');
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
    requeued: 0,
    state: 'waiting',
  }));
  const byUnit = new Map(tracked.map((t) => [t.u.id, t]));
  const byId = new Map(tracked.map((t) => [t.id, t]));
  events.on('progress', ({ jobId, data }) => {
    const t = byId.get(jobId);
    if (t && isProgress(data)) emit({ kind: 'progress', run: t.label, progress: data });
  });
  const redisCall = <T>(p: Promise<T>): Promise<T> =>
    withTimeout(p, 10_000, `Redis at ${displayUrl(options.url)} did not answer within 10 s`);

  const add = (t: Tracked<U>) =>
    queue.add(
      'unit',
      { study: study.name, spec: spec as Record<string, unknown>, unit: t.u.id },
      {
        jobId: t.id,
        attempts: JOB_ATTEMPTS,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
    );
  // Job states and failure reasons are read without parsing the job: a payload planted under a planned id
  // may not be JSON, and reading it must not stop the coordinator.
  const failedReason = async (id: string): Promise<string> => {
    const client = await queue.client;
    return (await redisCall(client.hget(queue.toKey(id), 'failedReason'))) || 'unknown error';
  };
  const fail = (t: Tracked<U>, error: string): void => {
    t.state = 'failed';
    t.error = error;
    emit({ kind: 'run-failed', run: t.label, error });
  };
  /** The unit's checked result in the results folder; null when not there; 'refused' (and the unit failed) when
   * it does not verify. */
  const resultOf = (t: Tracked<U>): StudyJobResult | null | 'refused' => {
    try {
      const planned = { study: study.name, unit: t.u.id, job: t.id };
      return readVerifiedResult(jobResultFile(results, t.id), jobRunDir(results, t.id), planned, key);
    } catch (e) {
      if (!(e instanceof UnitResultError)) throw e;
      fail(t, `${e.message} (remove ${jobRunDir(results, t.id)} and its .json to run the unit again)`);
      return 'refused';
    }
  };
  /**
   * Queues the unit's job, or attaches to the one there. Re-running the study is the user's request to try its
   * failed runs again; a completed job without its result here ran into another results folder, or its result
   * was removed: both are replaced by a job of this coordinator's own payload.
   */
  const enqueue = async (t: Tracked<U>): Promise<'added' | 'retried' | 'attached'> => {
    const state = await redisCall(queue.getJobState(t.id));
    if (state === 'unknown') {
      await redisCall(add(t));
      return 'added';
    }
    if (state === 'failed' || state === 'completed') {
      await redisCall(queue.remove(t.id));
      await redisCall(add(t));
      return 'retried';
    }
    return 'attached';
  };
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
      const r = resultOf(t);
      t.queued = true;
      if (r === 'refused') continue;
      if (r) {
        t.state = 'done';
        t.result = r;
        complete++;
        continue;
      }
      if (!ready(t)) {
        t.queued = false;
        continue;
      }
      const how = await enqueue(t);
      if (how === 'added') added++;
      else if (how === 'retried') retried++;
      else attached++;
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
            if (failedNeed !== undefined) fail(t, `needs ${failedNeed}, which failed`);
            else if (ready(t)) {
              await enqueue(t);
              t.queued = true;
            }
            continue;
          }
          const r = resultOf(t);
          if (r === 'refused') continue;
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
          } else if (state === 'failed') fail(t, await failedReason(t.id));
          else if (state === 'completed') {
            // The result file is written before the job completes: read it once more, else the job's
            // results folder is not this one, or its result was removed: run it again, once.
            const again = resultOf(t);
            if (again === 'refused') continue;
            else if (again) finish(t, again);
            else if (t.requeued > 0)
              fail(
                t,
                `its job completed twice without a result in ${results}: ` +
                  'do the workers write into this folder (nodulab worker --results)?',
              );
            else {
              t.requeued++;
              await redisCall(queue.remove(t.id));
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
      const countsKey = JSON.stringify(counts);
      if (countsKey !== lastCounts) emit({ kind: 'grid', counts });
      lastCounts = countsKey;
      if (counts.done + counts.failed === counts.total) break;
      await sleep(options.pollMs ?? 500);
    }
    const failed = tracked.filter((t) => t.state === 'failed');
    if (failed.length)
      throw new QueueRunsFailed(failed.map((t) => ({ run: t.label, jobId: t.id, error: t.error ?? '' })));
    return await inStagedFolder(target, async (staging) => {
      const outcomes: UnitOutcome<U, R>[] = [];
      for (const t of tracked) {
        const from = jobRunDir(results, t.id);
        const rel = unitDir(t.u.id);
        const to = path.join(staging, rel);
        // What lands in the study folder is checked against the manifest again, after the copy.
        const manifest = t.result!.manifest;
        copyVerified(from, to, manifest.files);
        // Paths in summary.json start with the folder the worker wrote (its mount of the results folder).
        relocateRunFolders(to, manifest.dir, to);
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
