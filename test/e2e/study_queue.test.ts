// `nodulab study --queue` with `nodulab worker`s on a real Redis: a study's --quick grid (one seed) over two worker
// processes, one killed with SIGKILL in the middle of a unit, gives the same metrics.json, checkpoints and
// per-sample files, byte for byte, as the in-process run — for pretraining-robustness (units that need other
// units: encoders before the models built on them) and learnability (units that share nothing). The queue runs
// every study's units through the same code, so loss-generalization's --quick is not run again here (its CLI run
// is study.test.ts). Also: a re-run attaches without training again; unreachable Redis and bad URLs give clear
// errors. Skipped without redis-server or NODULAB_TEST_REDIS.
import { type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { studyNamed } from '@nodulab/study';
import { type CliRun, runCli } from '../helpers/run_cli';
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

/** The grid every scenario runs: the study's --quick input with one seed, one thread per process. */
const QUICK = ['--quick', '--seeds', '1', '--threads', '1'];

/** What one scenario leaves for its tests. */
interface Scenario {
  dir: string;
  redis: TestRedis;
  local: string;
  queued: string;
  /** The results folder the coordinator and both workers are given. */
  results: string;
  coordinator: CliRun;
  workers: Promise<ChildRun>[];
  logs: string[];
  killedUnit: string;
}

/**
 * `study --quick --seeds 1` in-process, then on the queue with two workers, the first killed with SIGKILL
 * `killAfterMs` after it starts its first unit; `more` adds tests that read the scenario.
 */
function queueMatchesInProcess(study: string, killAfterMs: number, more?: (s: () => Scenario) => void): void {
  (REDIS_AVAILABLE ? describe : describe.skip)(`nodulab study ${study} --quick --queue with two workers`, () => {
    const s = { workers: [] as Promise<ChildRun>[], logs: ['', ''], killedUnit: '' } as Scenario;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      s.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-queue-'));
      s.redis = await startTestRedis();
      s.local = path.join(s.dir, 'local');
      s.queued = path.join(s.dir, 'queued');
      s.results = path.join(s.dir, 'results');
      const r = await runCli(['study', study, ...QUICK, '--out', s.local]);
      expect(r.code).toBe(0);
      // The stalled interval is short for the test but long enough for a busy, shared CPU.
      let startedAt = 0;
      const started = new RegExp(`\\] (\\S+) \\(${study}, .*training with`);
      for (const k of [0, 1])
        s.workers.push(
          spawnCli(['worker', '--queue', s.redis.url, '--results', s.results, '--stalled-ms', '8000'], {
            onStderr: (text, child) => {
              s.logs[k] += text;
              if (!children[k]) children[k] = child;
              const m = k === 0 && !s.killedUnit && started.exec(s.logs[0]);
              if (m) {
                s.killedUnit = m[1];
                startedAt = Date.now();
              }
            },
            killWhen: k === 0 ? () => startedAt > 0 && Date.now() - startedAt > killAfterMs : undefined,
          }),
        );
      const t0 = Date.now();
      s.coordinator = await runCli([
        ...['study', study, ...QUICK, '--queue', s.redis.url],
        ...['--results', s.results, '--out', s.queued],
      ]);
      console.log(
        `${study} --quick on the queue, two workers (one killed): ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    });

    afterAll(async () => {
      for (const c of children) if (c && c.exitCode === null) c.kill('SIGTERM');
      await Promise.all(s.workers);
      await s.redis?.stop();
      fs.rmSync(s.dir, { recursive: true, force: true });
    });

    it('completes after a worker is killed mid-unit, the unit taken again by the other worker', async () => {
      expect(s.coordinator.stderr).not.toMatch(/FAILED/);
      expect(s.coordinator.code).toBe(0);
      expect(s.coordinator.stderr).toMatch(/grid: 0 waiting, 0 active, (\d+) done, 0 failed of \1/);
      const w0 = await s.workers[0];
      expect(w0.signal).toBe('SIGKILL');
      expect(s.killedUnit).not.toBe('');
      expect(s.logs[0]).not.toContain(`${s.killedUnit}: done`);
      expect(s.logs[1]).toContain(`] ${s.killedUnit} (${study}`);
      expect(s.logs[1]).toContain(`${s.killedUnit}: done`);
      // The killed worker's staging folder (and any lock beside it) was cleaned up when the unit ran again.
      expect(fs.readdirSync(s.results).filter((f) => f.includes('.partial-'))).toEqual([]);
    });

    it('writes metrics.json, checkpoints and per-sample files byte-identical to the in-process run', () => {
      expect(files(s.queued)).toEqual(files(s.local));
      const compared = files(s.local).filter((f) => f === 'metrics.json' || /\.(safetensors|csv|npy)$/.test(f));
      expect(compared.filter((f) => f.endsWith('.safetensors')).length).toBeGreaterThanOrEqual(4);
      const differing = compared.filter(
        (f) => !fs.readFileSync(path.join(s.queued, f)).equals(fs.readFileSync(path.join(s.local, f))),
      );
      expect(differing).toEqual([]);
    });

    more?.(() => s);
  });
}

queueMatchesInProcess('pretraining-robustness', 300, (scenario) => {
  it('names each unit folder inside the study folder, not the results folder it was run in', () => {
    const s = scenario();
    // Only the units that need nothing are queued at first; the rest follow as their needs finish.
    const study = studyNamed('pretraining-robustness');
    const plan = study.plan(study.resolve(study.withSeeds(study.withThreads(study.quick(study.defaultInput()), 1), 1)));
    const free = plan.filter((u) => (u.needs ?? []).length === 0).length;
    expect(free).toBeLessThan(plan.length);
    expect(s.coordinator.stderr).toContain(`${plan.length} units: ${free} queued, 0 already queued`);
    const runs = path.join(s.queued, 'runs');
    const target = fs.readdirSync(runs).find((d) => d.startsWith('target-scratch-'))!;
    const summary = JSON.parse(fs.readFileSync(path.join(runs, target, 'run', 'summary.json'), 'utf8'));
    expect(path.resolve(summary.outDir)).toBe(path.resolve(runs, target, 'run'));
  });
});
queueMatchesInProcess('learnability', 300, (scenario) => {
  it('a second study of the same grid attaches to the finished jobs and trains nothing again', async () => {
    const s = scenario();
    const again = path.join(s.dir, 'again');
    const before = s.logs[1].split('training with').length;
    const r = await runCli([
      ...['study', 'learnability', ...QUICK, '--queue', s.redis.url],
      ...['--results', s.results, '--out', again],
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /(\d+) units: 0 queued, 0 already queued \(attached\), 0 failed before and retried, \1 already complete/,
    );
    expect(s.logs[1].split('training with').length).toBe(before);
    expect(fs.readFileSync(path.join(again, 'metrics.json'))).toEqual(
      fs.readFileSync(path.join(s.local, 'metrics.json')),
    );
  });

  it('names an unreachable Redis and a malformed queue URL', async () => {
    const s = scenario();
    const r = await runCli(['study', '--quick', '--queue', 'redis://127.0.0.1:1', '--out', path.join(s.dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(fs.existsSync(path.join(s.dir, 'x'))).toBe(false);
    const w = await runCli(['worker', '--queue', 'http://nowhere']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--queue http:\/\/nowhere: expected a redis:\/\/ or rediss:\/\/ \(TLS\) URL/);
  });
});
