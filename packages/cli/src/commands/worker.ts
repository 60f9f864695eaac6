// `nodulab worker --queue redis://host:port`: takes study runs from the queue, trains and tests each
// into the results folder its job names, and reports epoch progress. SIGTERM or Ctrl-C stops it after
// the current training step and returns the job to the queue for another worker.
import { QueueUrlError, WorkerEvent, displayUrl, parseRedisUrl, startStudyWorker } from '@nodulab/study';
import { UsageError } from '../args';
import type { Command } from '../command';

const OPTIONS = {
  queue: { type: 'string', description: 'redis://host:port of the study queue (required)' },
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
    try {
      parseRedisUrl(url);
    } catch (e) {
      if (e instanceof QueueUrlError) throw new UsageError(e.message);
      throw e;
    }
    const worker = await startStudyWorker({
      url,
      threads: o.threads as number | undefined,
      concurrency: o.concurrency as number | undefined,
      stalledMs: o['stalled-ms'] as number | undefined,
      onEvent: log,
    });
    process.stderr.write(`worker ${worker.name} taking jobs from ${displayUrl(url)}\n`);
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
