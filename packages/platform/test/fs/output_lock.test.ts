// Exclusive output locks (a second writer fails at once naming the holder; a dead holder's lock is taken
// over) and the removal of temporary files left by interrupted atomic writes.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OutputLockedError, lockFileOf, lockOutput, processAlive, removeStaleTempFiles } from '../../src';

let dir: string;
let sleeper: ChildProcess | null = null;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-lock-'));
});
afterEach(() => {
  sleeper?.kill();
  sleeper = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  expect(processAlive(pid)).toBe(false);
  return pid;
}

/** A lock file as another process writes it. */
function writeLock(out: string, pid: number, command: string): void {
  fs.writeFileSync(lockFileOf(out), JSON.stringify({ pid, command, since: '2025-01-01T00:00:00.000Z' }) + '\n');
}

describe('lockOutput', () => {
  it('lets one writer in at a time and names the holder to the second', () => {
    const out = path.join(dir, 'run');
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
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses a lock held by a running process, naming its pid and command', async () => {
    sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const pid = sleeper.pid as number;
    const out = path.join(dir, 'data');
    writeLock(out, pid, 'nodulab generate --out data');
    expect(() => lockOutput(out)).toThrow(
      new RegExp(`in use by another nodulab process: pid ${pid} \\(nodulab generate --out data\\)`),
    );
    // The holder's lock is left alone.
    expect(JSON.parse(fs.readFileSync(`${out}.lock`, 'utf8')).pid).toBe(pid);
  });

  it('takes over the lock of a process that is gone', () => {
    const out = path.join(dir, 'study');
    writeLock(out, deadPid(), 'nodulab study --out study');
    const lock = lockOutput(out, 'nodulab study --quick');
    expect(JSON.parse(fs.readFileSync(`${out}.lock`, 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'nodulab study --quick',
    });
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('takes over a lock naming this pid that this process does not hold (a reused pid)', () => {
    const out = path.join(dir, 'model.onnx');
    writeLock(out, process.pid, 'an earlier process');
    lockOutput(out).release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses an unreadable lock file, saying how to clear it', () => {
    const out = path.join(dir, 'x');
    fs.writeFileSync(lockFileOf(out), 'garbage');
    expect(() => lockOutput(out)).toThrow(/does not name its holder; remove it if no nodulab process writes there/);
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
    for (const n of Object.values(names)) fs.writeFileSync(path.join(dir, n), 'x');
    expect(removeStaleTempFiles(dir).sort()).toEqual(
      [path.join(dir, names.dead), path.join(dir, names.deadJson)].sort(),
    );
    expect(fs.readdirSync(dir).sort()).toEqual([names.live, names.other, names.file].sort());
    expect(removeStaleTempFiles(path.join(dir, 'missing'))).toEqual([]);
  });
});
