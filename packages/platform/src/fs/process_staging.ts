// Staging folders of one output written by several processes (queue workers on many machines):
// `<final>.partial-<host>-<pid>`, one per writing process, and the cleanup of those a writer on this machine
// left when it was killed — the folder, its `.lock` (a lock on the staging folder itself, e.g. a training
// run's) and that lock's leftovers — judged by the same rule as every lock (judgeLock).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { judgeLock, lockTiming, readLockFile } from './lock_holder';
import { processAlive } from './process_alive';

/** The staging folder this process writes `final` in: `<final>.partial-<host>-<pid>`. */
export function processPartialPath(final: string): string {
  return `${path.resolve(final)}.partial-${os.hostname()}-${process.pid}`;
}

/** `<pid>`, `<pid>.lock`, or a lock's leftover (`<pid>.lock.<…>.tmp`, `<pid>.lock.stale.<…>`). */
const REST = /^([0-9]+)(\.lock(\..+)?)?$/;

/**
 * Removes the staging folders of `final` (see {@link processPartialPath}) whose writer on this machine is
 * provably gone, with their lock files: the pid in the name is not running, or the staging folder's lock
 * names that pid on this machine with another process start time (the pid was reused). Staging of other
 * hosts, of this process and of running writers is left alone. Returns the paths removed; a missing folder
 * removes nothing.
 */
export function removeStalePartials(final: string): string[] {
  const dir = path.dirname(path.resolve(final));
  const prefix = `${path.basename(final)}.partial-${os.hostname()}-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const byPid = new Map<number, string[]>();
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = REST.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    byPid.set(pid, [...(byPid.get(pid) ?? []), name]);
  }
  const timing = lockTiming();
  const removed: string[] = [];
  for (const [pid, group] of byPid) {
    if (pid === process.pid) continue;
    const staging = path.join(dir, `${prefix}${pid}`);
    const lock = readLockFile(`${staging}.lock`);
    const holder = lock === 'gone' ? null : lock.holder;
    // The staging folder's own lock, when it names this writer, decides by the one rule (judgeLock: a dead or
    // reused pid here; on a machine that shares this host name but not its pids, a heartbeat past the lease);
    // without one, the pid in the name is all there is.
    const gone =
      lock !== 'gone' && holder !== null && holder.pid === pid
        ? judgeLock(lock, timing, () => false).stale
        : !processAlive(pid);
    if (!gone) continue;
    for (const name of group) {
      const p = path.join(dir, name);
      try {
        fs.rmSync(p, { recursive: true, force: true });
        removed.push(p);
      } catch {
        /* removed meanwhile, or not ours to remove: leave it */
      }
    }
  }
  return removed;
}
