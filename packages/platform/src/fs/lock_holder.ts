// What a lock file records about its holder, how long a holder on another machine is trusted without a
// heartbeat (the lease) and an unreadable lock without a holder (the grace), and the one judgement of
// whether a lock's holder is provably gone, so that its lock may be taken over.
import * as fs from 'fs';
import { processAlive } from './process_alive';
import { ProcessIdentity, processStartTime, sameMachine } from './process_identity';

/** Who holds a lock: what `<out>.lock` records (a JSON object). */
export interface LockHolder extends Partial<Omit<ProcessIdentity, 'pid'>> {
  pid: number;
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  /** The lease the holder keeps: it refreshes the lock's mtime at least every quarter of it. */
  leaseMs?: number;
}

/** How stale locks are told apart; see {@link lockTiming}. */
export interface LockTiming {
  /**
   * A lock held on another machine (another host name, boot or pid namespace) is stale when its mtime, which
   * its holder refreshes every quarter of this, is older than this (or than the lease the lock records, if
   * longer). Default 300000 (5 min), or `NODULAB_LOCK_LEASE_MS`.
   */
  leaseMs: number;
  /** An empty or unreadable lock is stale when its mtime is older than this. Default 5000. */
  graceMs: number;
}

/** The defaults of {@link LockTiming}. */
export const DEFAULT_LOCK_LEASE_MS = 300_000;
export const DEFAULT_LOCK_GRACE_MS = 5_000;

/** `options` over `NODULAB_LOCK_LEASE_MS` over the defaults; a bad value throws naming where it came from. */
export function lockTiming(options: Partial<LockTiming> = {}): LockTiming {
  const positive = (v: number, what: string): number => {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${what} must be a positive number of ms, got ${v}`);
    return v;
  };
  const env = process.env.NODULAB_LOCK_LEASE_MS;
  const leaseMs =
    options.leaseMs !== undefined
      ? positive(options.leaseMs, 'lock leaseMs')
      : env !== undefined && env !== ''
        ? positive(Number(env), `NODULAB_LOCK_LEASE_MS (${JSON.stringify(env)})`)
        : DEFAULT_LOCK_LEASE_MS;
  const graceMs = options.graceMs !== undefined ? positive(options.graceMs, 'lock graceMs') : DEFAULT_LOCK_GRACE_MS;
  return { leaseMs, graceMs };
}

/** A lock file as read: its holder (null when empty or not a holder record), its text and its age. */
export interface LockFile {
  holder: LockHolder | null;
  text: string;
  /** ms since its mtime (the holder's last heartbeat); 0 when it cannot be stat'ed. */
  ageMs: number;
}

/** Reads lock `file`: 'gone' when it does not exist; an unreadable or malformed one has holder null. */
export function readLockFile(file: string): LockFile | 'gone' {
  let text = '';
  let ageMs = 0;
  try {
    ageMs = Math.max(0, Date.now() - fs.statSync(file).mtimeMs);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return { holder: null, text, ageMs };
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (h !== null && typeof h === 'object' && Number.isSafeInteger(h.pid) && typeof h.command === 'string')
      return { holder: h, text, ageMs };
  } catch {
    /* malformed: no holder */
  }
  return { holder: null, text, ageMs };
}

/** Whether a lock's holder is provably gone, and why (for messages). */
export interface LockVerdict {
  stale: boolean;
  why: string;
}

/**
 * Judges a lock: stale when its holder is provably gone. `heldHere` tells whether this process holds the
 * lock (a lock naming this very process that it does not hold is stale).
 * - no holder (empty, unreadable, not a record): stale once older than `graceMs`;
 * - a holder on this machine: stale when its pid is not running, or runs with another start time (reused);
 * - a holder without a host (an older nodulab): as on this machine, by pid only;
 * - a holder on another machine: stale when the lock's heartbeat (mtime) is older than the lease.
 */
export function judgeLock(lock: LockFile, timing: LockTiming, heldHere: (pid: number) => boolean): LockVerdict {
  const { holder, ageMs } = lock;
  const age = `${Math.round(ageMs / 1000)} s`;
  if (holder === null) {
    return ageMs > timing.graceMs
      ? { stale: true, why: `it names no holder and is ${age} old` }
      : { stale: false, why: `it names no holder (yet); it is taken over once older than ${timing.graceMs} ms` };
  }
  if (holder.host === undefined || sameMachine(holder)) {
    if (holder.pid === process.pid) {
      return heldHere(holder.pid)
        ? { stale: false, why: 'this process holds it' }
        : { stale: true, why: 'it names this process, which does not hold it' };
    }
    if (!processAlive(holder.pid)) return { stale: true, why: `pid ${holder.pid} is not running` };
    const start = holder.start === undefined ? undefined : processStartTime(holder.pid);
    if (start !== undefined && start !== holder.start)
      return {
        stale: true,
        why: `pid ${holder.pid} is another process now (start time ${start}, not ${holder.start})`,
      };
    return { stale: false, why: `pid ${holder.pid} is running` };
  }
  const lease = Math.max(timing.leaseMs, Number.isFinite(holder.leaseMs) ? (holder.leaseMs as number) : 0);
  return ageMs > lease
    ? { stale: true, why: `its holder on ${holder.host} has not renewed it for ${age} (lease ${lease} ms)` }
    : { stale: false, why: `its holder on ${holder.host} renewed it ${age} ago (lease ${lease} ms)` };
}
