// `nodulab worker`'s engine: a BullMQ Worker that takes study jobs, trains and tests each run into
// <results root>/<job id>/ (staged, then renamed), writes <job id>.json (result and manifest) last, and
// reports epoch progress. The results root and every limit come from the worker's own options: a job's
// payload is checked data (payload.ts) and names no folder. A job that breaks the rules fails at once.
// A run whose result file exists (and verifies) is not trained again; a stopped worker returns its job.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Job, UnrecoverableError, WaitingError } from 'bullmq';
import { setNumThreads } from '@nodulab/tensor';
import { configHash, processPartialPath, removeStalePartials, writeFileAtomic } from '@nodulab/platform';
import type { FinishedUnit } from '../framework';
import { relocateRunFolders } from '../kit/staged';
import { QueueConnection, checkRedis, displayUrl, redisOptions } from './connection';
import { QUEUE_NAME, StudyJobProgress, StudyJobResult, jobResultFile, jobRunDir, jobUnit, studyJobId } from './jobs';
import { DEFAULT_LIMITS, WorkerLimits, checkLimits } from './limits';
import { UnitResultError, readVerifiedResult, resultDocument } from './manifest';
import { PayloadError, checkJobId, parsePayload } from './payload';
import { PayloadWorker } from './payload_worker';
import { checkNamedFiles, insideRoots, realFolder } from './roots';
import { queueKey } from './secrets';

/** What a worker tells its user. */
export type WorkerEvent =
  | { kind: 'start'; jobId: string; run: string; study: string; attempt: number; threads: number }
  | { kind: 'reused'; jobId: string; run: string }
  | { kind: 'done'; jobId: string; run: string; seconds: number }
  | { kind: 'failed'; jobId: string; run: string; error: string }
  /** A job refused before anything ran (bad id, payload, path or size): it fails at once, not retried. */
  | { kind: 'refused'; jobId: string; error: string }
  | { kind: 'returned'; jobId: string; run: string }
  | { kind: 'redis-error'; message: string };

/** Options of {@link startStudyWorker}: where the queue is, and this worker's own folders and limits. */
export interface StudyWorkerOptions extends QueueConnection {
  /**
   * The results root: unit folders and result files are written and read here only (made when missing).
   * Shared with the coordinator (e.g. a shared file system), which reads the same folder by its own option.
   */
  results: string;
  /** Further folders a job's spec may name files in (init checkpoints, spec files); read only. */
  inputRoots?: readonly string[];
  /** A file holding the key that signs manifests; default NODULAB_QUEUE_KEY_FILE, then NODULAB_QUEUE_KEY. */
  keyFile?: string;
  /** Limits on what one job may ask for (default DEFAULT_LIMITS, each overridable). */
  limits?: Partial<WorkerLimits>;
  /** Kernel threads for every job; default: each job's study thread count (what determines bytes). */
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
  /** The real path of its results root. */
  readonly results: string;
  /**
   * Stops taking jobs. 'return' stops the running jobs after their current training step and puts
   * them back on the queue; 'finish' lets them complete. Resolves when the worker has closed.
   */
  stop(mode: 'return' | 'finish'): Promise<void>;
  /** Resolves when the worker has closed. */
  readonly closed: Promise<void>;
}

/** Removes `p` (a unit folder or its staging) when it is a folder or file inside `root`, never through a link. */
function removeInside(root: string, p: string): void {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (path.dirname(p) !== root || st.isSymbolicLink())
    throw new PayloadError(`${p}: not a folder of this worker's results root ${root}; not removed`);
  fs.rmSync(p, { recursive: true, force: true });
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

/**
 * Connects to the queue (rejecting when Redis cannot be reached or a TLS file, password or queue key cannot
 * be read) and starts taking jobs into options.results.
 */
export async function startStudyWorker(options: StudyWorkerOptions): Promise<StudyWorker> {
  const emit = options.onEvent ?? (() => undefined);
  const connection = redisOptions(options);
  const key = queueKey(options.keyFile);
  const inputRoots = (options.inputRoots ?? []).map((d) => {
    if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new Error(`input root ${d}: not a folder`);
    return fs.realpathSync(d);
  });
  const limits: WorkerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  await checkRedis(connection, options.url);
  const root = realFolder(options.results, 'results folder');
  const name = `${os.hostname()}:${process.pid}`;
  const stalledMs = options.stalledMs ?? 30_000;
  const cache = new UnitCache();
  const aborts = new Map<string, AbortController>();
  let returning = false;

  /** The checked unit of a job, or a PayloadError: id, schema, size, named files, study and plan, limits. */
  const checkedJob = (job: Job<unknown, StudyJobResult>) => {
    const jobId = checkJobId(job.id);
    const data = parsePayload(job.data, jobId, limits.maxPayloadBytes);
    checkNamedFiles(data.spec, [root, ...inputRoots]);
    const unit = jobUnit(data, jobId);
    checkLimits(unit.spec, unit.plan.length, limits);
    return { jobId, ...unit };
  };

  const processJob = async (job: Job<unknown, StudyJobResult>, token?: string): Promise<StudyJobResult> => {
    let checked: ReturnType<typeof checkedJob>;
    try {
      checked = checkedJob(job);
    } catch (e) {
      const error = (e as Error).message;
      emit({ kind: 'refused', jobId: String(job.id), error });
      // A job that breaks the rules fails now, with the reason, instead of being attempted again.
      throw e instanceof PayloadError ? new UnrecoverableError(error) : e;
    }
    const { jobId, study, spec, plan, unit } = checked;
    const label = unit.id;
    const planned = { study: study.name, unit: unit.id, job: jobId };
    const final = jobRunDir(root, jobId);
    const resultFile = jobResultFile(root, jobId);
    let done: StudyJobResult | null;
    try {
      insideRoots(final, [root], 'unit folder');
      done = readVerifiedResult(resultFile, final, planned, key);
    } catch (e) {
      const error = `${(e as Error).message} (remove ${final} and ${resultFile} to run it again)`;
      emit({ kind: 'failed', jobId, run: label, error });
      throw new UnrecoverableError(error);
    }
    if (done) {
      emit({ kind: 'reused', jobId, run: label });
      return done;
    }
    const threads = options.threads ?? study.threads(spec);
    emit({ kind: 'start', jobId, run: label, study: study.name, attempt: job.attemptsMade + 1, threads });
    const t0 = Date.now();
    // Staging left by a worker on this host that was killed (its pid gone, or reused by another process).
    removeStalePartials(final);
    const staging = processPartialPath(final);
    removeInside(root, staging);
    const ac = new AbortController();
    aborts.set(jobId, ac);
    let lastReport = 0;
    try {
      const needs = new Map<string, FinishedUnit<unknown>>();
      for (const id of unit.needs ?? []) {
        const dep = plan.find((u: { id: string }) => u.id === id)!;
        const depJob = studyJobId(study, spec, dep);
        const depDir = jobRunDir(root, depJob);
        const r = readVerifiedResult(jobResultFile(root, depJob), depDir, { ...planned, unit: id, job: depJob }, key);
        if (!r) throw new Error(`${label} needs unit ${id} (job ${depJob}), which is not finished in ${root}`);
        needs.set(id, { dir: depDir, result: r.result });
      }
      fs.mkdirSync(staging);
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
      const run = { result: outcome, threads, worker: name, seconds: (Date.now() - t0) / 1000 };
      const result = resultDocument(run, planned, staging, final, key);
      // Another worker may have completed the same job meanwhile (it was taken again as stalled): keep theirs.
      const other = readVerifiedResult(resultFile, final, planned, key);
      if (other) {
        removeInside(root, staging);
        return other;
      }
      removeInside(root, final);
      fs.renameSync(staging, final);
      writeFileAtomic(resultFile, Buffer.from(JSON.stringify(result, null, 2) + '\n'));
      emit({ kind: 'done', jobId, run: label, seconds: result.seconds });
      return result;
    } catch (e) {
      removeInside(root, staging);
      if (ac.signal.aborted && returning) {
        await job.moveToWait(token);
        emit({ kind: 'returned', jobId, run: label });
        throw new WaitingError();
      }
      emit({ kind: 'failed', jobId, run: label, error: (e as Error).message });
      throw e instanceof UnitResultError ? new UnrecoverableError((e as Error).message) : e;
    } finally {
      aborts.delete(jobId);
    }
  };

  const worker = new PayloadWorker<unknown, StudyJobResult>(QUEUE_NAME, processJob, {
    connection: { ...connection, maxRetriesPerRequest: null },
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
    results: root,
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
