// Exclusive outputs: `<out>.lock`, created exclusively and holding the writer's identity (pid, host, boot id,
// pid namespace, process start time) and command, keeps a second nodulab process (or a second run in this
// one, or a process on another machine sharing the folder) from writing into the same output. A lock whose
// holder is provably gone (see judgeLock) is taken over; the holder refreshes the lock's mtime as a heartbeat
// so that machines which cannot see its pid can tell it is alive.
import * as fs from 'fs';
import * as path from 'path';
import { LockHolder, LockTiming, judgeLock, lockTiming, readLockFile } from './lock_holder';
import { thisProcess } from './process_identity';

/** Thrown by {@link lockOutput} when another live process (or another run here) holds the output. */
export class OutputLockedError extends Error {
  constructor(
    readonly out: string,
    readonly lockFile: string,
    readonly holder: LockHolder | null,
    /** Why the holder is taken to be alive, e.g. "pid 123 is running". */
    readonly reason = '',
  ) {
    super(
      holder
        ? `${out} is in use by another nodulab process: pid ${holder.pid} (${holder.command})` +
            `${holder.host ? ` on ${holder.host}` : ''}, since ${holder.since}${reason ? ` (${reason})` : ''}; ` +
            `wait for it to finish or choose another output (${lockFile} is removed when it ends)`
        : `${out} is locked by ${lockFile}, which does not name its holder${reason ? ` (${reason})` : ''}; ` +
            `remove it if no nodulab process writes there`,
    );
    this.name = 'OutputLockedError';
  }
}

/** A held lock; `release()` removes the lock file (also done when the process exits). */
export interface OutputLock {
  readonly file: string;
  release(): void;
}

/** Lock files this process holds now (a lock naming our pid but not listed here is stale: pid reuse). */
const held = new Set<string>();

/** The lock file of output `out` (a folder or a file): `<out>.lock` beside it. */
export function lockFileOf(out: string): string {
  return `${path.resolve(out)}.lock`;
}

const unique = (): string => `${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/**
 * Takes the exclusive lock of output `out` for `command` (default: this process's command line), or
 * throws OutputLockedError naming the holder's pid, command and host when a live process holds it. A lock
 * whose holder is provably gone is taken over: on this machine when its pid is not running or runs with
 * another start time; on another machine when its heartbeat is older than the lease; an empty or unreadable
 * lock once older than the grace (see {@link LockTiming}, `timing`). The lock file is complete when it
 * appears (written beside it, then hard-linked into place, which fails when it exists); while held, its
 * mtime is refreshed every quarter of the lease.
 *
 * @example
 * const lock = lockOutput('runs/a', 'nodulab train --out runs/a');
 * try { ... } finally { lock.release(); }
 */
export function lockOutput(out: string, command?: string, timing: Partial<LockTiming> = {}): OutputLock {
  const file = lockFileOf(out);
  const t = lockTiming(timing);
  const holder: LockHolder = {
    ...thisProcess(),
    command: command ?? [path.basename(process.argv[1] ?? 'node'), ...process.argv.slice(2)].join(' '),
    since: new Date().toISOString(),
    leaseMs: t.leaseMs,
  };
  const text = JSON.stringify(holder) + '\n';
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const tmp = `${file}.${unique()}.tmp`;
    let created = false;
    try {
      fs.writeFileSync(tmp, text, { flag: 'wx' });
      fs.linkSync(tmp, file);
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new Error(`cannot lock ${out} (${file}): ${(e as Error).message}`);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    if (created) break;
    const found = readLockFile(file);
    if (found === 'gone') continue;
    const verdict = judgeLock(found, t, () => held.has(file));
    if (attempt >= 5 || !verdict.stale) throw new OutputLockedError(out, file, found.holder, verdict.why);
    takeOverStale(file, found.text);
  }
  held.add(file);
  const heartbeat = setInterval(() => renew(file, text), Math.max(1, t.leaseMs / 4));
  heartbeat.unref();
  const onExit = (): void => release();
  process.once('exit', onExit);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    process.removeListener('exit', onExit);
    held.delete(file);
    const now = readLockFile(file);
    if (now !== 'gone' && now.text === text) fs.rmSync(file, { force: true });
  };
  return { file, release };
}

/** The heartbeat: sets the lock's mtime to now while it still holds `text` (ours). */
function renew(file: string, text: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') !== text) return;
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    /* gone or unreadable: the next acquirer judges it */
  }
}

/** Moves a stale lock aside (atomically) and removes it, unless it changed since it was judged stale. */
function takeOverStale(file: string, staleText: string): void {
  const aside = `${file}.stale.${unique()}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // another process moved it first
  }
  let text = '';
  try {
    text = fs.readFileSync(aside, 'utf8');
  } catch {
    /* treated as changed */
  }
  if (text !== staleText) {
    // A new holder replaced the stale lock meanwhile: put its lock back (unless yet another took the place).
    try {
      fs.linkSync(aside, file);
    } catch {
      /* the place is taken again; the next attempt reads it */
    }
  }
  fs.rmSync(aside, { force: true });
}
