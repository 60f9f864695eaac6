// `nodulab study --queue` with `nodulab worker`s on a real Redis: the --quick grid over two worker
// processes, one killed with SIGKILL in the middle of a job, gives the same metrics.json, checkpoints
// and predictions, byte for byte, as the in-process run; a re-run attaches without training again;
// unreachable Redis and bad URLs give clear errors. Skipped without redis-server or NODULAB_TEST_REDIS.
import { type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../helpers/run_cli';
import { type ChildRun, spawnCli } from '../helpers/spawn_cli';
import { REDIS_AVAILABLE, type TestRedis, startTestRedis } from '../helpers/redis';

jest.setTimeout(1_200_000);

/** Every file under `dir`, relative, sorted. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

(REDIS_AVAILABLE ? describe : describe.skip)('nodulab study --quick --queue with two workers', () => {
  let dir: string;
  let redis: TestRedis;
  let local: string;
  let queued: string;
  let coordinator: { code: number; stdout: string; stderr: string };
  const workers: Promise<ChildRun>[] = [];
  const logs: string[] = ['', ''];
  const children: ChildProcess[] = [];
  let killedRun = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-queue-'));
    redis = await startTestRedis();
    local = path.join(dir, 'local');
    queued = path.join(dir, 'queued');
    const r = await runCli(['study', '--quick', '--threads', '1', '--out', local]);
    expect(r.code).toBe(0);

    // Worker 0 is killed with SIGKILL a few seconds into its first job; worker 1 must take that job again.
    // The stalled interval is short for the test but long enough for a busy, shared CPU.
    let startedAt = 0;
    for (const k of [0, 1])
      workers.push(
        spawnCli(['worker', '--queue', redis.url, '--stalled-ms', '8000'], {
          onStderr: (text, child) => {
            logs[k] += text;
            if (!children[k]) children[k] = child;
            const m = k === 0 && !killedRun && /\] (\S+) \(loss-generalization, .*training with/.exec(logs[0]);
            if (m) {
              killedRun = m[1];
              startedAt = Date.now();
            }
          },
          killWhen: k === 0 ? () => startedAt > 0 && Date.now() - startedAt > 4000 : undefined,
        }),
      );
    const t0 = Date.now();
    const c = await runCli([
      'study',
      '--quick',
      '--threads',
      '1',
      '--queue',
      redis.url,
      '--results',
      path.join(dir, 'results'),
      '--out',
      queued,
    ]);
    coordinator = c;
    console.log(`quick grid on the queue, two workers (one killed): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  afterAll(async () => {
    for (const c of children) if (c && c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(workers);
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('completes after a worker is killed mid-job, the job taken again by the other worker', async () => {
    expect(coordinator.stderr).not.toMatch(/FAILED/);
    expect(coordinator.code).toBe(0);
    expect(coordinator.stderr).toMatch(/6 units: 6 queued/);
    expect(coordinator.stderr).toMatch(/grid: 0 waiting, 0 active, 6 done, 0 failed of 6/);
    expect(coordinator.stdout).toMatch(/study loss-generalization: 3 losses \(ce, supcon, simclr\) x 1 seeds/);
    const w0 = await workers[0];
    expect(w0.signal).toBe('SIGKILL');
    expect(killedRun).not.toBe('');
    expect(logs[0]).not.toContain(`${killedRun}: done`);
    expect(logs[1]).toContain(`] ${killedRun} (loss-generalization`);
    expect(logs[1]).toContain(`${killedRun}: done`);
  });

  it('writes metrics.json, checkpoints and predictions byte-identical to the in-process run', () => {
    expect(files(queued)).toEqual(files(local));
    const compared = files(local).filter((f) => f === 'metrics.json' || /\.(safetensors|csv)$/.test(f));
    expect(compared.filter((f) => f.endsWith('.safetensors')).length).toBeGreaterThanOrEqual(6);
    const differing = compared.filter(
      (f) => !fs.readFileSync(path.join(queued, f)).equals(fs.readFileSync(path.join(local, f))),
    );
    expect(differing).toEqual([]);
    // each run's summary names its folder in the study folder, not the results folder it was trained in
    const s = JSON.parse(fs.readFileSync(path.join(queued, 'runs', 'ce-s0', 'summary.json'), 'utf8'));
    expect(path.resolve(s.outDir)).toBe(path.resolve(queued, 'runs', 'ce-s0'));
  });

  it('a second study of the same grid attaches to the finished jobs and trains nothing again', async () => {
    const again = path.join(dir, 'again');
    const before = logs[1].split('training with').length;
    const r = await runCli(['study', '--quick', '--threads', '1', '--queue', redis.url, '--out', again]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /6 units: 0 queued, 0 already queued \(attached\), 0 failed before and retried, 6 already complete/,
    );
    expect(logs[1].split('training with').length).toBe(before);
    expect(fs.readFileSync(path.join(again, 'metrics.json'))).toEqual(
      fs.readFileSync(path.join(local, 'metrics.json')),
    );
  });

  it('names an unreachable Redis and a malformed queue URL', async () => {
    const r = await runCli(['study', '--quick', '--queue', 'redis://127.0.0.1:1', '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
    const w = await runCli(['worker', '--queue', 'http://nowhere']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--queue http:\/\/nowhere: expected a redis:\/\/ URL/);
  });
});
