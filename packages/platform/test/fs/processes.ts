// Test fixtures of the lock and staging tests: a fresh folder per test, a pid that has exited, and a running process
// (a sleeper) killed after the test.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processAlive } from '../../src';

/** The current test's folder and its sleeper, if it started one. */
export interface Scratch {
  dir: string;
  sleeper: ChildProcess | null;
}

/** Registers the hooks that give each test a fresh folder under `prefix`, removed after it with its sleeper killed. */
export function scratchPerTest(prefix: string): Scratch {
  const s: Scratch = { dir: '', sleeper: null };
  beforeEach(() => {
    s.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    s.sleeper?.kill();
    s.sleeper = null;
    fs.rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}

/** Starts the test's sleeper (a process that waits a minute) and returns its pid. */
export function startSleeper(s: Scratch): number {
  s.sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return s.sleeper.pid as number;
}

/** The pid of a process that has exited. */
export function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  expect(processAlive(pid)).toBe(false);
  return pid;
}
