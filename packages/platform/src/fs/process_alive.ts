// Whether a process id belongs to a running process: how a lock or a temporary file left by a killed
// nodulab process is told apart from one still in use.

/** True when `pid` is a running process (one this user may not signal counts as running). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
