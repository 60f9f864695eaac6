// `nodulab worker`'s engine: a BullMQ Worker that takes study jobs, trains and tests each run into
// <results>/<job id>/ (staged, then renamed), writes <job id>.json last, and reports epoch progress.
// A run whose result file exists is not trained again; a stopped worker returns its job to the queue.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Job, WaitingError, Worker } from 'bullmq';
import { setNumThreads } from '@nodulab/tensor';
import { configHash, processAlive, writeFileAtomic } from '@nodulab/platform';
import type { FinishedUnit } from '../framework';
import { relocateRunFolders } from '../kit/staged';
import { checkRedis, displayUrl, parseRedisUrl } from './connection';
import {
  QUEUE_NAME,
  StudyJobData,
  StudyJobProgress,
  StudyJobResult,
  studyJobId,
  jobResultFile,
  jobRunDir,
  jobUnit,
  readJobResult,
} from './jobs';

/** What a worker tells its user. */
export type WorkerEvent =
  | { kind: 'start'; jobId: string; run: string; study: string; attempt: number; threads: number }
  | { kind: 'reused'; jobId: string; run: string }
  | { kind: 'done'; jobId: string; run: string; seconds: number }
  | { kind: 'failed'; jobId: string; run: string; error: string }
  | { kind: 'returned'; jobId: string; run: string }
  | { kind: 'redis-error'; message: string };

/** Options of {@link startStudyWorker}. */
export interface StudyWorkerOptions {
  /** redis://host:port of the queue. */
  url: string;
  /** Kernel threads for every job; default: each job's study thread count (what determinism needs). */
  threads?: number;
  /** Jobs run at once in this process (default 1). */
  concurrency?: number;
  /**
   * Lock duration and stalled-job check interval in ms (default 30000): a job whose worker died is
   * taken again after at most about twice this.
   */
  stalledMs?: number;
  onEvent?: (e: WorkerEvent) => void;
}

/** A running worker. */
export interface StudyWorker {
  /** This worker's name in results and messages: host:pid. */
  readonly name: string;
  /**
   * Stops taking jobs. 'return' stops the running jobs after their current training step and puts
   * them back on the queue; 'finish' lets them complete. Resolves when the worker has closed.
   */
  stop(mode: 'return' | 'finish'): Promise<void>;
  /** Resolves when the worker has closed. */
  readonly closed: Promise<void>;
}

/** Removes staging folders of `final` left by workers on this host that no longer run (kill -9). */
function removeDeadStaging(final: string): void {
  const dir = path.dirname(final);
  const prefix = `${path.basename(final)}.partial-${os.hostname()}-`;
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir)) {
    if (!f.startsWith(prefix)) continue;
    const pid = Number(f.slice(prefix.length));
    if (Number.isInteger(pid) && !processAlive(pid)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  }
}

/** The per-process cache units share: one, for the last (study, spec) this worker ran. */
class UnitCache {
  private key = '';
  private map = new Map<string, unknown>();
  for(study: string, spec: unknown): Map<string, unknown> {
    const key = configHash({ study, spec });
    if (key !== this.key) {
      this.key = key;
      this.map = new Map();
    }
    return this.map;
  }
}

/** Connects to the queue at options.url (rejecting when Redis cannot be reached) and starts taking jobs. */
export async function startStudyWorker(options: StudyWorkerOptions): Promise<StudyWorker> {
  const emit = options.onEvent ?? (() => undefined);
  await checkRedis(options.url);
  const name = `${os.hostname()}:${process.pid}`;
  const stalledMs = options.stalledMs ?? 30_000;
  const cache = new UnitCache();
  const aborts = new Map<string, AbortController>();
  let returning = false;

  const processJob = async (job: Job<StudyJobData, StudyJobResult>, token?: string): Promise<StudyJobResult> => {
    const { results } = job.data;
    const jobId = job.id!;
    const { study, spec, plan, unit } = jobUnit(job.data, jobId);
    const label = unit.id;
    const done = readJobResult(results, jobId);
    if (done) {
      emit({ kind: 'reused', jobId, run: label });
      return done;
    }
    const threads = options.threads ?? study.threads(spec);
    emit({ kind: 'start', jobId, run: label, study: study.name, attempt: job.attemptsMade + 1, threads });
    const t0 = Date.now();
    const final = jobRunDir(results, jobId);
    fs.mkdirSync(results, { recursive: true });
    removeDeadStaging(final);
    const staging = `${final}.partial-${os.hostname()}-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    const ac = new AbortController();
    aborts.set(jobId, ac);
    let lastReport = 0;
    try {
      const needs = new Map<string, FinishedUnit<unknown>>();
      for (const id of unit.needs ?? []) {
        const dep = plan.find((u: { id: string }) => u.id === id)!;
        const depJob = studyJobId(study, spec, dep);
        const r = readJobResult(results, depJob);
        if (!r) throw new Error(`${label} needs unit ${id} (job ${depJob}), which is not finished in ${results}`);
        needs.set(id, { dir: jobRunDir(results, depJob), result: r.result });
      }
      fs.mkdirSync(staging, { recursive: true });
      setNumThreads(threads);
      const outcome = await study.runUnit(spec, unit, {
        dir: staging,
        needs,
        signal: ac.signal,
        cache: cache.for(study.name, spec),
        phase: () => undefined,
        progress: (p) => {
          const now = Date.now();
          if (now - lastReport < 1000) return;
          lastReport = now;
          const progress: StudyJobProgress = { ...p, worker: name };
          // Progress is informative; a Redis hiccup must not fail the run.
          job.updateProgress(progress as unknown as object).catch(() => undefined);
        },
      });
      relocateRunFolders(staging, staging, final);
      const result: StudyJobResult = { result: outcome, threads, worker: name, seconds: (Date.now() - t0) / 1000 };
      // Another worker may have completed the same job meanwhile (it was taken again as stalled): keep theirs.
      const other = readJobResult(results, jobId);
      if (other) {
        fs.rmSync(staging, { recursive: true, force: true });
        return other;
      }
      fs.rmSync(final, { recursive: true, force: true });
      fs.renameSync(staging, final);
      writeFileAtomic(jobResultFile(results, jobId), Buffer.from(JSON.stringify(result, null, 2) + '\n'));
      emit({ kind: 'done', jobId, run: label, seconds: result.seconds });
      return result;
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      if (ac.signal.aborted && returning) {
        await job.moveToWait(token);
        emit({ kind: 'returned', jobId, run: label });
        throw new WaitingError();
      }
      emit({ kind: 'failed', jobId, run: label, error: (e as Error).message });
      throw e;
    } finally {
      aborts.delete(jobId);
    }
  };

  const worker = new Worker<StudyJobData, StudyJobResult>(QUEUE_NAME, processJob, {
    connection: { ...parseRedisUrl(options.url), maxRetriesPerRequest: null },
    concurrency: options.concurrency ?? 1,
    lockDuration: stalledMs,
    stalledInterval: stalledMs,
    maxStalledCount: 2,
    autorun: false,
  });
  let lastError = '';
  worker.on('error', (e) => {
    const message = `Redis at ${displayUrl(options.url)}: ${e.message}`;
    if (message !== lastError) emit({ kind: 'redis-error', message });
    lastError = message;
  });
  const running = worker.run();
  const closed = running.then(
    () => undefined,
    () => undefined,
  );
  return {
    name,
    closed,
    async stop(mode) {
      if (mode === 'return') {
        returning = true;
        for (const ac of aborts.values()) ac.abort();
      }
      // close() waits for the running jobs and for Redis; when Redis is unreachable it would wait
      // forever, so after 15 s the worker is closed without it (a job it held is then stalled, and taken again).
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((r) => {
        timer = setTimeout(
          () => r(worker.close(true).catch(() => undefined)),
          mode === 'return' ? 15_000 : 2 ** 31 - 1,
        );
      });
      await Promise.race([worker.close().catch(() => undefined), forced]);
      clearTimeout(timer);
      await Promise.race([closed, forced]);
    },
  };
}
