// `nodulab worker --queue redis://host:port --results <folder>`: takes study runs from the queue, trains
// and tests each into its own results folder, and reports epoch progress. A job names no folder and no
// limit: those come from this command's options. SIGTERM or Ctrl-C stops it after the current training
// step and returns the job to the queue for another worker.
import * as path from 'path';
import { DEFAULT_LIMITS, WorkerEvent, displayUrl, startStudyWorker } from '@nodulab/study';
import { UsageError } from '../args';
import type { Command } from '../command';
import { QUEUE_CONNECTION_OPTIONS, checkFolderOption, queueConnection } from '../queue_options';

/** Default results folder, the same as `nodulab study --queue`'s. */
const DEFAULT_RESULTS = path.join('runs', 'queue-results');

const OPTIONS = {
  queue: { type: 'string', description: 'redis://host:port or rediss://host:port (TLS) of the study queue (required)' },
  ...QUEUE_CONNECTION_OPTIONS,
  results: {
    type: 'string',
    description:
      'the results folder unit folders are written into and read from, shared with `nodulab study --results` (default runs/queue-results)',
  },
  'input-root': {
    type: 'string',
    description: `folders (separated by '${path.delimiter}') a job's spec may name checkpoints and spec files in, besides --results`,
  },
  'max-units': {
    type: 'integer',
    description: `largest grid a job's spec may have (default ${DEFAULT_LIMITS.maxUnits})`,
    min: 1,
  },
  'max-samples': {
    type: 'integer',
    description: `most samples in any one set of a job's spec (default ${DEFAULT_LIMITS.maxSamples})`,
    min: 1,
  },
  'max-voxels': {
    type: 'integer',
    description: `most voxels in one volume of a job's spec (default ${DEFAULT_LIMITS.maxVoxels})`,
    min: 1,
  },
  threads: {
    type: 'integer',
    description: "kernel threads per job (default: the study's --threads, which keeps runs bit-identical)",
    min: 1,
  },
  concurrency: { type: 'integer', description: 'jobs trained at once by this process (default 1)', min: 1 },
  'stalled-ms': {
    type: 'integer',
    description: "job lock and stalled check in ms: a dead worker's job is taken again within ~2x this (default 30000)",
    min: 500,
  },
} as const;

function log(e: WorkerEvent): void {
  const t = new Date().toISOString().slice(11, 19);
  const line =
    e.kind === 'start'
      ? `${e.run} (${e.study}, job ${e.jobId.slice(0, 16)}, attempt ${e.attempt}): training with ${e.threads} threads`
      : e.kind === 'reused'
        ? `${e.run}: already complete in the results folder; not trained again`
        : e.kind === 'done'
          ? `${e.run}: done in ${e.seconds.toFixed(1)} s`
          : e.kind === 'failed'
            ? `${e.run}: failed: ${e.error}`
            : e.kind === 'refused'
              ? `job refused, failed without retry: ${e.error}`
              : e.kind === 'returned'
                ? `${e.run}: stopped and returned to the queue`
                : `${e.message} (retrying)`;
  process.stderr.write(`[${t}] ${line}\n`);
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'take study runs from a Redis queue (nodulab study --queue), train and test them, until stopped',
  options: OPTIONS,
  async run(o) {
    const url = o.queue as string | undefined;
    if (url === undefined) throw new UsageError('--queue redis://host:port is required');
    const connection = queueConnection(url, o);
    const results = path.resolve((o.results as string | undefined) ?? DEFAULT_RESULTS);
    checkFolderOption('results', results);
    const inputRoots = ((o['input-root'] as string | undefined) ?? '').split(path.delimiter).filter((d) => d !== '');
    for (const d of inputRoots) checkFolderOption('input-root', d);
    const worker = await startStudyWorker({
      ...connection,
      results,
      inputRoots,
      limits: {
        ...(o['max-units'] !== undefined ? { maxUnits: o['max-units'] as number } : {}),
        ...(o['max-samples'] !== undefined ? { maxSamples: o['max-samples'] as number } : {}),
        ...(o['max-voxels'] !== undefined ? { maxVoxels: o['max-voxels'] as number } : {}),
      },
      threads: o.threads as number | undefined,
      concurrency: o.concurrency as number | undefined,
      stalledMs: o['stalled-ms'] as number | undefined,
      onEvent: log,
    });
    process.stderr.write(`worker ${worker.name} taking jobs from ${displayUrl(url)} into ${worker.results}\n`);
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`worker ${worker.name}: ${sig}: returning any running job to the queue and stopping\n`);
      void worker.stop('return');
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    await worker.closed;
    process.stderr.write(`worker ${worker.name} stopped\n`);
    return 0;
  },
};
