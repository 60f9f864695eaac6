// `nodulab study --queue rediss://...` and `nodulab worker` against a real redis-server that speaks TLS only,
// asks for a client certificate and a password: learnability's --quick grid (one seed) completes, the
// password never on a command line (a file for the coordinator, NODULAB_REDIS_PASSWORD for the worker), and
// every unit's manifest signed with the queue key (a file option, and NODULAB_QUEUE_KEY_FILE). Without the
// CA, without the client certificate, with a wrong password, or with ?tls= on a redis:// URL, the command
// says why. Certificates are made with openssl; skipped without redis-server or openssl.
import * as fs from 'fs';
import * as path from 'path';
import { type CliRun, runCli } from '../helpers/run_cli';
import { type ChildRun, spawnCli } from '../helpers/spawn_cli';
import { TLS_REDIS_AVAILABLE, type TlsRedis, startTlsRedis } from '../helpers/tls_redis';

jest.setTimeout(900_000);

const QUICK = ['--quick', '--seeds', '1', '--threads', '1'];

(TLS_REDIS_AVAILABLE ? describe : describe.skip)('the study queue over rediss:// with client certificates', () => {
  let redis: TlsRedis;
  let root: string;
  let keyFile: string;
  let tlsArgs: string[];
  let worker: Promise<ChildRun>;
  let stopWorker: () => void = () => undefined;
  let log = '';

  /** `nodulab study learnability --quick` on the queue into `out`, with the TLS files and `more` options. */
  const study = (out: string, more: string[], url = redis.url): Promise<CliRun> =>
    runCli([...['study', 'learnability', ...QUICK, '--queue', url, '--results', root, '--out', out], ...more]);

  beforeAll(async () => {
    redis = await startTlsRedis();
    root = path.join(redis.dir, 'results');
    keyFile = path.join(redis.dir, 'queue-key');
    fs.writeFileSync(keyFile, 'a queue key shared by coordinator and workers\n', { mode: 0o600 });
    tlsArgs = ['--tls-ca', redis.ca, '--tls-cert', redis.cert, '--tls-key', redis.key];
    worker = spawnCli(['worker', '--queue', redis.url, ...tlsArgs, '--results', root, '--stalled-ms', '8000'], {
      env: { NODULAB_REDIS_PASSWORD: redis.password, NODULAB_QUEUE_KEY_FILE: keyFile },
      onStderr: (text, child) => {
        log += text;
        stopWorker = () => child.kill('SIGTERM');
      },
    });
  });

  afterAll(async () => {
    // The worker is stopped once it has started (its first line gives the handle), or when it has exited.
    let exited = false;
    void worker.then(() => (exited = true));
    while (!exited && !log.includes('taking jobs from')) await new Promise((r) => setTimeout(r, 100));
    stopWorker();
    await worker;
    await redis?.stop();
  });

  it('completes the quick study, every unit signed, the password in no argument', async () => {
    const out = path.join(redis.dir, 'study');
    const t0 = Date.now();
    const r = await study(out, [...tlsArgs, '--redis-password-file', redis.passwordFile, '--queue-key-file', keyFile]);
    console.log(`learnability --quick over rediss:// with one worker: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.stderr).not.toMatch(/FAILED|warning/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/grid: 0 waiting, 0 active, (\d+) done, 0 failed of \1/);
    expect(fs.existsSync(path.join(out, 'metrics.json'))).toBe(true);
    expect(log).toContain(`taking jobs from ${redis.url}`);
    const results = fs.readdirSync(root).filter((f) => f.endsWith('.json'));
    expect(results.length).toBeGreaterThan(0);
    for (const f of results) {
      const doc = JSON.parse(fs.readFileSync(path.join(root, f), 'utf8'));
      expect(doc.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
      expect(doc.manifest.job).toBe(f.replace(/\.json$/, ''));
    }
  });

  it('names a missing CA, a missing client certificate, a wrong password and ?tls= on redis://', async () => {
    const wrong = path.join(redis.dir, 'wrong-password');
    fs.writeFileSync(wrong, 'not-the-password\n');
    const pw = ['--redis-password-file', redis.passwordFile];
    const cases: [string, string[], string | undefined, number, RegExp][] = [
      ['no CA', ['--tls-cert', redis.cert, '--tls-key', redis.key, ...pw], undefined, 1, /self-signed certificate/],
      ['no client certificate', ['--tls-ca', redis.ca, ...pw], undefined, 1, /cannot reach Redis at rediss:/],
      ['a wrong password', [...tlsArgs, '--redis-password-file', wrong], undefined, 1, /WRONGPASS/],
      [
        '?tls=true',
        [],
        redis.url.replace('rediss:', 'redis:') + '/?tls=true',
        2,
        /query parameters \(\?tls=true\) are not read/,
      ],
      ['TLS files on redis://', tlsArgs, redis.url.replace('rediss:', 'redis:'), 2, /TLS files need a rediss:\/\/ URL/],
    ];
    for (const [what, args, url, code, message] of cases) {
      const out = path.join(redis.dir, `refused-${what.replace(/\W+/g, '-')}`);
      const r = await study(out, args, url);
      expect({ what, code: r.code }).toEqual({ what, code });
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    }
  });
});
