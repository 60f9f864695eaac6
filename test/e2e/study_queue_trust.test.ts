// The queue's trust boundary on a real Redis: whatever arrives over Redis is data a `nodulab worker` checks,
// and a unit folder is what the coordinator checks against its manifest. Jobs planted beside a worker — a
// results path outside its root, job ids with '/' or '..', a payload that is not JSON, an init checkpoint
// outside its folders, a payload under another unit's id — each fail at once with the reason; forged unit
// folders (unsigned, signed with another key, with a link, for another unit, changed after hashing) and a
// poison job under a planned id fail their units, named, and the study exits 1 without waiting forever; a
// worker given a forged unit's job neither uses nor replaces its folder.
// Nothing outside the worker's results root changes, and nothing is trained. Skipped without Redis.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Queue } from 'bullmq';
import { QUEUE_NAME, redisOptions, resultDocument, studyJobId, studyNamed } from '@nodulab/study';
import { runCli } from '../helpers/run_cli';
import { type ChildRun, spawnCli } from '../helpers/spawn_cli';
import { REDIS_AVAILABLE, type TestRedis, startTestRedis } from '../helpers/redis';

jest.setTimeout(300_000);

/** Every file and link under `dir` with its content (or target) and mtime: what "unchanged" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      const rel = path.relative(dir, p);
      if (e.isDirectory()) {
        out[`${rel}/`] = String(st.mtimeMs);
        walk(p);
      } else out[rel] = `${e.isSymbolicLink() ? fs.readlinkSync(p) : fs.readFileSync(p, 'hex')} ${st.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const QUICK = ['--quick', '--seeds', '1', '--threads', '1'];
const KEY = 'a shared queue key of more than sixteen bytes';

(REDIS_AVAILABLE ? describe : describe.skip)('the study queue refuses what it cannot trust', () => {
  const study = studyNamed('learnability');
  const spec = study.resolve(study.withSeeds(study.withThreads(study.quick(study.defaultInput()), 1), 1));
  const plan = study.plan(spec);
  const ids = plan.map((u) => studyJobId(study, spec, u));
  const payload = (i: number) => ({ study: study.name, spec, unit: plan[i].id });
  let dir: string;
  let root: string;
  let outside: string;
  let redis: TestRedis;
  let queue: Queue;
  let before: Record<string, string>;
  let log = '';
  let worker: Promise<ChildRun>;
  let stopWorker: () => void = () => undefined;

  /** The job's state once it has left waiting and active (or after 60 s), and its failure reason read raw. */
  async function settled(id: string): Promise<{ state: string; reason: string; attempts: number }> {
    const until = Date.now() + 60_000;
    let state = await queue.getJobState(id);
    while (state !== 'failed' && state !== 'completed' && Date.now() < until) {
      await sleep(200);
      state = await queue.getJobState(id);
    }
    const client = await queue.client;
    const [reason, attempts] = await client.hmget(queue.toKey(id), 'failedReason', 'atm');
    return { state, reason: reason ?? '', attempts: Number(attempts ?? 0) };
  }

  beforeAll(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-trust-')));
    root = path.join(dir, 'results');
    outside = path.join(dir, 'outside');
    // What the attacks aim at: a folder named like a job beside the root, with files in it.
    for (const d of ['important', ids[0], ids[1]]) {
      fs.mkdirSync(path.join(outside, d), { recursive: true });
      fs.writeFileSync(path.join(outside, d, 'notes.txt'), `notes of ${d}\n`);
    }
    fs.writeFileSync(path.join(outside, `${ids[0]}.json`), '{"secret": true}\n');
    fs.writeFileSync(path.join(outside, 'pretrained.safetensors'), 'not a checkpoint');
    before = snapshot(outside);
    redis = await startTestRedis(14);
    queue = new Queue(QUEUE_NAME, { connection: redisOptions({ url: redis.url }) });
    process.env.NODULAB_QUEUE_KEY = KEY;
    worker = spawnCli(['worker', '--queue', redis.url, '--results', root, '--stalled-ms', '3000'], {
      env: { NODULAB_QUEUE_KEY: KEY },
      onStderr: (text, child) => {
        log += text;
        stopWorker = () => child.kill('SIGTERM');
      },
    });
    let exited = false;
    void worker.then(() => (exited = true));
    const until = Date.now() + 60_000;
    while (!log.includes('taking jobs from')) {
      if (exited || Date.now() > until) throw new Error(`the worker did not start:\n${log}`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    delete process.env.NODULAB_QUEUE_KEY;
    stopWorker();
    await worker;
    await queue?.close();
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails planted jobs at once, naming why, and changes nothing outside the results root', async () => {
    const withInit = {
      ...spec,
      config: { ...spec.config, init: { checkpoint: path.join(outside, 'pretrained.safetensors') } },
    };
    const attacks: { what: string; id: string; data: unknown; raw?: string; reason: RegExp }[] = [
      {
        what: 'a results path outside the root',
        id: ids[0],
        data: { ...payload(0), results: outside },
        reason: /payload refused:\n {2}- results: unknown key \(a payload holds study, spec and unit only/,
      },
      {
        what: "a job id with '..'",
        id: '../../important',
        data: { ...payload(0), results: outside },
        reason: /job id "\.\.\/\.\.\/important" refused: a study job id is unit-<64 hex digits>/,
      },
      {
        what: "a job id with '/'",
        id: `${ids[1]}/../important`,
        data: payload(1),
        reason: /job id ".*\/\.\.\/important" refused/,
      },
      {
        what: 'a payload that is not JSON',
        id: ids[1],
        data: payload(1),
        raw: `{"study": "learnability", "results": "${outside}`,
        reason: /payload refused: not JSON/,
      },
      {
        what: 'an init checkpoint outside its folders',
        id: `unit-${'0'.repeat(64)}`,
        data: { ...payload(0), spec: withInit },
        reason: /spec\.config\.init\.checkpoint .*pretrained\.safetensors lies outside this worker's folders/,
      },
      {
        what: "another unit's payload under a job id",
        id: ids[2],
        data: payload(3),
        reason: new RegExp(`job id '${ids[2]}' is not the id of learnability unit ${plan[3].id}`),
      },
    ];
    // Planted delayed, the non-JSON payload written over its data, then released together.
    const jobs = [];
    for (const a of attacks) {
      const job = await queue.add('unit', a.data, { jobId: a.id, delay: 3_600_000, attempts: 3 });
      if (a.raw !== undefined) await (await queue.client).hset(queue.toKey(a.id), 'data', a.raw);
      jobs.push(job);
    }
    for (const job of jobs) await job.promote();
    for (const a of attacks) {
      const s = await settled(a.id);
      expect({ what: a.what, state: s.state }).toEqual({ what: a.what, state: 'failed' });
      expect(s.reason).toMatch(a.reason);
      expect(s.attempts).toBeLessThanOrEqual(1);
    }
    expect(log).toMatch(/job refused, failed without retry: job .* payload refused: not JSON/);
    expect(log).not.toContain('training with');
    expect(snapshot(outside)).toEqual(before);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('fails forged unit folders and a poison job under a planned id, naming each, and exits 1', async () => {
    const planned = (i: number) => ({ study: study.name, unit: plan[i].id, job: ids[i] });
    const unitDir = (i: number) => path.join(root, ids[i]);
    const resultFile = (i: number) => path.join(root, `${ids[i]}.json`);
    /** A unit folder with a forged metrics file and its result file, signed with `key` (or not). */
    const forge = (i: number, key: string | null, forUnit = i): void => {
      fs.mkdirSync(path.join(unitDir(i), 'run'), { recursive: true });
      fs.writeFileSync(path.join(unitDir(i), 'run', 'metrics.json'), '{"balancedAccuracy": 0.99}\n');
      const run = { result: { balancedAccuracy: 0.99 }, threads: 1, worker: 'forger:1', seconds: 1 };
      const doc = resultDocument(run, planned(forUnit), unitDir(i), unitDir(i), key ? Buffer.from(key) : null);
      fs.writeFileSync(resultFile(i), JSON.stringify(doc));
    };
    const expected: [number, RegExp][] = [];
    forge(0, null);
    expected.push([0, /result .* not signed with the queue key; refused/]);
    forge(1, 'another key of more than sixteen bytes');
    expected.push([1, /its signature does not verify with the queue key; refused/]);
    forge(2, KEY);
    fs.symlinkSync(path.join(outside, 'important', 'notes.txt'), path.join(unitDir(2), 'run', 'notes.txt'));
    expected.push([2, /run\/notes\.txt: not a regular file \(a link\?\); refused/]);
    forge(3, KEY);
    fs.renameSync(unitDir(3), `${unitDir(3)}.moved`);
    fs.symlinkSync(path.join(outside, 'important'), unitDir(3));
    expected.push([3, /is not a folder \(a link\?\); refused/]);
    forge(4, KEY, 5);
    expected.push([4, new RegExp(`its manifest is for unit "${plan[5].id}", not ${plan[4].id}; refused`)]);
    forge(5, KEY);
    fs.writeFileSync(path.join(unitDir(5), 'run', 'metrics.json'), '{"balancedAccuracy": 1.0}\n');
    expected.push([5, /run\/metrics\.json differs from its manifest hash/]);
    fs.symlinkSync(path.join(outside, `${ids[0]}.json`), resultFile(6));
    expected.push([6, /is not a regular file \(a link\?\); refused/]);
    fs.writeFileSync(resultFile(7), '{"result": ');
    expected.push([7, /not valid JSON/]);
    forge(8, KEY);
    // The poison job waits, delayed, under unit 9's id: the coordinator attaches to it, then it is released.
    const poison = await queue.add('unit', payload(9), { jobId: ids[9], delay: 3_600_000 });
    await (await queue.client).hset(queue.toKey(ids[9]), 'data', 'not json at all');
    expected.push([9, /payload refused: not JSON/]);

    const out = path.join(dir, 'study');
    let released = false;
    const r = await runCli(
      [...['study', 'learnability', ...QUICK, '--queue', redis.url, '--results', root, '--out', out]],
      (text) => {
        if (!released && text.includes('units:')) {
          released = true;
          void poison.promote();
        }
      },
    );
    expect(r.stderr).toContain(
      '10 units: 0 queued, 1 already queued (attached), 0 failed before and retried, 1 already complete',
    );
    for (const [i, message] of expected) {
      const line =
        r.stderr.split('\n').find((l) => l.startsWith(`${plan[i].id}: FAILED: `)) ?? `${plan[i].id}: not failed`;
      expect(line).toMatch(message);
    }
    expect(r.stderr).toMatch(/grid: 0 waiting, 0 active, 1 done, 9 failed of 10/);
    expect(r.stderr).toContain('9 run(s) failed');
    expect(r.code).toBe(1);
    expect(fs.existsSync(out)).toBe(false);

    // A worker given the job of a forged unit neither uses nor replaces the folder: the job fails, naming it.
    const forgedFolder = snapshot(unitDir(5));
    await queue.add('unit', payload(5), { jobId: ids[5], attempts: 3 });
    const s = await settled(ids[5]);
    expect(s.state).toBe('failed');
    expect(s.reason).toMatch(/does not match its manifest: run\/metrics\.json differs .*\(remove .* to run it again\)/);
    expect(s.attempts).toBeLessThanOrEqual(1);
    expect(snapshot(unitDir(5))).toEqual(forgedFolder);
    expect(log).not.toContain('training with');
    expect(snapshot(outside)).toEqual(before);
  });
});
