// Test helper: a Redis for the study-queue tests. Uses the server NODULAB_TEST_REDIS names
// (redis://host:port, as .ci/run sets; a database of the test file's own, 15 unless given, emptied
// first); otherwise starts Debian's redis-server on a free loopback port (no persistence, in a temp
// folder) when it is installed. Also finds binaries (which) for tests that start their own server.
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** A Redis to test against. */
export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

/** The path of `bin` on PATH, or null. */
export function which(bin: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:`port` accepts connections; rejects after `ms`. */
export async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end();
        r(true);
      });
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether a Redis can be had: the redis-server binary or NODULAB_TEST_REDIS. */
export const REDIS_AVAILABLE = Boolean(which('redis-server') || process.env.NODULAB_TEST_REDIS);

/**
 * Starts (or connects to) a Redis for one test file; `db` is the database used on NODULAB_TEST_REDIS's
 * server, one per test file so that files running at once do not empty each other's queue.
 */
export async function startTestRedis(db = 15): Promise<TestRedis> {
  const bin = which('redis-server');
  if (process.env.NODULAB_TEST_REDIS || !bin) {
    const url = `${process.env.NODULAB_TEST_REDIS!.replace(/\/+$/, '')}/${db}`;
    const { default: IORedis } = await import('ioredis');
    const c = new IORedis(url, { maxRetriesPerRequest: 1 });
    await c.flushdb();
    c.disconnect();
    return { url, stop: async () => undefined };
  }
  if (!bin) throw new Error('no redis-server binary and no NODULAB_TEST_REDIS');
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-redis-'));
  const child: ChildProcess = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  await waitForPort(port, 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopServer(child, dir),
  };
}

/** Stops a redis-server this helper spawned (waiting for it to exit) and removes its folder. */
export async function stopServer(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
