// Exclusive output folders: `<out>.lock`, created exclusively and holding the writer's pid and command,
// keeps a second nodulab process (or a second run in this one) from writing into the same output. A
// lock whose process is gone (killed) is taken over.
import * as fs from 'fs';
import * as path from 'path';
import { processAlive } from './process_alive';

/** Who holds a lock: what `<out>.lock` records. */
export interface LockHolder {
  pid: number;
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** Thrown by {@link lockOutput} when another live process (or another run here) holds the output. */
export class OutputLockedError extends Error {
  constructor(
    readonly out: string,
    readonly lockFile: string,
    readonly holder: LockHolder | null,
  ) {
    super(
      holder
        ? `${out} is in use by another nodulab process: pid ${holder.pid} (${holder.command}), since ${holder.since}; ` +
            `wait for it to finish or choose another output (${lockFile} is removed when it ends)`
        : `${out} is locked by ${lockFile}, which does not name its holder; remove it if no nodulab process writes there`,
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

/** The holder recorded in `file`: null when unreadable or incomplete, 'gone' when the file is absent. */
function readHolder(file: string): { holder: LockHolder | null; text: string } | 'gone' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return { holder: null, text: '' };
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (Number.isSafeInteger(h.pid) && typeof h.command === 'string') return { holder: h, text };
  } catch {
    /* incomplete: treated below */
  }
  return { holder: null, text };
}

/** Whether the recorded holder is running (and, when it is this process, actually holds `file`). */
function holderAlive(file: string, holder: LockHolder): boolean {
  if (holder.pid === process.pid) return held.has(file);
  return processAlive(holder.pid);
}

const unique = (): string => `${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/**
 * Takes the exclusive lock of output `out` for `command` (default: this process's command line), or
 * throws OutputLockedError naming the holder's pid and command when a running process holds it. A lock
 * left by a process that is no longer running is taken over. The lock file is complete when it appears
 * (written beside it, then hard-linked into place, which fails when it exists).
 *
 * @example
 * const lock = lockOutput('runs/a', 'nodulab train --out runs/a');
 * try { ... } finally { lock.release(); }
 */
export function lockOutput(out: string, command?: string): OutputLock {
  const file = lockFileOf(out);
  const holder: LockHolder = {
    pid: process.pid,
    command: command ?? [path.basename(process.argv[1] ?? 'node'), ...process.argv.slice(2)].join(' '),
    since: new Date().toISOString(),
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
    const found = readHolder(file);
    if (found === 'gone') continue;
    if (attempt >= 5 || !found.holder || holderAlive(file, found.holder))
      throw new OutputLockedError(out, file, found.holder);
    takeOverStale(file, found.text);
  }
  held.add(file);
  const onExit = (): void => release();
  process.once('exit', onExit);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', onExit);
    held.delete(file);
    const now = readHolder(file);
    if (now !== 'gone' && now.text === text) fs.rmSync(file, { force: true });
  };
  return { file, release };
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
