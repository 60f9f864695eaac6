// Who a process is, beyond its pid: the machine (host name, boot id, pid namespace) and the process's start
// time, so a lock can tell its holder from a later process that reuses the pid, or from one on another machine.
// Linux gives all of it (/proc); elsewhere only the host name and pid are known.
import * as fs from 'fs';
import * as os from 'os';

/** A process as a lock records it. Fields other than pid and host are absent where the OS does not tell them. */
export interface ProcessIdentity {
  pid: number;
  /** `os.hostname()`. */
  host: string;
  /** /proc/sys/kernel/random/boot_id: differs after every reboot, so a pid of an earlier boot is gone. */
  boot?: string;
  /** /proc/self/ns/pid (e.g. "pid:[4026531836]"): containers on one kernel see each other's pids only when equal. */
  pidns?: string;
  /** /proc/<pid>/stat field 22 (starttime, clock ticks after boot): a reused pid has another. */
  start?: string;
}

function readTrimmed(file: string): string | undefined {
  try {
    const s = fs.readFileSync(file, 'utf8').trim();
    return s === '' ? undefined : s;
  } catch {
    return undefined;
  }
}

/**
 * The start time of process `pid` (field 22 of /proc/<pid>/stat, clock ticks after boot), or undefined
 * where /proc is missing or the process is gone. The command name (field 2) may hold spaces and parentheses,
 * so fields are counted after its last ')'.
 */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const stat = readTrimmed(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  const start = fields[22 - 3]; // fields[0] is field 3 (state)
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

let machine: Pick<ProcessIdentity, 'host' | 'boot' | 'pidns'> | null = null;

/** This machine: host name, boot id and pid namespace (read once; the latter two only on Linux). */
export function thisMachine(): Pick<ProcessIdentity, 'host' | 'boot' | 'pidns'> {
  if (machine === null) {
    let pidns: string | undefined;
    try {
      pidns = fs.readlinkSync('/proc/self/ns/pid');
    } catch {
      pidns = undefined;
    }
    machine = { host: os.hostname(), boot: readTrimmed('/proc/sys/kernel/random/boot_id'), pidns };
  }
  return machine;
}

/** This process's identity. */
export function thisProcess(): ProcessIdentity {
  const m = thisMachine();
  const id: ProcessIdentity = { pid: process.pid, host: m.host };
  if (m.boot !== undefined) id.boot = m.boot;
  if (m.pidns !== undefined) id.pidns = m.pidns;
  const start = processStartTime(process.pid);
  if (start !== undefined) id.start = start;
  return id;
}

/**
 * Whether `id` names a process of this machine and this pid namespace, whose pids this process can look
 * up: same host name, and the same boot id and pid namespace where both sides record them. False when `id`
 * names no host.
 */
export function sameMachine(id: Partial<Pick<ProcessIdentity, 'host' | 'boot' | 'pidns'>>): boolean {
  const m = thisMachine();
  if (id.host !== m.host) return false;
  if (id.boot !== undefined && m.boot !== undefined && id.boot !== m.boot) return false;
  return id.pidns === undefined || m.pidns === undefined || id.pidns === m.pidns;
}
