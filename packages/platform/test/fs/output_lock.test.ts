// Exclusive output locks (a second writer fails at once naming the holder; a provably gone holder's lock is
// taken over: dead pid, reused pid, empty lock past the grace, another machine's lock past its lease; the
// holder's heartbeat) and the removal of temporary files left by interrupted atomic writes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  OutputLockedError,
  lockFileOf,
  lockOutput,
  processStartTime,
  removeStaleTempFiles,
  thisMachine,
  thisProcess,
} from '../../src';
import { deadPid, scratchPerTest, startSleeper } from './processes';

const scratch = scratchPerTest('nodulab-lock-');

/** A lock file as another process writes it (`extra`: identity fields, as nodulab records them). */
function writeLock(out: string, pid: number, command: string, extra: Record<string, unknown> = {}): void {
  const holder = { pid, command, since: '2025-01-01T00:00:00.000Z', ...extra };
  fs.writeFileSync(lockFileOf(out), JSON.stringify(holder) + '\n');
}

/** Sets a file's mtime `ms` into the past (an old heartbeat). */
function age(file: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  fs.utimesSync(file, t, t);
}

const linux = process.platform === 'linux';

describe('lockOutput', () => {
  it('lets one writer in at a time and names the holder to the second', () => {
    const out = path.join(scratch.dir, 'run');
    const lock = lockOutput(out, 'nodulab train --out run');
    expect(fs.existsSync(`${out}.lock`)).toBe(true);
    expect(JSON.parse(fs.readFileSync(`${out}.lock`, 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'nodulab train --out run',
    });
    let error: unknown = null;
    try {
      lockOutput(out, 'nodulab train --out run --seed 1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutputLockedError);
    expect((error as Error).message).toContain(`${out} is in use by another nodulab process: pid ${process.pid}`);
    expect((error as Error).message).toContain('(nodulab train --out run)');
    lock.release();
    expect(fs.existsSync(`${out}.lock`)).toBe(false);
    lockOutput(out, 'again').release();
    expect(fs.readdirSync(scratch.dir)).toEqual([]);
  });

  it('refuses a lock held by a running process, naming its pid and command', async () => {
    const pid = startSleeper(scratch);
    const out = path.join(scratch.dir, 'data');
    writeLock(out, pid, 'nodulab generate --out data');
    expect(() => lockOutput(out)).toThrow(
      new RegExp(`in use by another nodulab process: pid ${pid} \\(nodulab generate --out data\\)`),
    );
    // The holder's lock is left alone.
    expect(JSON.parse(fs.readFileSync(`${out}.lock`, 'utf8')).pid).toBe(pid);
  });

  it('takes over the lock of a process that is gone', () => {
    const out = path.join(scratch.dir, 'study');
    writeLock(out, deadPid(), 'nodulab study --out study');
    const lock = lockOutput(out, 'nodulab study --quick');
    expect(JSON.parse(fs.readFileSync(`${out}.lock`, 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'nodulab study --quick',
    });
    lock.release();
    expect(fs.readdirSync(scratch.dir)).toEqual([]);
  });

  it('takes over a lock naming this pid that this process does not hold (a reused pid)', () => {
    const out = path.join(scratch.dir, 'model.onnx');
    writeLock(out, process.pid, 'an earlier process');
    lockOutput(out).release();
    expect(fs.readdirSync(scratch.dir)).toEqual([]);
  });

  it('records pid, host, boot id, pid namespace, start time and lease', () => {
    const out = path.join(scratch.dir, 'run');
    const lock = lockOutput(out, 'nodulab train', { leaseMs: 60_000 });
    const rec = JSON.parse(fs.readFileSync(lockFileOf(out), 'utf8'));
    expect(rec).toMatchObject({ ...thisProcess(), command: 'nodulab train', leaseMs: 60_000 });
    expect(rec.host).toBe(os.hostname());
    if (linux) {
      expect(rec.boot).toBe(fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
      expect(rec.start).toMatch(/^\d+$/);
      expect(rec.pidns).toMatch(/^pid:\[\d+\]$/);
    }
    lock.release();
  });

  (linux ? it : it.skip)(
    'tells a reused pid by its start time: another start is taken over, the same refused',
    async () => {
      const pid = startSleeper(scratch);
      const start = processStartTime(pid);
      expect(start).toMatch(/^\d+$/);
      const out = path.join(scratch.dir, 'run');
      const here = { ...thisMachine() };
      writeLock(out, pid, 'nodulab train (the pid before)', { ...here, start: String(Number(start) - 1) });
      const lock = lockOutput(out, 'nodulab train --resume');
      expect(JSON.parse(fs.readFileSync(lockFileOf(out), 'utf8')).pid).toBe(process.pid);
      lock.release();
      writeLock(out, pid, 'nodulab train (the live holder)', { ...here, start });
      expect(() => lockOutput(out)).toThrow(
        new RegExp(
          `pid ${pid} \\(nodulab train \\(the live holder\\)\\) on ${os.hostname()}, since .*pid ${pid} is running`,
        ),
      );
      expect(JSON.parse(fs.readFileSync(lockFileOf(out), 'utf8')).start).toBe(start);
      // Killed (kill -9): its lock is taken over.
      const exited = new Promise((r) => scratch.sleeper!.once('exit', r));
      scratch.sleeper!.kill('SIGKILL');
      await exited;
      lockOutput(out, 'after the kill').release();
      expect(fs.readdirSync(scratch.dir)).toEqual([]);
    },
  );

  it('takes over a dead pid recorded with this machine identity', () => {
    const out = path.join(scratch.dir, 'run');
    writeLock(out, deadPid(), 'killed', { ...thisMachine(), start: '12345' });
    lockOutput(out).release();
    expect(fs.readdirSync(scratch.dir)).toEqual([]);
  });

  it('refuses an empty or unreadable lock younger than the grace, takes it over once older', () => {
    for (const content of ['', 'garbage', '{"pid": "x"}']) {
      const out = path.join(scratch.dir, 'x');
      fs.writeFileSync(lockFileOf(out), content);
      expect(() => lockOutput(out)).toThrow(
        /does not name its holder \(it names no holder \(yet\); it is taken over once older than 5000 ms\); remove it/,
      );
      age(lockFileOf(out), 6_000);
      const lock = lockOutput(out, 'after the grace');
      expect(JSON.parse(fs.readFileSync(lockFileOf(out), 'utf8')).command).toBe('after the grace');
      lock.release();
      expect(fs.readdirSync(scratch.dir)).toEqual([]);
    }
    // The grace is an option.
    const out = path.join(scratch.dir, 'y');
    fs.writeFileSync(lockFileOf(out), '');
    age(lockFileOf(out), 1_000);
    expect(() => lockOutput(out)).toThrow(OutputLockedError);
    lockOutput(out, 'short grace', { graceMs: 500 }).release();
  });

  it("judges another machine's lock by its heartbeat: refused within the lease, taken over after it", () => {
    const out = path.join(scratch.dir, 'shared');
    const other = { host: 'another-machine', boot: 'x', pidns: 'pid:[1]', start: '1', leaseMs: 60_000 };
    // Its pid (ours) is running here, and a pid of another machine says nothing about this one anyway.
    writeLock(out, process.pid, 'nodulab worker', other);
    expect(() => lockOutput(out, undefined, { leaseMs: 60_000 })).toThrow(
      /pid \d+ \(nodulab worker\) on another-machine, since .* \(its holder on another-machine renewed it 0 s ago \(lease 60000 ms\)\)/,
    );
    age(lockFileOf(out), 59_000);
    expect(() => lockOutput(out, undefined, { leaseMs: 60_000 })).toThrow(OutputLockedError);
    // The lease the holder recorded wins over a shorter one of the reader.
    age(lockFileOf(out), 30_000);
    expect(() => lockOutput(out, undefined, { leaseMs: 1_000 })).toThrow(/lease 60000 ms/);
    age(lockFileOf(out), 61_000);
    const lock = lockOutput(out, 'taken over', { leaseMs: 60_000 });
    expect(JSON.parse(fs.readFileSync(lockFileOf(out), 'utf8'))).toMatchObject({ host: os.hostname() });
    lock.release();
    // The same host name on another boot (or pid namespace) is another machine too: not judged by pid.
    writeLock(out, deadPid(), 'same name, other boot', { ...thisMachine(), boot: 'another-boot', leaseMs: 60_000 });
    if (linux)
      expect(() => lockOutput(out, undefined, { leaseMs: 60_000 })).toThrow(
        `on ${os.hostname()}, since 2025-01-01T00:00:00.000Z (its holder on ${os.hostname()} renewed it 0 s ago`,
      );
  });

  it('renews its heartbeat while held, and stops when released', async () => {
    const out = path.join(scratch.dir, 'beat');
    const lock = lockOutput(out, 'beating', { leaseMs: 200 });
    age(lock.file, 10_000);
    await new Promise((r) => setTimeout(r, 150));
    expect(Date.now() - fs.statSync(lock.file).mtimeMs).toBeLessThan(1_000);
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });

  it('reads the lease from NODULAB_LOCK_LEASE_MS and names a bad one', () => {
    const out = path.join(scratch.dir, 'env');
    process.env.NODULAB_LOCK_LEASE_MS = '1234';
    try {
      const lock = lockOutput(out);
      expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).leaseMs).toBe(1234);
      lock.release();
      process.env.NODULAB_LOCK_LEASE_MS = 'soon';
      expect(() => lockOutput(out)).toThrow('NODULAB_LOCK_LEASE_MS ("soon") must be a positive number of ms, got NaN');
    } finally {
      delete process.env.NODULAB_LOCK_LEASE_MS;
    }
  });
});

describe('removeStaleTempFiles', () => {
  it('removes the temporary files of dead writers only', () => {
    const dead = deadPid();
    const names = {
      dead: `.last.safetensors.${dead}.m0abc12xyz.tmp`,
      deadJson: `.summary.json.${dead}.m0abc1.tmp`,
      live: `.best.safetensors.${process.pid}.m0abc12xyz.tmp`,
      other: 'notes.tmp',
      file: 'last.safetensors',
    };
    for (const n of Object.values(names)) fs.writeFileSync(path.join(scratch.dir, n), 'x');
    expect(removeStaleTempFiles(scratch.dir).sort()).toEqual(
      [path.join(scratch.dir, names.dead), path.join(scratch.dir, names.deadJson)].sort(),
    );
    expect(fs.readdirSync(scratch.dir).sort()).toEqual([names.live, names.other, names.file].sort());
    expect(removeStaleTempFiles(path.join(scratch.dir, 'missing'))).toEqual([]);
  });
});
