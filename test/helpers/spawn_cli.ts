// Test helper: runs the built `nodulab` command (packages/cli/bin/nodulab.js) as a child process, as
// a user's shell would, and returns its exit code (or the signal that ended it) and output.
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';

/** The repository root and the command's entry point. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const NODULAB_BIN = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'nodulab.js');

/** How a child `nodulab` process ended. */
export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link spawnCli}. */
export interface SpawnOptions {
  /** Called with each chunk written to stderr, with the child (e.g. to kill it at a given point). */
  onStderr?: (text: string, child: ChildProcess) => void;
  /** Polled every 20 ms while the child runs; when it returns true the child is killed with SIGKILL. */
  killWhen?: () => boolean;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** Runs `node nodulab.js ...argv` and resolves when the process has exited. */
export function spawnCli(argv: string[], opts: SpawnOptions = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NODULAB_BIN, ...argv], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODULAB_NUM_THREADS: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      opts.onStderr?.(b.toString(), child);
    });
    const poll = opts.killWhen && setInterval(() => opts.killWhen!() && child.kill('SIGKILL'), 20);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (poll) clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
