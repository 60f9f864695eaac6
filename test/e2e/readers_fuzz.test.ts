// Seeded fuzz of nodulab's public readers (NIfTI, .nii.gz, .npy, .npz, safetensors, ONNX, spec JSON, DICOM
// series folders):
// each format's batch of mutated inputs runs in a child process on the built packages (a native crash
// shows as a signal, a hang as the timer), and every input must decode or fail with an Error naming the
// file. test/fixtures/fuzz-corpus/<format>/ holds every input that ever crashed or overflowed; it is
// replayed too. A crashing input is left in the temp folder printed with the failure: add it there.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../helpers/spawn_cli';

const WORKER = path.join(REPO_ROOT, 'test', 'helpers', 'fuzz_worker.js');
const CORPUS = path.join(REPO_ROOT, 'test', 'fixtures', 'fuzz-corpus');
const SEED = 16;
/** Cases per format: about 4,000 in all. */
const CASES: Record<string, number> = {
  nifti: 600,
  niigz: 500,
  npy: 600,
  npz: 500,
  safetensors: 400,
  onnx: 400,
  spec: 500,
  dicom: 500,
};
/** A batch that runs longer than this has hung. */
const HANG_MS = 50_000; // three lanes of at most three batches each stay within the test's 180 s

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  hung: boolean;
  stdout: string;
  stderr: string;
  workdir: string;
}

function runWorker(args: string[]): Promise<Outcome> {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-fuzz-'));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=1024', WORKER, ...args.map((a) => a.replace('$WORKDIR', workdir))],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NODULAB_NUM_THREADS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let hung = false;
    const timer = setTimeout(() => ((hung = true), child.kill('SIGKILL')), HANG_MS);
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, hung, stdout, stderr, workdir });
    });
  });
}

/** Asserts a clean batch: exit 0, no signal, no hang, no unnamed error or wrong output; cleans up. */
function expectClean(what: string, o: Outcome, minCases: number): void {
  const left = fs.readdirSync(o.workdir).map((f) => path.join(o.workdir, f));
  const where = `${what}: the last input is kept in ${left.join(', ') || o.workdir}\n${o.stderr.slice(-2000)}`;
  expect({ what, signal: o.signal, hung: o.hung, code: o.code, where: o.code === 0 ? '' : where }).toEqual({
    what,
    signal: null,
    hung: false,
    code: 0,
    where: '',
  });
  const summary = JSON.parse(o.stdout) as { ok: number; named: number; problems: unknown[] };
  expect({ what, problems: summary.problems }).toEqual({ what, problems: [] });
  expect(summary.ok + summary.named).toBeGreaterThanOrEqual(minCases);
  fs.rmSync(o.workdir, { recursive: true, force: true });
}

describe('reader fuzz', () => {
  it('replays the regression corpus: every input fails cleanly, naming the file', async () => {
    const files = fs
      .readdirSync(CORPUS)
      .flatMap((d) => fs.readdirSync(path.join(CORPUS, d)).map((f) => path.join(CORPUS, d, f)));
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(files.some((f) => /onnx[\\/]conv_strides_0\.onnx$/.test(f))).toBe(true);
    const o = await runWorker(['replay', '$WORKDIR', ...files]);
    expectClean('corpus', o, files.length);
    expect((JSON.parse(o.stdout) as { named: number }).named).toBe(files.length);
  }, 60_000);

  it(`${Object.values(CASES).reduce((a, b) => a + b, 0)} mutated inputs over 8 formats: no crash, no hang, every error names the file`, async () => {
    const formats = Object.keys(CASES);
    const queue = [...formats];
    const outcomes: Record<string, Outcome> = {};
    // Three children at a time.
    await Promise.all(
      [0, 1, 2].map(async () => {
        for (let f = queue.shift(); f !== undefined; f = queue.shift())
          outcomes[f] = await runWorker([f, String(SEED), String(CASES[f]), '$WORKDIR']);
      }),
    );
    for (const f of formats) expectClean(f, outcomes[f], CASES[f]);
  }, 180_000);
});
