// Where a command writes: the default timestamped folder under runs/, the check that --out is new or
// empty, and running a study-like job with its folder locked and Ctrl-C turned into an abort signal.
import * as fs from 'fs';
import * as path from 'path';
import { lockOutput } from '@nodulab/platform';
import { UsageError } from './args';

/** runs/<name>-<yyyymmdd-hhmmss> (UTC). */
export function timestampedOut(name: string): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join('runs', `${name}-${t}`);
}

/** Throws a usage error unless `out` does not exist yet or is an empty folder. */
export function checkNewOut(out: string): void {
  if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new UsageError(`--out ${out} exists and is not an empty folder; choose another`);
  }
}

/**
 * Runs `job` with `out` locked against a second writer; Ctrl-C aborts the signal it gets (the job stops
 * after its current step and removes its staging folder) instead of killing the process.
 */
export async function withLockedOut<T>(out: string, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const lock = lockOutput(out);
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.once('SIGINT', onSignal);
  try {
    return await job(ac.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    lock.release();
  }
}
