// `nodulab study --queue redis://host:port`: the study's runs as BullMQ jobs for `nodulab worker`s.
// Shows the grid (waiting, active, done, failed) and each job's epochs; Ctrl-C stops following and
// leaves the jobs queued (exit 130); runs that failed (every attempt, a refused job, or a unit folder
// that does not match its manifest) are listed (exit 1).
import * as path from 'path';
import {
  QueueDetached,
  QueueRunsFailed,
  QueueStudyEvent,
  AnyStudy,
  StudyOutput,
  displayUrl,
  runStudyOnQueue,
} from '@nodulab/study';
import type { ParsedOptions } from '../args';
import { withLockedOut } from '../output';
import { checkFolderOption, queueConnection } from '../queue_options';

/** Default shared results folder, beside the default study folders. */
const DEFAULT_RESULTS = path.join('runs', 'queue-results');

/** One line per grid change, finished or failed run; a live line of the latest job progress on a terminal. */
function reporter(threads: number): (e: QueueStudyEvent) => void {
  const tty = Boolean(process.stderr.isTTY);
  const clear = tty ? '\r\x1b[K' : '';
  let grid = '';
  return (e) => {
    if (e.kind === 'queued')
      process.stderr.write(
        `${clear}${e.total} units: ${e.added} queued, ${e.attached} already queued (attached), ${e.retried} failed before and retried, ${e.complete} already complete\n`,
      );
    else if (e.kind === 'grid') {
      const c = e.counts;
      grid = `grid: ${c.waiting} waiting, ${c.active} active, ${c.done} done, ${c.failed} failed of ${c.total}`;
      process.stderr.write(`${clear}${grid}\n`);
    } else if (e.kind === 'progress') {
      if (!tty) return;
      const p = e.progress;
      process.stderr.write(
        `${clear}${e.run} on ${p.worker}: ${p.stage} epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)}`,
      );
    } else if (e.kind === 'run-end') {
      process.stderr.write(`${clear}${e.run}: done on ${e.worker} in ${e.seconds.toFixed(1)} s\n`);
      if (e.threads !== threads)
        process.stderr.write(
          `${clear}warning: ${e.run} ran with ${e.threads} threads, the study asks for ${threads}; its numbers may differ in the last bits\n`,
        );
    } else if (e.kind === 'run-failed') process.stderr.write(`${clear}${e.run}: FAILED: ${e.error}\n`);
    else if (e.kind === 'requeued')
      process.stderr.write(
        `${clear}${e.run}: its job or result was lost (Redis restarted, result not in the results folder); queued again\n`,
      );
    else if (e.kind === 'redis-error') process.stderr.write(`${clear}${e.message} (retrying)\n`);
    else if (e.kind === 'redis-ok') process.stderr.write(`${clear}Redis reachable again\n`);
  };
}

/**
 * Runs `study` over the queue at `url` (connection options and --results from `o`); the results, or the exit
 * code when it did not complete.
 */
export async function runQueuedStudy(
  study: AnyStudy,
  spec: unknown,
  url: string,
  o: ParsedOptions,
  outDir: string,
): Promise<StudyOutput<unknown, unknown> | number> {
  const connection = queueConnection(url, o);
  const resultsDir = path.resolve((o.results as string | undefined) ?? DEFAULT_RESULTS);
  checkFolderOption('results', resultsDir);
  process.stderr.write(
    `study ${study.name}: ${study.plan(spec).length} units, seeds ${study.seeds(spec).join(', ')} on queue ${displayUrl(url)}; run folders in ${resultsDir}; report -> ${outDir}\n`,
  );
  try {
    return await withLockedOut(outDir, (signal) =>
      runStudyOnQueue(study, spec, {
        ...connection,
        outDir,
        results: resultsDir,
        signal,
        onEvent: reporter(study.threads(spec)),
      }),
    );
  } catch (e) {
    if (e instanceof QueueDetached) {
      process.stderr.write(
        `\nnodulab study: ${e.message} on ${displayUrl(url)}; run the same command again to follow them\n`,
      );
      return 130;
    }
    if (e instanceof QueueRunsFailed) {
      process.stderr.write(
        `nodulab study: ${e.message}\nthe other runs are complete in ${resultsDir}; run the same command again to retry the failed ones\n`,
      );
      return 1;
    }
    throw e;
  }
}
